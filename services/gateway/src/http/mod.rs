//! The gateway's HTTP surface: `POST /graphql`, the GraphiQL page at
//! `GET /graphql` and its vendored assets.

mod error;
mod graphiql;
mod graphql;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;

use golmok_runtime::{method_not_allowed, route_not_found};

use crate::auth::TokenVerifier;
use crate::schema::GatewaySchema;
use crate::upstream::ServiceClient;

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct Gateway {
    pub(crate) schema: GatewaySchema,
    pub(crate) verifier: Arc<TokenVerifier>,
    pub(crate) storefront: ServiceClient,
    pub(crate) voucher: ServiceClient,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_batch_operations: usize,
    pub(crate) request_timeout: Duration,
}

pub(crate) fn router(gateway: Gateway) -> Router {
    Router::new()
        .route("/graphql", get(graphiql::page).post(graphql::execute))
        .route("/graphql/assets/{name}", get(graphiql::asset))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(gateway)
}
