//! GraphQL over Server-Sent Events, the graphql-sse "distinct connections"
//! mode: `POST /graphql` with `Accept: text/event-stream` and one operation
//! as JSON answers `event: next` with each result (`data:` the JSON of a
//! GraphQL response) and `event: complete` at the end. A subscription stays
//! open until the caller disconnects; a query or mutation gives one result.
//! Usable with curl (`curl -N -H 'accept: text/event-stream' …`).

use std::convert::Infallible;

use async_graphql::{Request, ServerError};
use axum::body::Body;
use axum::http::{Request as HttpRequest, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt, stream};

use super::Gateway;
use super::error::ApiError;
use super::graphql::{add_context, caller, code_of, default_code, read_body};
use super::telemetry::GraphqlErrorAnswered;

/// Runs one operation and streams its results as server-sent events.
pub(crate) async fn execute(
    gateway: Gateway,
    request: HttpRequest<Body>,
) -> Result<Response, ApiError> {
    let caller = caller(&gateway, request.headers())?;
    let body = read_body(request.into_body(), gateway.max_body_bytes).await?;
    let mut operation: Request = serde_json::from_slice(&body).map_err(|error| {
        tracing::info!(%error, "event-stream body is not a GraphQL request");
        ApiError::BadRequest(
            "send one JSON object with a `query` string and optional `variables` and \
             `operationName` (a batch cannot be streamed)"
                .to_owned(),
        )
    })?;
    add_context(&gateway, caller, &mut operation.data);
    let results = gateway.schema.execute_stream(operation).map(|mut response| {
        for error in &mut response.errors {
            answered(error);
        }
        let data = serde_json::to_string(&response).unwrap_or_else(|error| {
            tracing::error!(%error, "a GraphQL response did not serialize");
            r#"{"errors":[{"message":"the result could not be written","extensions":{"code":"INTERNAL"}}]}"#.to_owned()
        });
        Ok::<_, Infallible>(Event::default().event("next").data(data))
    });
    let events = results.chain(stream::once(async {
        Ok(Event::default().event("complete").data(""))
    }));
    Ok(event_stream(events))
}

/// Every error leaves with a code, counted as on `POST /graphql`.
fn answered(error: &mut ServerError) {
    default_code(error);
    GraphqlErrorAnswered {
        code: code_of(error),
    }
    .emit();
}

fn event_stream(
    events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> Response {
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    // Proxies must not buffer the stream.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}
