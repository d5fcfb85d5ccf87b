//! Subscriptions over WebSocket on `GET /graphql`: `graphql-transport-ws`
//! (the `graphql-ws` library's protocol) or the legacy `graphql-ws`
//! (subscriptions-transport-ws), chosen by `Sec-WebSocket-Protocol`. The
//! caller is the bearer token of the `connection_init` payload
//! (`{"authorization": "Bearer <jwt>"}`) or else of the upgrade request's
//! Authorization header; a refused token closes the connection (the reason,
//! or the legacy `connection_error`, starts with `UNAUTHENTICATED`). A feed
//! item is rendered once for every stream of the same operation and caller
//! (`streaming`), each connection framing it with its own ids.

use std::any::TypeId;
use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Data, Executor, Request, Response};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Json;
use axum::extract::State;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use futures::StreamExt;
use futures::stream::BoxStream;
use golmok_runtime::Actor;
use serde_json::json;

use super::graphql::{add_context, authenticate, bearer_actor};
use super::streaming::{Operation, Runs, Sent};
use super::{Gateway, graphiql};
use crate::schema::GatewaySchema;
use crate::upstream::Caller;

/// `GET /graphql`: a WebSocket upgrade for subscriptions, else the GraphiQL page.
pub(crate) async fn get(
    State(gateway): State<Gateway>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    protocol: Result<GraphQLProtocol, StatusCode>,
    headers: HeaderMap,
) -> axum::response::Response {
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
            let schema = Sharing(gateway.schema.clone());
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
    data.insert(Asking(actor.clone()));
    add_context(gateway, Caller { actor, trace: None }, &mut data);
    data
}

/// Who the connection's operations run for, as the key of their shared
/// renderings.
struct Asking(Option<Actor>);

/// The schema, each feed item rendered once for every stream of the same
/// operation and caller.
#[derive(Clone)]
struct Sharing(GatewaySchema);

impl Executor for Sharing {
    async fn execute(&self, request: Request) -> Response {
        self.0.execute(request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let data = session_data.unwrap_or_default();
        let asking = data
            .get(&TypeId::of::<Asking>())
            .and_then(|asking| asking.downcast_ref::<Asking>());
        let Some(Asking(actor)) = asking else {
            // Not a connection of ours: nothing to share with.
            return self.0.execute_stream_with_session_data(request, data);
        };
        let actor = actor.clone();
        let runs = Runs::Session {
            schema: self.0.clone(),
            data,
        };
        Operation::of(request, runs, actor.as_ref())
            .results()
            .filter_map(|sent| {
                std::future::ready(match sent {
                    Sent::Own(response) => Some(*response),
                    Sent::Item(rendered) => rendered.response(),
                })
            })
            .boxed()
    }
}
