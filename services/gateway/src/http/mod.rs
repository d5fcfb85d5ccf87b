//! The gateway's HTTP surface: `POST /graphql`, the GraphiQL page at
//! `GET /graphql` and its vendored assets.

mod error;
mod graphiql;
mod graphql;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

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
}

pub(crate) fn router(gateway: Gateway) -> Router {
    Router::new()
        .route("/graphql", get(graphiql::page).post(graphql::execute))
        .route("/graphql/assets/{name}", get(graphiql::asset))
        .with_state(gateway)
}
