use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

async fn product_of(app: &TestApp, merchant: Uuid, product: Uuid) -> Value {
    let reply = app
        .get(
            &format!("/products/{product}"),
            Some(&merchant_actor(merchant)),
        )
        .await;
    reply.expect(StatusCode::OK).clone()
}

fn order(lines: &[(Uuid, i64)]) -> Value {
    json!({
        "lines": lines.iter().map(|(p, q)| json!({"productId": p, "quantity": q})).collect::<Vec<_>>(),
        "payment": "VOUCHER",
    })
}

#[tokio::test]
async fn a_product_lives_through_its_lifecycle() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let base = format!("/merchants/{merchant}/products");
    let created = app
        .post(
            &base,
            &owner,
            json!({"name": "노가리", "description": "연탄불", "price": 5000, "stock": 10}),
        )
        .await;
    let product = created.expect(StatusCode::CREATED).clone();
    assert_eq!(product["published"], false);
    assert_eq!(
        (
            product["stock"].as_u64(),
            product["reserved"].as_u64(),
            product["available"].as_u64()
        ),
        (Some(10), Some(0), Some(10))
    );
    let id = id_of(&product);
    let path = format!("{base}/{id}");

    app.get(&format!("/products/{id}"), None).await.error(
        StatusCode::NOT_FOUND,
        "PRODUCT_NOT_FOUND",
        None,
    );
    assert_eq!(
        app.get(&base, None).await.expect(StatusCode::OK)["items"],
        json!([])
    );
    assert_eq!(
        app.get(&base, Some(&owner)).await.expect(StatusCode::OK)["items"][0],
        product
    );

    let published = app
        .post(&format!("{path}/publication"), &owner, json!({}))
        .await;
    assert_eq!(published.expect(StatusCode::OK)["published"], true);
    let public = app.get(&format!("/products/{id}"), None).await;
    assert_eq!(public.expect(StatusCode::OK)["name"], "노가리");

    let edited = app
        .patch(&path, &owner, json!({"name": "노가리 한 접시"}))
        .await;
    assert_eq!(edited.expect(StatusCode::OK)["description"], "연탄불");
    let priced = app
        .put(&format!("{path}/price"), &owner, json!({"price": 5500}))
        .await;
    assert_eq!(priced.expect(StatusCode::OK)["price"], 5500);
    app.put(&format!("{path}/price"), &owner, json!({"price": 0}))
        .await
        .error(StatusCode::BAD_REQUEST, "PRICE_NOT_POSITIVE", Some("price"));

    let adjustments = format!("{path}/stock-adjustments");
    let restocked = app
        .post(&adjustments, &owner, json!({"delta": 5, "reason": "입고"}))
        .await;
    assert_eq!(restocked.expect(StatusCode::OK)["stock"], 15);
    app.post(
        &adjustments,
        &owner,
        json!({"delta": -16, "reason": "파손"}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "STOCK_WOULD_GO_NEGATIVE",
        Some("delta"),
    );
    app.post(&adjustments, &owner, json!({"delta": 0, "reason": "x"}))
        .await
        .error(StatusCode::BAD_REQUEST, "DELTA_ZERO", Some("delta"));

    let unpublished = app.delete(&format!("{path}/publication"), &owner).await;
    let last = unpublished.expect(StatusCode::OK).clone();
    assert_eq!(last["published"], false);
    assert_eq!(
        app.get(&base, None).await.expect(StatusCode::OK)["items"],
        json!([])
    );
    assert_eq!(product_of(&app, merchant, id).await, last);
    assert_eq!(last["name"], "노가리 한 접시");
    assert_eq!(last["stock"], 15);
}

#[tokio::test]
async fn product_input_is_validated() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let base = format!("/merchants/{merchant}/products");
    app.post(&base, &owner, json!({"name": "a", "price": -1, "stock": 1}))
        .await
        .error(StatusCode::BAD_REQUEST, "PRICE_NOT_POSITIVE", Some("price"));
    app.post(&base, &owner, json!({"name": " ", "price": 1, "stock": 1}))
        .await
        .error(StatusCode::BAD_REQUEST, "FIELD_REQUIRED", Some("name"));
    app.post(&base, &owner, json!({"name": "a", "price": 1, "stock": -1}))
        .await
        .error(StatusCode::BAD_REQUEST, "STOCK_NEGATIVE", Some("stock"));
    app.post(
        &base,
        &owner,
        json!({"name": "a", "price": "1원", "stock": 1}),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "INVALID_FIELD", Some("price"));
    let ghost = Uuid::now_v7();
    app.post(
        &format!("/merchants/{ghost}/products"),
        &merchant_actor(ghost),
        json!({"name": "a", "price": 1, "stock": 1}),
    )
    .await
    .error(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND", None);
    assert_eq!(
        app.get(&base, Some(&owner)).await.expect(StatusCode::OK)["items"],
        json!([])
    );
}

#[tokio::test]
async fn an_order_reserves_stock_and_cancelling_releases_it() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let a = app.product(merchant, 5_000, 10).await;
    let b = app.product(merchant, 12_000, 3).await;
    let buyer = citizen("citizen-lee");
    let placed = app
        .post(
            &format!("/merchants/{merchant}/orders"),
            &buyer,
            order(&[(a, 2), (b, 3)]),
        )
        .await;
    let placed = placed.expect(StatusCode::CREATED).clone();
    assert_eq!(placed["total"], 2 * 5_000 + 3 * 12_000);
    assert_eq!(placed["status"], "PLACED");
    assert_eq!(placed["buyer"], "citizen-lee");
    assert_eq!(
        placed["payment"],
        json!({"method": "VOUCHER", "status": "AWAITING"})
    );
    assert_eq!(placed["lines"][1]["lineTotal"], 36_000);
    let a_now = product_of(&app, merchant, a).await;
    assert_eq!(
        (a_now["reserved"].as_u64(), a_now["available"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(product_of(&app, merchant, b).await["available"], 0);

    let order_id = id_of(&placed);
    let read = app.get(&format!("/orders/{order_id}"), Some(&buyer)).await;
    assert_eq!(read.expect(StatusCode::OK), &placed);

    let cancellation = format!("/merchants/{merchant}/orders/{order_id}/cancellation");
    app.post(
        &cancellation,
        &citizen("someone-else"),
        json!({"reason": "x"}),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let cancelled = app
        .post(&cancellation, &buyer, json!({"reason": "변심"}))
        .await;
    let cancelled = cancelled.expect(StatusCode::OK).clone();
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["cancelReason"], "변심");
    assert_eq!(cancelled["payment"]["status"], "VOIDED");
    assert_eq!(product_of(&app, merchant, a).await["available"], 10);
    assert_eq!(product_of(&app, merchant, b).await["reserved"], 0);
    app.post(
        &cancellation,
        &merchant_actor(merchant),
        json!({"reason": "again"}),
    )
    .await
    .error(StatusCode::CONFLICT, "ORDER_ALREADY_CANCELLED", None);
}

#[tokio::test]
async fn an_order_with_one_bad_line_reserves_nothing() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let a = app.product(merchant, 5_000, 10).await;
    let b = app.product(merchant, 12_000, 3).await;
    let path = format!("/merchants/{merchant}/orders");
    let buyer = citizen("c1");
    app.post(&path, &buyer, order(&[(a, 2), (b, 4)]))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INSUFFICIENT_STOCK",
            Some("lines.1.quantity"),
        );
    app.post(&path, &buyer, order(&[(a, 2), (Uuid::now_v7(), 1)]))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNKNOWN_PRODUCT",
            Some("lines.1.productId"),
        );
    app.post(&path, &buyer, order(&[(a, 0)])).await.error(
        StatusCode::BAD_REQUEST,
        "QUANTITY_NOT_POSITIVE",
        Some("lines.0.quantity"),
    );
    app.post(&path, &buyer, order(&[])).await.error(
        StatusCode::BAD_REQUEST,
        "ORDER_LINES_REQUIRED",
        Some("lines"),
    );
    app.post(
        &path,
        &buyer,
        json!({"lines": [{"productId": "x", "quantity": 1}], "payment": "CARD"}),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD",
        Some("lines.0.productId"),
    );
    app.post(&path, &merchant_actor(merchant), order(&[(a, 1)]))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    assert_eq!(product_of(&app, merchant, a).await["reserved"], 0);
    assert_eq!(product_of(&app, merchant, b).await["reserved"], 0);
    let orders = app
        .get(
            &format!("/merchants/{merchant}/orders"),
            Some(&merchant_actor(merchant)),
        )
        .await;
    assert_eq!(orders.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn only_published_products_of_an_active_merchant_sell() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let a = app.product(merchant, 5_000, 10).await;
    app.delete(
        &format!("/merchants/{merchant}/products/{a}/publication"),
        &owner,
    )
    .await
    .expect(StatusCode::OK);
    let path = format!("/merchants/{merchant}/orders");
    app.post(&path, &citizen("c"), order(&[(a, 1)]))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PRODUCT_NOT_PUBLISHED",
            Some("lines.0.productId"),
        );
    let b = app.product(merchant, 5_000, 10).await;
    app.post(
        &format!("/merchants/{merchant}/suspension"),
        &official(),
        json!({"reason": "조사"}),
    )
    .await
    .expect(StatusCode::OK);
    app.post(&path, &citizen("c"), order(&[(b, 1)]))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "MERCHANT_NOT_ACTIVE",
            None,
        );
    let ghost = Uuid::now_v7();
    app.post(
        &format!("/merchants/{ghost}/orders"),
        &citizen("c"),
        order(&[(b, 1)]),
    )
    .await
    .error(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND", None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_for_the_last_units_never_oversell() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let product = app.product(merchant, 1_000, 5).await;
    let path = format!("/merchants/{merchant}/orders");
    let attempts = (0..12).map(|i| {
        let (app, path) = (&app, &path);
        async move {
            app.post(
                path,
                &citizen(&format!("buyer-{i}")),
                order(&[(product, 1)]),
            )
            .await
        }
    });
    let replies = join_all(attempts).await;
    let placed = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(placed, 5, "{replies:#?}");
    for refused in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        refused.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INSUFFICIENT_STOCK",
            Some("lines.0.quantity"),
        );
    }
    let now = product_of(&app, merchant, product).await;
    assert_eq!(
        (
            now["stock"].as_u64(),
            now["reserved"].as_u64(),
            now["available"].as_u64()
        ),
        (Some(5), Some(5), Some(0))
    );
    let orders = app
        .get(
            &format!("/merchants/{merchant}/orders?first=100"),
            Some(&merchant_actor(merchant)),
        )
        .await;
    assert_eq!(
        orders.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn order_lists_are_newest_first_and_scoped() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let product = app.product(merchant, 1_000, 50).await;
    let buyer = citizen("citizen-park");
    let mut placed = Vec::new();
    for quantity in 1..=3 {
        let reply = app
            .post(
                &format!("/merchants/{merchant}/orders"),
                &buyer,
                order(&[(product, quantity)]),
            )
            .await;
        placed.push(id_of(reply.expect(StatusCode::CREATED)));
    }
    app.post(
        &format!("/merchants/{merchant}/orders"),
        &citizen("other"),
        order(&[(product, 1)]),
    )
    .await
    .expect(StatusCode::CREATED);
    placed.reverse();
    let mine = app
        .get("/buyers/citizen-park/orders?first=2", Some(&buyer))
        .await;
    let mine = mine.expect(StatusCode::OK).clone();
    let ids: Vec<Uuid> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, placed[..2]);
    let rest = app
        .get(
            &format!(
                "/buyers/citizen-park/orders?first=2&after={}",
                mine["nextCursor"].as_str().unwrap()
            ),
            Some(&buyer),
        )
        .await;
    let ids: Vec<Uuid> = rest.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, placed[2..]);
    app.get("/buyers/citizen-park/orders", Some(&citizen("other")))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.get("/buyers/citizen-park/orders", None).await.error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        None,
    );
    assert_eq!(
        app.get("/buyers/citizen-park/orders", Some(&operator()))
            .await
            .expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let merchant_view = app
        .get(
            &format!("/merchants/{merchant}/orders"),
            Some(&merchant_actor(merchant)),
        )
        .await;
    assert_eq!(
        merchant_view.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    app.get(&format!("/merchants/{merchant}/orders"), Some(&buyer))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.get(&format!("/orders/{}", placed[0]), Some(&citizen("other")))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.get(
        &format!("/orders/{}", placed[0]),
        Some(&merchant_actor(merchant)),
    )
    .await
    .expect(StatusCode::OK);
}
