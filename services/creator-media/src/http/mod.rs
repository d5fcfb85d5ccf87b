//! The HTTP API: creators, studios and their bookings.

mod creators;
mod error;
mod studios;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use golmok_runtime::edge::ApiError;

use crate::app::CreatorMedia;

/// Bodies larger than this are refused before they are read.
const BODY_LIMIT: usize = 64 * 1024;

pub fn router(service: Arc<CreatorMedia>) -> Router {
    Router::new()
        .route("/creators", post(creators::register).get(creators::list))
        .route("/creators/{id}", get(creators::get).patch(creators::update))
        .route("/studios", post(studios::create).get(studios::list))
        .route("/studios/{id}", get(studios::get))
        .route("/studios/{id}/bookings", post(studios::book))
        .route(
            "/studios/{id}/days/{day}/bookings",
            get(studios::day_bookings),
        )
        .route("/bookings/{id}", get(studios::booking))
        .route("/bookings/{id}/cancellation", post(studios::cancel))
        .route("/webhooks", post(webhooks::register).get(webhooks::list))
        .route("/webhooks/{id}", get(webhooks::get))
        .route("/webhooks/{id}/secret", post(webhooks::rotate_secret))
        .route("/webhooks/{id}/disable", post(webhooks::disable))
        .route("/webhooks/{id}/deletion", post(webhooks::delete))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/webhooks/{id}/replay", post(webhooks::replay))
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(service)
}
