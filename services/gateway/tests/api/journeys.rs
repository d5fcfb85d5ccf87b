//! Steps partner apps take, shared by the tests over the real storefront.

use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use golmok_runtime::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::TestApp;

/// A valid, unique 사업자등록번호 (its check digit computed as the National
/// Tax Service does).
pub fn business_number() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let serial = NEXT.fetch_add(1, Ordering::SeqCst) + std::process::id() % 1000 * 10_000;
    let first_nine = format!("{:03}{:02}{:04}", 101 + serial % 800, 81, serial % 10_000);
    let digits: Vec<u32> = first_nine
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum += digits[8] * 5 / 10;
    format!("{first_nine}{}", (10 - sum % 10) % 10)
}

/// The UUID inside a global id.
pub fn uuid_of(global_id: &str) -> Uuid {
    let plain = String::from_utf8(STANDARD.decode(global_id).unwrap()).unwrap();
    plain.split_once(':').unwrap().1.parse().unwrap()
}

pub fn global_id(kind: &str, id: Uuid) -> String {
    STANDARD.encode(format!("{kind}:{id}"))
}

/// A registered merchant and a token that acts for it.
pub struct Shop {
    pub id: String,
    pub uuid: Uuid,
    pub token: String,
}

pub const REGISTER: &str = "mutation($input: RegisterMerchantInput!) {
  registerMerchant(input: $input) {
    merchant { id name businessNumber status version }
    userErrors { field message code }
  }
}";

pub fn registration(name: &str) -> Value {
    json!({
        "businessNumber": business_number(), "name": name, "kind": "RETAILER", "category": "bakery",
        "district": "망원동", "foundedOn": "1990-03-01", "revenueTier": "MICRO",
    })
}

/// A merchant signs itself up, then gets a token scoped to its store.
pub async fn open_shop(app: &TestApp, name: &str) -> Shop {
    let sign_up = app.token(Role::Merchant, None);
    let data = app
        .data(
            Some(&sign_up),
            REGISTER,
            json!({"input": registration(name)}),
        )
        .await;
    let payload = &data["registerMerchant"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    let id = payload["merchant"]["id"].as_str().unwrap().to_owned();
    let uuid = uuid_of(&id);
    Shop {
        token: app.token(Role::Merchant, Some(uuid)),
        id,
        uuid,
    }
}

/// Adds a published product; returns its global id.
pub async fn stock_product(
    app: &TestApp,
    shop: &Shop,
    name: &str,
    price: i64,
    stock: i64,
) -> String {
    let product = add_product(app, shop, name, price, stock).await;
    let data = app
        .data(
            Some(&shop.token),
            "mutation($id: ID!) { publishProduct(input: {productId: $id}) { product { published } userErrors { code } } }",
            json!({"id": product}),
        )
        .await;
    assert_eq!(
        data["publishProduct"],
        json!({"product": {"published": true}, "userErrors": []})
    );
    product
}

/// Adds an unpublished product; returns its global id.
pub async fn add_product(app: &TestApp, shop: &Shop, name: &str, price: i64, stock: i64) -> String {
    let data = app
        .data(
            Some(&shop.token),
            "mutation($input: CreateProductInput!) {
               createProduct(input: $input) { product { id published } userErrors { field code message } }
             }",
            json!({"input": {"merchantId": shop.id, "name": name, "description": "갓 구운", "price": price, "stock": stock}}),
        )
        .await;
    let payload = &data["createProduct"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(payload["product"]["published"], false);
    payload["product"]["id"].as_str().unwrap().to_owned()
}

pub const PLACE_ORDER: &str = "mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id total status buyer lines { quantity unitPrice lineTotal product { id name } } payment { method status } }
    userErrors { field message code }
  }
}";

/// A citizen orders `lines` (product id, quantity) from `shop`; returns the payload.
pub async fn place_order(
    app: &TestApp,
    citizen: &str,
    shop: &Shop,
    lines: &[(&str, i64)],
) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(product, quantity)| json!({"productId": product, "quantity": quantity}))
        .collect();
    let data = app
        .data(
            Some(citizen),
            PLACE_ORDER,
            json!({"input": {"merchantId": shop.id, "lines": lines, "payment": "VOUCHER"}}),
        )
        .await;
    data["placeOrder"].clone()
}
