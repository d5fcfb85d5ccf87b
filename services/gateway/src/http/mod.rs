//! The gateway's HTTP surface: `POST /graphql` (JSON, or server-sent events
//! with `Accept: text/event-stream`), subscriptions over a WebSocket upgrade
//! of `GET /graphql`, the GraphiQL page at `GET /graphql` and its vendored
//! assets, with CORS as configured.

mod cors;
mod error;
mod graphiql;
mod graphql;
mod media;
mod sse;
mod streaming;
mod subscriptions;
mod telemetry;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;

use golmok_runtime::{method_not_allowed, route_not_found};

pub use cors::CorsError;
pub(crate) use cors::cors_layer;

use tower_http::cors::CorsLayer;

use crate::auth::TokenVerifier;
use crate::feed::Feeds;
use crate::schema::GatewaySchema;
use crate::upstream::Clients;

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct Gateway {
    pub(crate) schema: GatewaySchema,
    pub(crate) verifier: Arc<TokenVerifier>,
    /// Every service the schema calls, by name.
    pub(crate) clients: Arc<Clients>,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_batch_operations: usize,
    pub(crate) request_timeout: Duration,
    /// The feeds subscriptions read.
    pub(crate) feeds: Option<Feeds>,
}

pub(crate) fn router(gateway: Gateway, cors: CorsLayer) -> Router {
    Router::new()
        .route("/graphql", get(subscriptions::get).post(graphql::execute))
        .route("/graphql/assets/{name}", get(graphiql::asset))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors)
        .layer(axum::middleware::from_fn(golmok_runtime::trace_requests))
        .with_state(gateway)
}
