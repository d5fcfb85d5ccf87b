//! What a partner app relies on beyond each field's meaning: `Int` stays
//! 32-bit, a failing field is `null` with its path, cursors belong to one
//! connection, "not yours" reads like "not there", and error messages are
//! written for partners.

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use golmok_runtime::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::journeys::{add_product, global_id, open_shop, place_order, stock_product};
use crate::support::{error_codes, spawn_app, spawn_gateway};

const I32_MAX: i64 = 2_147_483_647;

/// The error (and its code) at `path`, from a response.
fn error_at<'a>(body: &'a Value, path: &Value) -> Option<&'a Value> {
    body["errors"]
        .as_array()?
        .iter()
        .find(|e| &e["path"] == path)
}

/// No message a partner sees carries serde's or the services' internals.
fn assert_plain_messages(body: &Value) {
    let text: String = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(body["data"].as_object().into_iter().flat_map(|data| {
            data.values()
                .flat_map(|payload| payload["userErrors"].as_array().into_iter().flatten())
        }))
        .map(|error| format!("{} {}\n", error["message"], error["field"]))
        .collect();
    for leak in [
        "line 1",
        "column",
        "untagged",
        "invalid value: integer",
        "missing field `",
        "voucher:",
        "storefront:",
        "idempotency-key",
    ] {
        assert!(!text.contains(leak), "{leak:?} leaks in {body}");
    }
}

// ── GraphQL Int is 32-bit ────────────────────────────────────────────────

#[tokio::test]
async fn counts_are_32_bit_ints_in_and_out() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "정수 상회").await;
    let product = add_product(&app, &shop, "빵", 3_000, 5).await;

    let adjust = "mutation($id: ID!, $delta: Int!) {
      adjustProductStock(input: {productId: $id, delta: $delta, reason: \"입고\"}) {
        product { stock } userErrors { code }
      }
    }";
    for delta in [I32_MAX + 1, 9_223_372_036_854_775_807] {
        let (_, body) = app
            .graphql(
                Some(&shop.token),
                adjust,
                json!({"id": product, "delta": delta}),
            )
            .await;
        assert!(
            body["data"]["adjustProductStock"]["product"].is_null(),
            "{body}"
        );
        assert!(!error_codes(&body).is_empty(), "{body}");
    }
    let create = "mutation($m: ID!, $stock: Int!) {
      createProduct(input: {merchantId: $m, name: \"큰 빵\", price: 1000, stock: $stock}) { product { id } }
    }";
    let (_, body) = app
        .graphql(
            Some(&shop.token),
            create,
            json!({"m": shop.id, "stock": I32_MAX + 1}),
        )
        .await;
    assert!(!error_codes(&body).is_empty(), "{body}");
    let order = "mutation($m: ID!, $p: ID!, $q: Int!) {
      placeOrder(input: {merchantId: $m, lines: [{productId: $p, quantity: $q}], payment: VOUCHER}) { order { id } }
    }";
    let citizen = app.token(Role::Citizen, None);
    let (_, body) = app
        .graphql(
            Some(&citizen),
            order,
            json!({"m": shop.id, "p": product, "q": I32_MAX + 1}),
        )
        .await;
    assert!(!error_codes(&body).is_empty(), "{body}");

    // The stock is still what it was: nothing was committed.
    let data = app
        .data(
            Some(&shop.token),
            "query($id: ID!) { product(id: $id) { stock } }",
            json!({"id": product}),
        )
        .await;
    assert_eq!(data["product"]["stock"], 5);
}

/// A product whose counts do not fit an `Int` (a service answering what the
/// gateway cannot carry).
fn oversized_storefront(merchant: Uuid, product: Uuid) -> Router {
    Router::new().route(
        "/products/{id}",
        get(move |Path(_id): Path<String>| async move {
            Json(json!({
                "id": product, "merchantId": merchant, "name": "큰 빵", "description": "", "price": 3000,
                "stock": 3_000_000_000_i64, "reserved": 0, "available": 3_000_000_000_i64,
                "published": true, "updatedAt": "2024-01-01T00:00:00Z"
            }))
        }),
    )
}

#[tokio::test]
async fn a_count_beyond_int_is_a_coded_error_not_a_wrapped_number() {
    let (merchant, product) = (Uuid::now_v7(), Uuid::now_v7());
    let app = spawn_gateway(
        oversized_storefront(merchant, product),
        gateway::LimitSettings::default(),
    )
    .await;
    let (_, body) = app
        .graphql(
            None,
            "query($id: ID!) { product(id: $id) { name reserved stock } }",
            json!({"id": global_id("Product", product)}),
        )
        .await;
    // `stock` is `Int!`: its failure makes the product null, with the
    // error at the field.
    assert_eq!(body["data"], json!({"product": null}), "{body}");
    let error = error_at(&body, &json!(["product", "stock"])).expect("an error at stock");
    assert_eq!(error["extensions"]["code"], "VALUE_OUT_OF_RANGE");
    assert_plain_messages(&body);
}

// ── A failing field is null, with its path ──────────────────────────────

#[tokio::test]
async fn failing_fields_are_null_with_their_path() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "널 상회").await;
    let token = Some(shop.token.as_str());

    let (_, body) = app
        .graphql(
            token,
            "{ viewer { subject } merchant(id: \"abc\") { name } }",
            json!({}),
        )
        .await;
    let data = body["data"].as_object().expect("data");
    assert!(data.contains_key("merchant"), "{body}");
    assert_eq!(data["merchant"], Value::Null);
    assert!(data["viewer"]["subject"].is_string(), "{body}");
    assert_eq!(
        error_at(&body, &json!(["merchant"])).expect("an error at merchant")["extensions"]["code"],
        "INVALID_ID"
    );

    // Several fields, aliased, of several kinds, next to ones that work.
    let (_, body) = app
        .graphql(
            token,
            "query($m: ID!) {
               good: merchant(id: $m) { name }
               badMerchant: merchant(id: \"abc\") { name }
               product(id: \"not-an-id\") { name }
               order(id: $m) { id }
               node(id: \"%%%\") { id }
               voucherProgramme(id: \"x\") { id }
             }",
            json!({"m": shop.id}),
        )
        .await;
    let data = &body["data"];
    assert_eq!(data["good"]["name"], "널 상회", "{body}");
    for field in [
        "badMerchant",
        "product",
        "order",
        "node",
        "voucherProgramme",
    ] {
        assert!(
            data.as_object().unwrap().contains_key(field),
            "{field} is missing: {body}"
        );
        assert!(data[field].is_null(), "{field}: {body}");
        assert!(
            error_at(&body, &json!([field])).is_some(),
            "no error at {field}: {body}"
        );
    }
}

#[tokio::test]
async fn a_nested_failure_is_null_where_the_schema_allows_it() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "중첩 상회").await;
    let (_, body) = app
        .graphql(
            Some(&shop.token),
            "query($m: ID!) { merchant(id: $m) { name products(first: 500) { edges { cursor } } } }",
            json!({"m": shop.id}),
        )
        .await;
    // `products` is non-null, so its failure nulls the merchant, the nearest
    // nullable field, and the error says where it happened.
    assert_eq!(body["data"], json!({"merchant": null}), "{body}");
    let error =
        error_at(&body, &json!(["merchant", "products"])).expect("an error at merchant.products");
    assert_eq!(error["extensions"]["code"], "INVALID_ARGUMENT");

    // A non-null root field that fails leaves no parent to stand null for
    // it: `data` itself is null.
    let (_, body) = app
        .graphql(
            Some(&shop.token),
            "{ viewer { subject } merchants(first: 0) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert!(error_at(&body, &json!(["merchants"])).is_some(), "{body}");
}

// ── Cursors belong to their connection ──────────────────────────────────

#[tokio::test]
async fn a_cursor_is_refused_by_every_other_connection() {
    let app = spawn_app().await;
    let a = open_shop(&app, "커서 A").await;
    let b = open_shop(&app, "커서 B").await;
    let bread = stock_product(&app, &a, "빵", 3_000, 5).await;
    stock_product(&app, &b, "떡", 3_000, 5).await;
    let citizen = app.token(Role::Citizen, None);
    for _ in 0..2 {
        place_order(&app, &citizen, &a, &[(&bread, 1)]).await;
    }
    let mine = app
        .data(
            Some(&citizen),
            "{ myOrders(first: 1) { edges { cursor } } }",
            json!({}),
        )
        .await;
    let my_cursor = mine["myOrders"]["edges"][0]["cursor"].clone();
    assert!(my_cursor.is_string(), "{mine}");

    // The cursor still works where it came from.
    let data = app
        .data(
            Some(&citizen),
            "query($after: String) { myOrders(first: 1, after: $after) { edges { cursor } } }",
            json!({"after": my_cursor}),
        )
        .await;
    assert_eq!(data["myOrders"]["edges"].as_array().unwrap().len(), 1);

    let operator = app.token(Role::Operator, None);
    let elsewhere = [
        (
            "merchants",
            "query($after: String) { merchants(first: 1, after: $after) { edges { cursor } } }",
        ),
        (
            "merchantOrders",
            "query($after: String, $m: ID!) { merchantOrders(merchantId: $m, first: 1, after: $after) { edges { cursor } } }",
        ),
        (
            "products",
            "query($after: String, $m: ID!) { products(merchantId: $m, first: 1, after: $after) { edges { cursor } } }",
        ),
        (
            "voucherProgrammes",
            "query($after: String) { voucherProgrammes(first: 1, after: $after) { edges { cursor } } }",
        ),
    ];
    for (field, query) in elsewhere {
        let (_, body) = app
            .graphql(
                Some(&operator),
                query,
                json!({"after": my_cursor, "m": a.id}),
            )
            .await;
        assert_eq!(
            error_codes(&body),
            vec!["INVALID_CURSOR"],
            "{field}: {body}"
        );
    }

    // One merchant's list does not accept another merchant's cursor.
    let a_products = app
        .data(
            Some(&operator),
            "query($m: ID!) { products(merchantId: $m, first: 1) { edges { cursor } } }",
            json!({"m": a.id}),
        )
        .await;
    let (_, body) = app
        .graphql(
            Some(&operator),
            "query($after: String, $m: ID!) { products(merchantId: $m, first: 1, after: $after) { edges { cursor } } }",
            json!({"after": a_products["products"]["edges"][0]["cursor"], "m": b.id}),
        )
        .await;
    assert_eq!(error_codes(&body), vec!["INVALID_CURSOR"], "{body}");
}

// ── "Not yours" reads like "not there" ──────────────────────────────────

#[tokio::test]
async fn another_callers_object_reads_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let a = open_shop(&app, "존재 A").await;
    let b = open_shop(&app, "존재 B").await;
    let bread = stock_product(&app, &b, "빵", 3_000, 5).await;
    let draft = add_product(&app, &b, "비밀 신메뉴", 5_000, 5).await;
    let buyer = app.token(Role::Citizen, None);
    let placed = place_order(&app, &buyer, &b, &[(&bread, 1)]).await;
    let order = placed["order"]["id"].as_str().expect("an order").to_owned();
    let programme = crate::vouchers::programme(&app).await;
    let wallet = crate::vouchers::buy(&app, &buyer, &programme, 10_000).await;
    let stranger = app.token(Role::Citizen, None);

    let missing = |kind: &str| global_id(kind, Uuid::now_v7());
    let cases = [
        (
            "order",
            &a.token,
            "query($id: ID!) { order(id: $id) { id buyer } }",
            order.clone(),
            missing("Order"),
        ),
        (
            "node order",
            &a.token,
            "query($id: ID!) { node(id: $id) { id } }",
            order.clone(),
            missing("Order"),
        ),
        (
            "order by a citizen",
            &stranger,
            "query($id: ID!) { order(id: $id) { id } }",
            order.clone(),
            missing("Order"),
        ),
        (
            "draft product",
            &a.token,
            "query($id: ID!) { product(id: $id) { id name } }",
            draft.clone(),
            missing("Product"),
        ),
        (
            "node product",
            &stranger,
            "query($id: ID!) { node(id: $id) { id } }",
            draft.clone(),
            missing("Product"),
        ),
        (
            "node wallet",
            &stranger,
            "query($id: ID!) { node(id: $id) { id } }",
            wallet.clone(),
            missing("VoucherWallet"),
        ),
        (
            "wallet by a merchant",
            &a.token,
            "query($id: ID!) { node(id: $id) { id } }",
            wallet.clone(),
            missing("VoucherWallet"),
        ),
    ];
    for (what, token, query, theirs, nowhere) in cases {
        let (status_theirs, body_theirs) =
            app.graphql(Some(token), query, json!({"id": theirs})).await;
        let (status_nowhere, body_nowhere) = app
            .graphql(Some(token), query, json!({"id": nowhere}))
            .await;
        assert_eq!(status_theirs, status_nowhere, "{what}");
        assert_eq!(body_theirs, body_nowhere, "{what}: theirs vs missing");
        assert!(body_theirs.get("errors").is_none(), "{what}: {body_theirs}");
    }

    // Their owners still see them.
    let own = app
        .data(
            Some(&b.token),
            "query($id: ID!) { order(id: $id) { id } }",
            json!({"id": order}),
        )
        .await;
    assert_eq!(own["order"]["id"], order.as_str());
    let own = app
        .data(
            Some(&buyer),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": wallet}),
        )
        .await;
    assert_eq!(own["node"]["id"], wallet.as_str());
}

// ── Errors are written for partners ─────────────────────────────────────

#[tokio::test]
async fn a_negative_discount_is_out_of_range_not_a_parser_message() {
    let app = spawn_app().await;
    let official = app.token(Role::Official, None);
    let mut input = crate::vouchers::programme_input("망원동");
    input["discountBps"] = json!(-1);
    let data = app
        .data(
            Some(&official),
            "mutation($input: CreateVoucherProgrammeInput!) {
               createVoucherProgramme(input: $input) { programme { id } userErrors { field code message } }
             }",
            json!({"input": input}),
        )
        .await;
    let payload = &data["createVoucherProgramme"];
    assert_eq!(payload["programme"], Value::Null);
    assert_eq!(
        payload["userErrors"][0]["code"], "RATE_OUT_OF_RANGE",
        "{payload}"
    );
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "discountBps"])
    );
    assert_plain_messages(&json!({"data": data}));
}

#[tokio::test]
async fn a_reused_idempotency_key_names_the_input_not_the_stored_key() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "멱등 상회").await;
    let product = add_product(&app, &shop, "빵", 3_000, 5).await;
    let adjust = "mutation($id: ID!, $delta: Int!) {
      adjustProductStock(input: {productId: $id, delta: $delta, reason: \"입고\", idempotencyKey: \"stock-1\"}) {
        product { stock } userErrors { field code message }
      }
    }";
    let first = app
        .data(
            Some(&shop.token),
            adjust,
            json!({"id": product, "delta": 1}),
        )
        .await;
    assert_eq!(first["adjustProductStock"]["product"]["stock"], 6);
    let reused = app
        .data(
            Some(&shop.token),
            adjust,
            json!({"id": product, "delta": 2}),
        )
        .await;
    let error = &reused["adjustProductStock"]["userErrors"][0];
    assert_eq!(error["code"], "IDEMPOTENCY_KEY_REUSED", "{reused}");
    assert_eq!(error["field"], json!(["input", "idempotencyKey"]));
    assert_plain_messages(&json!({"data": reused}));

    let programme = crate::vouchers::programme(&app).await;
    let citizen = app.token(Role::Citizen, None);
    let purchase = "mutation($p: ID!, $face: Won!) {
      purchaseVoucher(input: {programmeId: $p, faceValue: $face, idempotencyKey: \"buy-1\"}) {
        wallet { id } userErrors { field code message }
      }
    }";
    let first = app
        .data(
            Some(&citizen),
            purchase,
            json!({"p": programme, "face": 10_000}),
        )
        .await;
    assert_eq!(first["purchaseVoucher"]["userErrors"], json!([]), "{first}");
    let reused = app
        .data(
            Some(&citizen),
            purchase,
            json!({"p": programme, "face": 50_000}),
        )
        .await;
    let error = &reused["purchaseVoucher"]["userErrors"][0];
    assert_eq!(error["code"], "IDEMPOTENCY_KEY_REUSED", "{reused}");
    assert_eq!(error["field"], json!(["input", "idempotencyKey"]));
    assert_plain_messages(&json!({"data": reused}));
}

#[tokio::test]
async fn a_body_that_is_not_a_graphql_request_is_explained_plainly() {
    let app = spawn_app().await;
    for body in [
        &b"{\"query\": 5}"[..],
        b"[1, 2]",
        b"\"text\"",
        b"{\"query\": ",
    ] {
        let (status, answer) = app.post_raw(None, body.to_vec()).await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(error_codes(&answer), vec!["BAD_REQUEST"], "{answer}");
        assert_plain_messages(&answer);
    }
}
