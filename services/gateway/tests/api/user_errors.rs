use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{REGISTER, global_id, open_shop, place_order, registration, stock_product};
use crate::support::spawn_app;

fn only_error(payload: &Value) -> Value {
    let errors = payload["userErrors"].as_array().expect("userErrors");
    assert_eq!(errors.len(), 1, "{payload}");
    json!({"field": errors[0]["field"], "code": errors[0]["code"]})
}

#[tokio::test]
async fn a_bad_business_number_points_at_its_field() {
    let app = spawn_app().await;
    let operator = app.token(Role::Operator, None);
    for (number, code) in [
        ("12-345", "BUSINESS_NUMBER_MALFORMED"),
        ("1234567890", "BUSINESS_NUMBER_CHECKSUM_MISMATCH"),
    ] {
        let mut input = registration("가게");
        input["businessNumber"] = json!(number);
        let data = app
            .data(Some(&operator), REGISTER, json!({"input": input}))
            .await;
        let payload = &data["registerMerchant"];
        assert_eq!(payload["merchant"], Value::Null, "{payload}");
        assert_eq!(
            only_error(payload),
            json!({"field": ["input", "businessNumber"], "code": code}),
            "{number}"
        );
    }
    let directory = app
        .data(None, "{ merchants { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(
        directory["merchants"]["edges"],
        json!([]),
        "nothing was registered"
    );
}

#[tokio::test]
async fn malformed_and_wrong_type_ids_in_input_are_user_errors() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "가게").await;
    let rename =
        "mutation($id: ID!) { updateMerchant(input: {merchantId: $id, name: \"새 이름\"}) {
                    merchant { id } userErrors { field message code } } }";
    let product_id = global_id("Product", shop.uuid);
    for (id, code) in [
        ("not-an-id", "INVALID_ID"),
        (product_id.as_str(), "WRONG_ID_TYPE"),
    ] {
        let data = app.data(Some(&shop.token), rename, json!({"id": id})).await;
        assert_eq!(
            only_error(&data["updateMerchant"]),
            json!({"field": ["input", "merchantId"], "code": code}),
            "{id}"
        );
    }
    let unknown = global_id("Merchant", uuid::Uuid::now_v7());
    let data = app
        .data(Some(&shop.token), rename, json!({"id": unknown}))
        .await;
    let code = only_error(&data["updateMerchant"])["code"].clone();
    assert!(
        code == "MERCHANT_NOT_FOUND" || code == "FORBIDDEN",
        "{data}"
    );
}

#[tokio::test]
async fn order_line_refusals_point_at_the_line() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "가게").await;
    let bread = stock_product(&app, &shop, "소금빵", 3_500, 2).await;
    let cake = stock_product(&app, &shop, "카스테라", 12_000, 5).await;
    let citizen = app.token(Role::Citizen, None);

    let placed = place_order(&app, &citizen, &shop, &[(&cake, 1), (&bread, 3)]).await;
    assert_eq!(placed["order"], Value::Null);
    assert_eq!(
        only_error(&placed),
        json!({"field": ["input", "lines", "1", "quantity"], "code": "INSUFFICIENT_STOCK"})
    );
    let placed = place_order(&app, &citizen, &shop, &[(&cake, 1), ("garbage", 1)]).await;
    assert_eq!(
        only_error(&placed),
        json!({"field": ["input", "lines", "1", "productId"], "code": "INVALID_ID"})
    );
    // Nothing was reserved by the refused orders.
    let stock = app
        .data(
            None,
            "query($id: ID!) { product(id: $id) { reserved } }",
            json!({"id": cake}),
        )
        .await;
    assert_eq!(stock["product"]["reserved"], 0);
}

#[tokio::test]
async fn stock_never_goes_negative() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "가게").await;
    let bread = stock_product(&app, &shop, "소금빵", 3_500, 2).await;
    let adjust = "mutation($id: ID!, $delta: Int!) {
      adjustProductStock(input: {productId: $id, delta: $delta, reason: \"count\"}) {
        product { stock } userErrors { field code } } }";
    let data = app
        .data(Some(&shop.token), adjust, json!({"id": bread, "delta": -3}))
        .await;
    assert_eq!(data["adjustProductStock"]["product"], Value::Null);
    assert_eq!(
        data["adjustProductStock"]["userErrors"][0]["code"],
        "STOCK_WOULD_GO_NEGATIVE"
    );
    let data = app
        .data(Some(&shop.token), adjust, json!({"id": bread, "delta": -2}))
        .await;
    assert_eq!(
        data["adjustProductStock"],
        json!({"product": {"stock": 0}, "userErrors": []})
    );
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer() {
    let app = spawn_app().await;
    let operator = app.token(Role::Operator, None);
    let mut input = registration("한 번만");
    input["idempotencyKey"] = json!("register-once-1");
    let first = app
        .data(Some(&operator), REGISTER, json!({"input": input}))
        .await;
    let again = app
        .data(Some(&operator), REGISTER, json!({"input": input}))
        .await;
    assert_eq!(first["registerMerchant"]["userErrors"], json!([]));
    assert_eq!(first, again, "a retry returns the first answer");

    input["name"] = json!("다른 이름");
    let reused = app
        .data(Some(&operator), REGISTER, json!({"input": input}))
        .await;
    assert_eq!(
        reused["registerMerchant"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );
    let directory = app
        .data(None, "{ merchants { edges { node { name } } } }", json!({}))
        .await;
    assert_eq!(
        directory["merchants"]["edges"],
        json!([{"node": {"name": "한 번만"}}])
    );

    input["idempotencyKey"] = json!("has spaces");
    let bad = app
        .data(Some(&operator), REGISTER, json!({"input": input}))
        .await;
    assert_eq!(
        only_error(&bad["registerMerchant"]),
        json!({"field": ["input", "idempotencyKey"], "code": "INVALID_IDEMPOTENCY_KEY"})
    );
}

#[tokio::test]
async fn anonymous_mutations_are_refused_by_the_service() {
    let app = spawn_app().await;
    let data = app
        .data(None, REGISTER, json!({"input": registration("익명")}))
        .await;
    assert_eq!(
        only_error(&data["registerMerchant"]),
        json!({"field": null, "code": "UNAUTHENTICATED"})
    );
}
