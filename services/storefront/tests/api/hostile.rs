//! Implausible and extreme input (issue 7): refused with a stable code and
//! nothing stored; a damaged read-model row does not take a list down.

use chrono::Utc;
use golmok_kernel::{AppendRequest, Envelope, EventCodec, ExpectedVersion, Mutation};
use reqwest::StatusCode;
use serde_json::json;
use storefront::app::codec::{StorefrontCodec, StorefrontEvent};
use storefront::app::shop_stream;
use storefront::domain::shop::ShopEvent;
use uuid::Uuid;

use crate::helpers::*;

const INT_MAX: i64 = 2_147_483_647;

#[tokio::test]
async fn a_huge_stock_delta_is_refused_and_the_product_stays_usable() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let product = app.product(merchant, 5_000, 10).await;
    let base = format!("/merchants/{merchant}/products");
    let path = format!("{base}/{product}");
    let adjustments = format!("{path}/stock-adjustments");

    for delta in [i64::MAX, INT_MAX, INT_MAX - 9] {
        app.post(
            &adjustments,
            &owner,
            json!({"delta": delta, "reason": "입고"}),
        )
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "STOCK_OUT_OF_RANGE",
            Some("delta"),
        );
    }
    // Nothing was committed: the product still reads, lists and repairs.
    let read = app.get(&format!("/products/{product}"), None).await;
    assert_eq!(read.expect(StatusCode::OK)["stock"], 10);
    let listed = app.get(&base, Some(&owner)).await;
    assert_eq!(listed.expect(StatusCode::OK)["items"][0]["stock"], 10);
    let topped = app
        .post(
            &adjustments,
            &owner,
            json!({"delta": INT_MAX - 10, "reason": "입고"}),
        )
        .await;
    assert_eq!(topped.expect(StatusCode::OK)["stock"], INT_MAX);
    let lowered = app
        .post(
            &adjustments,
            &owner,
            json!({"delta": -(INT_MAX - 3), "reason": "정정"}),
        )
        .await;
    assert_eq!(lowered.expect(StatusCode::OK)["stock"], 3);
    let unpublished = app.delete(&format!("{path}/publication"), &owner).await;
    assert_eq!(unpublished.expect(StatusCode::OK)["published"], false);

    app.post(
        &base,
        &owner,
        json!({"name": "막걸리", "price": 1, "stock": INT_MAX + 1}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "STOCK_OUT_OF_RANGE",
        Some("stock"),
    );
    let items = app.get(&base, Some(&owner)).await;
    assert_eq!(
        items.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_order_with_a_huge_quantity_is_refused_and_reserves_nothing() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let product = app.product(merchant, 1, 10).await;
    let buyer = citizen("buyer-1");
    for quantity in [i64::MAX, INT_MAX + 1] {
        app.post(
            &format!("/merchants/{merchant}/orders"),
            &buyer,
            json!({
                "lines": [{"productId": product, "quantity": quantity}],
                "payment": "VOUCHER",
            }),
        )
        .await
        .error(
            StatusCode::BAD_REQUEST,
            "QUANTITY_OUT_OF_RANGE",
            Some("lines.0.quantity"),
        );
    }
    let read = app.get(&format!("/products/{product}"), None).await;
    let body = read.expect(StatusCode::OK);
    assert_eq!(
        (body["reserved"].as_u64(), body["available"].as_u64()),
        (Some(0), Some(10))
    );
    let orders = app.get("/buyers/buyer-1/orders", Some(&buyer)).await;
    assert_eq!(orders.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn placeholder_business_numbers_are_refused() {
    let app = spawn_app().await;
    for number in ["000-00-00000", "0000000000", "444-44-44444"] {
        let mut body = retailer();
        body["businessNumber"] = json!(number);
        app.post("/merchants", &operator(), body).await.error(
            StatusCode::BAD_REQUEST,
            "BUSINESS_NUMBER_MALFORMED",
            Some("businessNumber"),
        );
    }
    let directory = app.get("/merchants", Some(&operator())).await;
    assert_eq!(directory.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn an_implausible_founding_date_is_refused() {
    let app = spawn_app().await;
    for founded_on in ["0001-01-01", "1899-12-31"] {
        app.post(
            "/merchants",
            &operator(),
            registration("RETAILER", founded_on, "을지로", "food"),
        )
        .await
        .error(
            StatusCode::BAD_REQUEST,
            "FOUNDED_ON_OUT_OF_RANGE",
            Some("foundedOn"),
        );
    }
    app.post(
        "/merchants",
        &operator(),
        registration("RETAILER", "9999-12-31", "을지로", "food"),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "FOUNDED_IN_FUTURE",
        Some("foundedOn"),
    );
    let directory = app.get("/merchants", Some(&operator())).await;
    assert_eq!(directory.expect(StatusCode::OK)["items"], json!([]));
    app.merchant(registration("RETAILER", "1900-01-01", "을지로", "food"))
        .await;
}

#[tokio::test]
async fn names_with_nul_or_control_characters_are_refused() {
    let app = spawn_app().await;
    for name in ["을지로\u{0}노가리", "을지로\u{1b}[2J", "을지로\u{85}노가리"] {
        let mut body = retailer();
        body["name"] = json!(name);
        app.post("/merchants", &operator(), body).await.error(
            StatusCode::BAD_REQUEST,
            "INVALID_TEXT",
            Some("name"),
        );
    }
    let mut body = retailer();
    body["district"] = json!("을지로\u{7}");
    app.post("/merchants", &operator(), body).await.error(
        StatusCode::BAD_REQUEST,
        "INVALID_TEXT",
        Some("district"),
    );
    let directory = app.get("/merchants", Some(&operator())).await;
    assert_eq!(directory.expect(StatusCode::OK)["items"], json!([]));

    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let base = format!("/merchants/{merchant}/products");
    app.post(
        &base,
        &owner,
        json!({"name": "막\u{0}걸리", "price": 1, "stock": 1}),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "INVALID_TEXT", Some("name"));
    let items = app.get(&base, Some(&owner)).await;
    assert_eq!(items.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn a_damaged_read_model_row_is_skipped_in_lists_and_named_when_read_alone() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let good = app.product(merchant, 5_000, 10).await;
    let bad = app.product(merchant, 6_000, 20).await;
    let damaged = br#"{"id": "not a product", "stock": -1}"#.to_vec();
    app.tables()
        .write(vec![
            Mutation::put(
                "storefront_products_by_merchant",
                &merchant.to_string(),
                &bad.to_string(),
                damaged.clone(),
            ),
            Mutation::put(
                "storefront_published_products_by_merchant",
                &merchant.to_string(),
                &bad.to_string(),
                damaged.clone(),
            ),
            Mutation::put("storefront_product_by_id", &bad.to_string(), "", damaged),
        ])
        .await
        .expect("the row is damaged");

    let base = format!("/merchants/{merchant}/products");
    for actor in [Some(&owner), None] {
        let listed = app.get(&base, actor).await;
        let items = listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["id"], good.to_string());
    }
    let alone = app.get(&format!("/products/{bad}"), None).await;
    alone.error(StatusCode::INTERNAL_SERVER_ERROR, "RECORD_UNREADABLE", None);
    assert!(
        alone.body["message"]
            .as_str()
            .unwrap()
            .contains(&bad.to_string()),
        "{}",
        alone.body
    );
    // The good product still reads on its own.
    let read = app.get(&format!("/products/{good}"), None).await;
    assert_eq!(read.expect(StatusCode::OK)["stock"], 10);
}

#[tokio::test]
async fn a_stock_recorded_beyond_the_bound_by_an_older_release_can_still_be_repaired() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let product = app.product(merchant, 5_000, 10).await;
    // What the old decider let through: +i64::MAX on 10 units.
    let encoded = StorefrontCodec::encode(&StorefrontEvent::Shop(ShopEvent::StockAdjusted {
        product_id: product,
        delta: i64::MAX,
        reason: "입고".into(),
        at: Utc::now(),
    }));
    let id = Uuid::now_v7();
    let stream = shop_stream(merchant);
    app.event_log()
        .append(AppendRequest {
            stream: stream.clone(),
            expected: ExpectedVersion::Any,
            events: vec![Envelope {
                id,
                source: "/golmok/storefront".into(),
                event_type: StorefrontCodec::event_type(encoded.name, encoded.version),
                subject: stream,
                time: Utc::now(),
                stream_version: 0,
                correlation_id: id,
                causation_id: id,
                traceparent: None,
                data: encoded.data,
            }],
            idempotency: None,
        })
        .await
        .expect("the old event is appended");
    let app = app.restart().await;
    let huge = 10 + i64::MAX as u64;
    let path = format!("/products/{product}");
    app.until(&path, &owner, |p| p["stock"].as_u64() == Some(huge))
        .await;

    let base = format!("/merchants/{merchant}/products");
    let adjustments = format!("{base}/{product}/stock-adjustments");
    app.post(&adjustments, &owner, json!({"delta": 1, "reason": "입고"}))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "STOCK_OUT_OF_RANGE",
            Some("delta"),
        );
    let listed = app.get(&base, Some(&owner)).await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"][0]["stock"].as_u64(),
        Some(huge)
    );
    let repaired = app
        .post(
            &adjustments,
            &owner,
            json!({"delta": -i64::MAX, "reason": "정정"}),
        )
        .await;
    assert_eq!(repaired.expect(StatusCode::OK)["stock"], 10);
    let unpublished = app
        .delete(&format!("{base}/{product}/publication"), &owner)
        .await;
    assert_eq!(unpublished.expect(StatusCode::OK)["published"], false);
}
