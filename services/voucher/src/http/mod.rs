//! The HTTP API of docs/voucher-http.md.

mod bodies;
mod cases;
mod error;
mod merchants;
mod programmes;
mod wallets;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use golmok_runtime::edge::{self, ApiError, OpaqueCursors};

use crate::app::Voucher;

/// The voucher's list cursors are opaque ([`OpaqueCursors`]).
type ListParams = edge::ListParams<OpaqueCursors>;

/// Bodies larger than this are refused before they are read.
const BODY_LIMIT: usize = 64 * 1024;

pub fn router(voucher: Arc<Voucher>) -> Router {
    Router::new()
        .route(
            "/programmes",
            post(programmes::create).get(programmes::list),
        )
        .route("/programmes/{id}", get(programmes::get))
        .route("/programmes/{id}/purchases", post(wallets::purchase))
        .route("/programmes/{id}/wallet", get(wallets::mine))
        .route(
            "/programmes/{id}/settlements",
            post(programmes::settle).get(programmes::settlements),
        )
        .route("/programmes/{id}/payouts", post(programmes::pay_out))
        .route("/settlements", get(programmes::issuer_settlements))
        .route("/programmes/{id}/expiry", post(programmes::expire))
        .route("/programmes/{id}/cases", get(cases::list))
        .route(
            "/programmes/{id}/ledger/accounts",
            get(programmes::accounts),
        )
        .route(
            "/programmes/{id}/ledger/accounts/{code}/transfers",
            get(programmes::transfers),
        )
        .route("/wallets/{id}", get(wallets::get))
        .route("/wallets/{id}/holds", post(wallets::hold))
        .route("/wallets/{id}/payments", post(wallets::pay))
        .route("/wallets/{id}/redemptions", get(wallets::redemptions))
        .route(
            "/wallets/{id}/purchases/{purchase_id}/refund",
            post(wallets::refund_purchase),
        )
        .route(
            "/wallets/{id}/redemptions/{redemption_id}/capture",
            post(wallets::capture),
        )
        .route(
            "/wallets/{id}/redemptions/{redemption_id}/void",
            post(wallets::void),
        )
        .route(
            "/wallets/{id}/redemptions/{redemption_id}/refunds",
            post(wallets::refund_redemption),
        )
        .route("/merchants/{id}", get(merchants::get))
        .route("/merchants/{id}/redemptions", get(merchants::redemptions))
        .route("/merchants/{id}/settlements", get(merchants::settlements))
        .route("/cases/{id}", get(cases::get))
        .route(
            "/cases/{id}/suspension",
            post(cases::suspend).delete(cases::reinstate),
        )
        .route("/cases/{id}/dismissal", post(cases::dismiss))
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(voucher)
}
