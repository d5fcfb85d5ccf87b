use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{Shop, add_product, open_shop, place_order, stock_product};
use crate::support::{TestApp, error_codes, spawn_app};

/// Two stores, B with a published product, an unpublished one and an order.
struct World {
    app: TestApp,
    a: Shop,
    b: Shop,
    b_published: String,
    b_draft: String,
    b_order: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let a = open_shop(&app, "A 상회").await;
    let b = open_shop(&app, "B 상회").await;
    let b_published = stock_product(&app, &b, "B 빵", 3_000, 5).await;
    let b_draft = add_product(&app, &b, "B 신메뉴", 5_000, 5).await;
    let citizen = app.token_for("b-secret-buyer", Role::Citizen, None);
    let placed = place_order(&app, &citizen, &b, &[(&b_published, 1)]).await;
    let b_order = placed["order"]["id"]
        .as_str()
        .expect("order placed")
        .to_owned();
    World {
        app,
        a,
        b,
        b_published,
        b_draft,
        b_order,
    }
}

const B_STATE: &str = "query($b: ID!, $p: ID!) {
  merchant(id: $b) { name category version heritage { status } channelOnboardings { id } }
  product(id: $p) { name description price stock published }
}";

async fn b_state(w: &World) -> Value {
    w.app
        .data(
            Some(&w.b.token),
            B_STATE,
            json!({"b": w.b.id, "p": w.b_published}),
        )
        .await
}

fn first_error_code(payload: &Value) -> String {
    payload["userErrors"][0]["code"]
        .as_str()
        .unwrap_or("<none>")
        .to_owned()
}

#[tokio::test]
async fn merchant_a_cannot_change_merchant_b() {
    let w = world().await;
    let before = b_state(&w).await;
    let token = Some(w.a.token.as_str());
    let attempts = [
        (
            "updateMerchant",
            "mutation($b: ID!) { updateMerchant(input: {merchantId: $b, name: \"hijacked\"}) { merchant { name } userErrors { code } } }",
        ),
        (
            "applyForHeritage",
            "mutation($b: ID!) { applyForHeritage(input: {merchantId: $b, badge: CENTURY_STORE}) { merchant { name } userErrors { code } } }",
        ),
        (
            "requestChannelOnboarding",
            "mutation($b: ID!) { requestChannelOnboarding(input: {merchantId: $b, channel: \"naver\", market: DOMESTIC}) { merchant { name } userErrors { code } } }",
        ),
        (
            "createProduct",
            "mutation($b: ID!) { createProduct(input: {merchantId: $b, name: \"x\", description: \"\", price: 1, stock: 1}) { product { name } userErrors { code } } }",
        ),
    ];
    for (field, mutation) in attempts {
        let data = w.app.data(token, mutation, json!({"b": w.b.id})).await;
        let payload = &data[field];
        assert_eq!(first_error_code(payload), "FORBIDDEN", "{field}: {payload}");
        assert!(
            payload
                .as_object()
                .unwrap()
                .iter()
                .all(|(k, v)| k == "userErrors" || v.is_null())
        );
    }
    let product_attempts = [
        (
            "changeProductPrice",
            "mutation($p: ID!) { changeProductPrice(input: {productId: $p, price: 1}) { product { price } userErrors { code } } }",
        ),
        (
            "adjustProductStock",
            "mutation($p: ID!) { adjustProductStock(input: {productId: $p, delta: -5, reason: \"x\"}) { product { stock } userErrors { code } } }",
        ),
        (
            "updateProduct",
            "mutation($p: ID!) { updateProduct(input: {productId: $p, name: \"x\"}) { product { name } userErrors { code } } }",
        ),
        (
            "unpublishProduct",
            "mutation($p: ID!) { unpublishProduct(input: {productId: $p}) { product { published } userErrors { code } } }",
        ),
    ];
    for (field, mutation) in product_attempts {
        let data = w
            .app
            .data(token, mutation, json!({"p": w.b_published}))
            .await;
        assert_eq!(
            first_error_code(&data[field]),
            "FORBIDDEN",
            "{field}: {data}"
        );
    }
    let publish = "mutation($p: ID!) { publishProduct(input: {productId: $p}) { product { published } userErrors { field code } } }";
    let data = w.app.data(token, publish, json!({"p": w.b_draft})).await;
    let code = first_error_code(&data["publishProduct"]);
    assert!(code == "PRODUCT_NOT_FOUND" || code == "FORBIDDEN", "{data}");

    let cancel = "mutation($o: ID!) { cancelOrder(input: {orderId: $o, reason: \"x\"}) { order { status } userErrors { code } } }";
    let data = w.app.data(token, cancel, json!({"o": w.b_order})).await;
    let code = first_error_code(&data["cancelOrder"]);
    assert!(code == "FORBIDDEN" || code == "ORDER_NOT_FOUND", "{data}");

    assert_eq!(b_state(&w).await, before, "B is unchanged");
    let order = w
        .app
        .data(
            Some(&w.b.token),
            "query($o: ID!) { order(id: $o) { status } }",
            json!({"o": w.b_order}),
        )
        .await;
    assert_eq!(order["order"]["status"], "PLACED");
}

/// Reads of B's private data by A: directly, nested, through `node`, with
/// aliases and in a batch. None of B's order data may come back.
#[tokio::test]
async fn merchant_a_cannot_read_merchant_b_private_data() {
    let w = world().await;
    let token = Some(w.a.token.as_str());
    let vars = json!({"b": w.b.id, "o": w.b_order, "d": w.b_draft});
    let reads = [
        "query($b: ID!) { merchantOrders(merchantId: $b) { edges { node { id buyer } } } }",
        "query($b: ID!) { merchant(id: $b) { name orders { edges { node { id buyer } } } } }",
        "query($o: ID!) { order(id: $o) { id buyer total } }",
        "query($o: ID!) { node(id: $o) { id ... on Order { buyer } } }",
        "query($o: ID!, $b: ID!) { x: order(id: $o) { buyer } y: node(id: $o) { ... on Order { buyer } } z: merchant(id: $b) { orders { nodes { buyer } } } }",
        "query($d: ID!) { product(id: $d) { name } node(id: $d) { ... on Product { name } } }",
        "query($b: ID!) { products(merchantId: $b) { edges { node { name published } } } }",
    ];
    for query in reads {
        let (_, body) = w.app.graphql(token, query, vars.clone()).await;
        let text = body.to_string();
        for secret in ["b-secret-buyer", w.b_order.as_str(), "B 신메뉴"] {
            assert!(!text.contains(secret), "{query} leaked {secret}: {body}");
        }
        assert!(
            error_codes(&body).iter().all(|c| c == "FORBIDDEN"),
            "{query}: {body}"
        );
    }
    // The public part of B stays readable next to the refused part.
    let (_, body) = w.app.graphql(token, reads[1], vars.clone()).await;
    assert_eq!(body["data"]["merchant"]["name"], "B 상회");
    assert_eq!(body["data"]["merchant"]["orders"], Value::Null);
    assert_eq!(error_codes(&body), vec!["FORBIDDEN"]);

    let batch: Vec<Value> = reads
        .iter()
        .map(|q| json!({"query": q, "variables": vars}))
        .collect();
    let authorization = format!("Bearer {}", w.a.token);
    let (_, body) = w
        .app
        .post_raw(
            Some(&authorization),
            serde_json::to_vec(&batch[..2]).unwrap(),
        )
        .await;
    assert!(!body.to_string().contains("b-secret-buyer"), "{body}");

    // B itself, and the buyer, do see the order.
    let own = w
        .app
        .data(Some(&w.b.token), reads[2], json!({"o": w.b_order}))
        .await;
    assert_eq!(own["order"]["buyer"], "b-secret-buyer");
}

#[tokio::test]
async fn a_citizen_sees_only_their_own_orders() {
    let w = world().await;
    let stranger = w.app.token(Role::Citizen, None);
    let (_, body) = w
        .app
        .graphql(
            Some(&stranger),
            "query($o: ID!) { order(id: $o) { buyer } }",
            json!({"o": w.b_order}),
        )
        .await;
    assert!(!body.to_string().contains("b-secret-buyer"), "{body}");
    let mine = w
        .app
        .data(
            Some(&stranger),
            "{ myOrders { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["myOrders"]["edges"], json!([]));
}
