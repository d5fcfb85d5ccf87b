//! Subscriptions over WebSocket on `GET /graphql`: `graphql-transport-ws`
//! (the `graphql-ws` library's protocol) or the legacy `graphql-ws`
//! (subscriptions-transport-ws), chosen by `Sec-WebSocket-Protocol`. The
//! caller is the bearer token of the `connection_init` payload
//! (`{"authorization": "Bearer <jwt>"}`) or else of the upgrade request's
//! Authorization header; a refused token closes the connection (the reason,
//! or the legacy `connection_error`, starts with `UNAUTHENTICATED`).

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Json;
use axum::extract::State;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use golmok_runtime::Actor;
use serde_json::json;

use super::graphql::{add_context, authenticate, bearer_actor};
use super::{Gateway, graphiql};
use crate::upstream::Caller;

/// `GET /graphql`: a WebSocket upgrade for subscriptions, else the GraphiQL page.
pub(crate) async fn get(
    State(gateway): State<Gateway>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    protocol: Result<GraphQLProtocol, StatusCode>,
    headers: HeaderMap,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return graphiql::page().await;
    };
    let Ok(protocol) = protocol else {
        let message = "ask for the WebSocket subprotocol graphql-transport-ws or graphql-ws \
                       (Sec-WebSocket-Protocol)";
        let body = json!({"errors": [{"message": message, "extensions": {"code": "UNSUPPORTED_PROTOCOL"}}]});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    let from_header = match authenticate(&gateway, &headers) {
        Ok(actor) => actor,
        Err(refused) => return refused.into_response(),
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let schema = gateway.schema.clone();
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let actor = match init_token(&payload) {
                        Some(value) => Some(bearer_actor(&gateway, value).map_err(|refused| {
                            async_graphql::Error::new(format!("UNAUTHENTICATED: {refused}"))
                        })?),
                        None => from_header,
                    };
                    Ok(connection_data(&gateway, actor))
                })
                .serve()
        })
}

/// The `authorization` (or `Authorization`) entry of a `connection_init` payload.
fn init_token(payload: &serde_json::Value) -> Option<&str> {
    payload
        .get("authorization")
        .or_else(|| payload.get("Authorization"))
        .and_then(serde_json::Value::as_str)
}

/// What every operation of the connection runs with.
fn connection_data(gateway: &Gateway, actor: Option<Actor>) -> Data {
    let mut data = Data::default();
    add_context(gateway, Caller { actor, trace: None }, &mut data);
    data
}
