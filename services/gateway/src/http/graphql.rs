use async_graphql::{BatchRequest, BatchResponse, ServerError};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};
use golmok_runtime::Actor;
use http_body_util::LengthLimitError;

use super::error::ApiError;
use super::telemetry::GraphqlErrorAnswered;
use super::{Gateway, media, sse};
use crate::errors::with_code;
use crate::schema::RequestContext;
use crate::upstream::{Caller, TraceContext};

/// The W3C trace header a partner may send; its trace goes on to the services.
const TRACEPARENT: &str = "traceparent";

/// `POST /graphql`: authenticate, read and bound the body, then run the
/// operation (or a batch of them).
pub(crate) async fn execute(
    State(gateway): State<Gateway>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    if !media::is_json(request.headers().get(header::CONTENT_TYPE)) {
        return Err(ApiError::UnsupportedMediaType);
    }
    if media::wants_event_stream(request.headers().get(header::ACCEPT)) {
        return sse::execute(gateway, request).await;
    }
    let answer_as = media::response_type(request.headers().get(header::ACCEPT));
    let caller = caller(&gateway, request.headers())?;
    let body = read_body(request.into_body(), gateway.max_body_bytes).await?;
    let batch: BatchRequest = serde_json::from_slice(&body).map_err(|error| {
        // serde's account (an untagged enum, a position) is for the log only.
        tracing::info!(%error, "request body is not a GraphQL request");
        ApiError::BadRequest(
            "send a JSON object with a `query` string and optional `variables` and \
             `operationName`, or a list of such objects"
                .to_owned(),
        )
    })?;
    if let BatchRequest::Batch(operations) = &batch
        && operations.len() > gateway.max_batch_operations
    {
        return Err(ApiError::BatchTooLarge {
            count: operations.len(),
            limit: gateway.max_batch_operations,
        });
    }
    let context = RequestContext::new(caller, &gateway.clients);
    let execution = gateway.schema.execute_batch(batch.data(context));
    let mut response = tokio::time::timeout(gateway.request_timeout, execution)
        .await
        .map_err(|_| ApiError::Timeout {
            limit: gateway.request_timeout,
        })?;
    let errors: Vec<&mut ServerError> = match &mut response {
        BatchResponse::Single(response) => response.errors.iter_mut().collect(),
        BatchResponse::Batch(responses) => responses
            .iter_mut()
            .flat_map(|response| response.errors.iter_mut())
            .collect(),
    };
    for error in errors {
        default_code(error);
        GraphqlErrorAnswered {
            code: code_of(error),
        }
        .emit();
    }
    let mut answer = Json(response).into_response();
    answer
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(answer_as));
    Ok(answer)
}

/// Who calls, from the bearer token, and the trace it continues.
pub(super) fn caller(gateway: &Gateway, headers: &HeaderMap) -> Result<Caller, ApiError> {
    Ok(Caller {
        actor: authenticate(gateway, headers)?,
        trace: headers.get(TRACEPARENT).and_then(TraceContext::parse),
    })
}

/// The caller from the bearer token; `None` without an Authorization header.
pub(super) fn authenticate(
    gateway: &Gateway,
    headers: &HeaderMap,
) -> Result<Option<Actor>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::NotBearer)?;
    bearer_actor(gateway, value).map(Some)
}

/// The caller an Authorization value (`Bearer <jwt>`) names, once verified.
pub(super) fn bearer_actor(gateway: &Gateway, value: &str) -> Result<Actor, ApiError> {
    let token = Some(value)
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(ApiError::NotBearer)?;
    let claims = gateway.verifier.verify(token).map_err(|error| {
        tracing::info!(reason = %error, "bearer token refused");
        ApiError::Unauthenticated(error)
    })?;
    Ok(claims.actor())
}

/// Puts what resolvers read into an operation's `data`: the caller's
/// request context and, where the gateway serves them, the feeds.
pub(super) fn add_context(gateway: &Gateway, caller: Caller, data: &mut async_graphql::Data) {
    data.insert(RequestContext::new(caller, &gateway.clients));
    if let Some(feeds) = &gateway.feeds {
        data.insert(feeds.clone());
    }
}

pub(super) async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let too_large =
            std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
                .any(|e| e.is::<LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::UnreadableBody
        }
    })
}

/// The `extensions.code` of `error`.
pub(super) fn code_of(error: &ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code),
        _ => None,
    }
}

/// Every error leaves with a code: those that reach here without one come
/// from argument coercion during execution.
pub(super) fn default_code(error: &mut ServerError) {
    with_code(error, "BAD_USER_INPUT");
}
