use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// Merchant A tries every write on merchant B's store: each is refused with
/// 403 and B's merchant, product and orders are unchanged.
#[tokio::test]
async fn a_merchant_cannot_change_another_merchants_store() {
    let app = spawn_app().await;
    let a = app.merchant(retailer()).await;
    let b = app
        .merchant(registration(
            "MANUFACTURER",
            "1970-01-01",
            "성수",
            "leather",
        ))
        .await;
    let product = app.product(b, 9_000, 4).await;
    let placed = app
        .post(
            &format!("/merchants/{b}/orders"),
            &citizen("c"),
            json!({"lines": [{"productId": product, "quantity": 1}], "payment": "CARD"}),
        )
        .await;
    let order = id_of(placed.expect(StatusCode::CREATED));
    let before_merchant = app.get(&format!("/merchants/{b}"), None).await.body;
    let before_product = app.get(&format!("/products/{product}"), None).await.body;
    let before_order = app
        .get(&format!("/orders/{order}"), Some(&operator()))
        .await
        .body;

    let intruder = merchant_actor(a);
    let p = format!("/merchants/{b}/products/{product}");
    let attempts = [
        app.patch(
            &format!("/merchants/{b}"),
            &intruder,
            json!({"name": "탈취"}),
        )
        .await,
        app.post(
            &format!("/merchants/{b}/heritage"),
            &intruder,
            json!({"badge": "CENTURY_STORE"}),
        )
        .await,
        app.post(
            &format!("/merchants/{b}/channel-onboardings"),
            &intruder,
            json!({"channel": "x", "market": "DOMESTIC"}),
        )
        .await,
        app.post(
            &format!("/merchants/{b}/products"),
            &intruder,
            json!({"name": "a", "price": 1, "stock": 1}),
        )
        .await,
        app.patch(&p, &intruder, json!({"name": "탈취"})).await,
        app.put(&format!("{p}/price"), &intruder, json!({"price": 1}))
            .await,
        app.post(
            &format!("{p}/stock-adjustments"),
            &intruder,
            json!({"delta": -4, "reason": "x"}),
        )
        .await,
        app.delete(&format!("{p}/publication"), &intruder).await,
        app.post(
            &format!("/merchants/{b}/orders/{order}/cancellation"),
            &intruder,
            json!({"reason": "x"}),
        )
        .await,
        app.get(&format!("/merchants/{b}/orders"), Some(&intruder))
            .await,
        app.get(&format!("/orders/{order}"), Some(&intruder)).await,
    ];
    for reply in attempts {
        reply.error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    }
    // A merchant token for A naming B's path through A's id does not help either.
    app.post(
        &format!("/merchants/{a}/products/{product}/publication"),
        &intruder,
        json!({}),
    )
    .await
    .error(StatusCode::NOT_FOUND, "PRODUCT_NOT_FOUND", None);
    let unpublished_of_b = app
        .get(&format!("/merchants/{b}/products"), Some(&intruder))
        .await;
    assert_eq!(
        unpublished_of_b.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    assert_eq!(
        app.get(&format!("/merchants/{b}"), None).await.body,
        before_merchant
    );
    assert_eq!(
        app.get(&format!("/products/{product}"), None).await.body,
        before_product
    );
    assert_eq!(
        app.get(&format!("/orders/{order}"), Some(&operator()))
            .await
            .body,
        before_order
    );
}
