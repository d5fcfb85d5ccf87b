//! The HTTP API of docs/storefront-http.md.

mod error;
mod merchants;
mod orders;
mod products;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};
use golmok_runtime::edge::ApiError;

use crate::app::Storefront;

/// Bodies larger than this are refused before they are read.
const BODY_LIMIT: usize = 256 * 1024;

pub fn router(storefront: Arc<Storefront>) -> Router {
    Router::new()
        .route("/merchants", post(merchants::register).get(merchants::list))
        .route(
            "/merchants/{id}",
            get(merchants::get).patch(merchants::update),
        )
        .route(
            "/merchants/{id}/suspension",
            post(merchants::suspend).delete(merchants::reinstate),
        )
        .route(
            "/merchants/{id}/heritage",
            post(merchants::apply_for_heritage),
        )
        .route(
            "/merchants/{id}/heritage/approval",
            post(merchants::approve_heritage),
        )
        .route(
            "/merchants/{id}/heritage/rejection",
            post(merchants::reject_heritage),
        )
        .route("/merchants/{id}/diagnoses", post(merchants::diagnose))
        .route(
            "/merchants/{id}/channel-onboardings",
            post(merchants::request_onboarding),
        )
        .route(
            "/merchants/{id}/channel-onboardings/{request_id}",
            put(merchants::change_onboarding),
        )
        .route(
            "/merchants/{id}/products",
            post(products::add).get(products::list),
        )
        .route("/products/{product_id}", get(products::get))
        .route(
            "/merchants/{id}/products/{product_id}",
            patch(products::edit),
        )
        .route(
            "/merchants/{id}/products/{product_id}/price",
            put(products::change_price),
        )
        .route(
            "/merchants/{id}/products/{product_id}/stock-adjustments",
            post(products::adjust_stock),
        )
        .route(
            "/merchants/{id}/products/{product_id}/publication",
            post(products::publish).delete(products::unpublish),
        )
        .route(
            "/merchants/{id}/orders",
            post(orders::place).get(orders::list_for_merchant),
        )
        .route("/orders/{order_id}", get(orders::get))
        .route("/buyers/{subject}/orders", get(orders::list_for_buyer))
        .route(
            "/merchants/{id}/orders/{order_id}/cancellation",
            post(orders::cancel),
        )
        .route(
            "/merchants/{id}/orders/{order_id}/voucher-payment",
            post(orders::pay_by_voucher),
        )
        .route(
            "/merchants/{id}/orders/{order_id}/confirmation",
            post(orders::confirm),
        )
        .route(
            "/merchants/{id}/orders/{order_id}/returns",
            post(orders::return_lines),
        )
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(storefront)
}
