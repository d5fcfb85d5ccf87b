//! A small in-memory stand-in for the storefront's read routes, following
//! `docs/storefront-http.md`: enough to observe what the gateway asks.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Clone)]
pub struct Catalogue {
    pub merchants: Vec<Uuid>,
    /// Products, all of the first merchant.
    pub products: Vec<Uuid>,
}

impl Catalogue {
    pub fn new(merchants: usize, products: usize) -> Catalogue {
        Catalogue {
            merchants: (0..merchants).map(|_| Uuid::now_v7()).collect(),
            products: (0..products).map(|_| Uuid::now_v7()).collect(),
        }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/merchants", get(merchants).post(register))
            .route("/merchants/{id}", get(merchant))
            .route("/merchants/{id}/products", get(products))
            .route("/products/{id}", get(product))
            .with_state(Arc::new(self.clone()))
    }
}

#[derive(Deserialize)]
struct Page {
    first: Option<usize>,
    after: Option<usize>,
}

fn merchant_json(id: Uuid, index: usize) -> Value {
    json!({
        "id": id, "businessNumber": "1208147521", "name": format!("가게 {index}"), "kind": "RETAILER",
        "category": "bakery", "district": "망원동", "foundedOn": "1990-03-01", "revenueTier": "MICRO",
        "status": "ACTIVE", "suspensionReason": null, "heritage": null, "diagnosis": null,
        "channelOnboardings": [], "registeredAt": "2024-01-01T00:00:00Z", "version": 1
    })
}

fn product_json(id: Uuid, merchant: Uuid, index: usize) -> Value {
    json!({
        "id": id, "merchantId": merchant, "name": format!("빵 {index}"), "description": "", "price": 3000,
        "stock": 10, "reserved": 0, "available": 10, "published": true, "updatedAt": "2024-01-01T00:00:00Z"
    })
}

fn list(items: Vec<Value>, page: &Page) -> Json<Value> {
    let from = page.after.unwrap_or(0);
    let to = (from + page.first.unwrap_or(20)).min(items.len());
    let next = (to < items.len()).then(|| to.to_string());
    Json(json!({"items": items[from.min(to)..to], "nextCursor": next}))
}

fn not_found(code: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"code": code, "message": "not found"})),
    )
}

async fn merchants(State(c): State<Arc<Catalogue>>, Query(page): Query<Page>) -> Json<Value> {
    let items = c
        .merchants
        .iter()
        .enumerate()
        .map(|(i, id)| merchant_json(*id, i))
        .collect();
    list(items, &page)
}

async fn merchant(
    State(c): State<Arc<Catalogue>>,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let index = c
        .merchants
        .iter()
        .position(|m| *m == id)
        .ok_or_else(|| not_found("MERCHANT_NOT_FOUND"))?;
    Ok(Json(merchant_json(id, index)))
}

async fn products(
    State(c): State<Arc<Catalogue>>,
    Path(id): Path<Uuid>,
    Query(page): Query<Page>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    if !c.merchants.contains(&id) {
        return Err(not_found("MERCHANT_NOT_FOUND"));
    }
    let items = if c.merchants.first() == Some(&id) {
        c.products
            .iter()
            .enumerate()
            .map(|(i, p)| product_json(*p, id, i))
            .collect()
    } else {
        Vec::new()
    };
    Ok(list(items, &page))
}

async fn product(
    State(c): State<Arc<Catalogue>>,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let index = c
        .products
        .iter()
        .position(|p| *p == id)
        .ok_or_else(|| not_found("PRODUCT_NOT_FOUND"))?;
    Ok(Json(product_json(id, c.merchants[0], index)))
}

async fn register(Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let mut merchant = merchant_json(Uuid::now_v7(), 0);
    merchant["name"] = body["name"].clone();
    (StatusCode::CREATED, Json(merchant))
}
