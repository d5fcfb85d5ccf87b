use futures::future::join_all;
use golmok_testkit::idempotency::{Replayable, assert_idempotent};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_replayed_command_answers_the_first_response_and_does_nothing_more() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let path = format!("/merchants/{merchant}/products");
    let body = json!({"name": "떡", "price": 3000, "stock": 7});
    let first = app
        .call(
            Method::POST,
            &path,
            Some(&owner),
            Some("add-rice-cake"),
            Some(body.clone()),
        )
        .await;
    let created = first.expect(StatusCode::CREATED).clone();
    let product = id_of(&created);
    // Change the product afterwards: a replay still answers the first response.
    app.put(
        &format!("{path}/{product}/price"),
        &owner,
        json!({"price": 3500}),
    )
    .await
    .expect(StatusCode::OK);
    let reordered = json!({"stock": 7, "price": 3000, "name": "떡"});
    let again = app
        .call(
            Method::POST,
            &path,
            Some(&owner),
            Some("add-rice-cake"),
            Some(reordered),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, created);
    let listed = app.get(&path, Some(&owner)).await;
    let items = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["price"], 3500);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let path = format!("/merchants/{merchant}/products");
    app.call(
        Method::POST,
        &path,
        Some(&owner),
        Some("k-1"),
        Some(json!({"name": "떡", "price": 3000, "stock": 7})),
    )
    .await
    .expect(StatusCode::CREATED);
    let reused = app
        .call(
            Method::POST,
            &path,
            Some(&owner),
            Some("k-1"),
            Some(json!({"name": "떡", "price": 3100, "stock": 7})),
        )
        .await;
    reused.error(
        StatusCode::CONFLICT,
        "IDEMPOTENCY_KEY_REUSED",
        Some("idempotency-key"),
    );
    // The message is for the partner: not the stored key's internal form.
    let message = reused.body["message"].as_str().unwrap();
    assert!(
        !message.contains("storefront:") && !message.contains(&owner.subject),
        "{message}"
    );
    app.call(
        Method::POST,
        "/merchants",
        Some(&owner),
        Some("k-1"),
        Some(retailer()),
    )
    .await
    .error(
        StatusCode::CONFLICT,
        "IDEMPOTENCY_KEY_REUSED",
        Some("idempotency-key"),
    );
    app.call(
        Method::POST,
        &path,
        Some(&owner),
        Some(""),
        Some(json!({"name": "떡", "price": 3000, "stock": 7})),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "INVALID_IDEMPOTENCY_KEY",
        Some("idempotency-key"),
    );
    let listed = app.get(&path, Some(&owner)).await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_replayed_registration_answers_the_same_merchant() {
    let app = spawn_app().await;
    let body = retailer();
    let first = app
        .call(
            Method::POST,
            "/merchants",
            Some(&official()),
            Some("reg-1"),
            Some(body.clone()),
        )
        .await;
    let created = first.expect(StatusCode::CREATED).clone();
    let again = app
        .call(
            Method::POST,
            "/merchants",
            Some(&official()),
            Some("reg-1"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, created);
    // Keys are per caller: another caller's key does not replay this one's answer.
    app.call(
        Method::POST,
        "/merchants",
        Some(&operator()),
        Some("reg-1"),
        Some(body),
    )
    .await
    .error(
        StatusCode::CONFLICT,
        "BUSINESS_NUMBER_TAKEN",
        Some("businessNumber"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_place_one_order() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let product = app.product(merchant, 1_000, 10).await;
    let path = format!("/merchants/{merchant}/orders");
    let buyer = citizen("c");
    let body = json!({"lines": [{"productId": product, "quantity": 2}], "payment": "CARD"});
    let replies = join_all((0..6).map(|_| {
        app.call(
            Method::POST,
            &path,
            Some(&buyer),
            Some("order-once"),
            Some(body.clone()),
        )
    }))
    .await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.body, replies[0].body);
    }
    let product = app.get(&format!("/products/{product}"), None).await;
    assert_eq!(product.expect(StatusCode::OK)["reserved"], 2);
}

/// RELIABILITY 17 through the contract test both services share.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_product_keeps_the_shared_idempotency_contract() {
    let app = spawn_app().await;
    let merchant = app.merchant(retailer()).await;
    let owner = merchant_actor(merchant);
    let path = format!("/merchants/{merchant}/products");
    let command = Replayable {
        method: Method::POST,
        path: path.clone(),
        body: json!({"name": "떡", "price": 3000, "stock": 7}),
        other_body: json!({"name": "떡", "price": 3100, "stock": 7}),
    };
    let (app, owner) = (&app, &owner);
    let list = format!("{path}?first=100");
    let list = &list;
    let products = move || async move {
        let listed = app.get(list, Some(owner)).await;
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_idempotent(app, owner, &command, products).await;
}
