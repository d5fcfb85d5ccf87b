//! The HTTP API: creators, studios and their bookings, event tie-ins and
//! promotions.

mod collaborations;
mod commissions;
mod creators;
mod error;
mod lives;
mod matching;
mod promotions;
mod studios;
mod tie_ins;
mod training;
mod videos;
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
        .route(
            "/merchants/{id}/creator-matches",
            get(matching::creator_matches),
        )
        .route("/lives", post(lives::schedule))
        .route("/lives/{id}", get(lives::get))
        .route("/lives/{id}/start", post(lives::start))
        .route("/lives/{id}/pin", post(lives::pin))
        .route("/lives/{id}/end", post(lives::end))
        .route("/lives/{id}/cancellation", post(lives::cancel))
        .route("/merchants/{id}/lives", get(lives::of_merchant))
        .route("/cohorts", post(training::open).get(training::list))
        .route("/cohorts/{id}", get(training::get))
        .route("/cohorts/{id}/enrollments", post(training::enroll))
        .route("/cohorts/{id}/attendance", post(training::attend))
        .route("/cohorts/{id}/completion", post(training::complete))
        .route("/bookings/{id}/cancellation", post(studios::cancel))
        .route("/tie-ins", post(tie_ins::create).get(tie_ins::list))
        .route("/tie-ins/{id}", get(tie_ins::get))
        .route("/tie-ins/{id}/promotions", get(tie_ins::promotions))
        .route("/promotions", post(promotions::publish))
        .route("/promotions/{id}", get(promotions::get))
        .route("/promotions/{id}/withdrawal", post(promotions::withdraw))
        .route("/merchants/{id}/promotions", get(promotions::of_merchant))
        .merge(collaborations::routes())
        .merge(commissions::routes())
        .merge(videos::routes())
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
