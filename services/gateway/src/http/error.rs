use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::telemetry::GraphqlErrorAnswered;
use crate::auth::TokenError;

/// Requests refused before GraphQL execution, each with its HTTP status and a
/// GraphQL error body carrying `extensions.code`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("{0}")]
    Unauthenticated(TokenError),
    #[error("the Authorization header must be `Bearer <token>`")]
    NotBearer,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body must be JSON, sent with `Content-Type: application/json`")]
    UnsupportedMediaType,
    #[error("the request body cannot be read")]
    UnreadableBody,
    #[error("the request is not a GraphQL request: {0}")]
    BadRequest(String),
    #[error("the batch has {count} operations; the limit is {limit}")]
    BatchTooLarge { count: usize, limit: usize },
    #[error(
        "the request took longer than {} ms and was stopped; mutations it ran may have taken effect",
        limit.as_millis()
    )]
    Timeout { limit: Duration },
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated(_) | ApiError::NotBearer => StatusCode::UNAUTHORIZED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UnreadableBody | ApiError::BadRequest(_) | ApiError::BatchTooLarge { .. } => {
                StatusCode::BAD_REQUEST
            }
            ApiError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) | ApiError::NotBearer => "UNAUTHENTICATED",
            ApiError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::UnreadableBody | ApiError::BadRequest(_) => "BAD_REQUEST",
            ApiError::BatchTooLarge { .. } => "BATCH_LIMIT_EXCEEDED",
            ApiError::Timeout { .. } => "REQUEST_TIMEOUT",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        GraphqlErrorAnswered {
            code: Some(self.code()),
        }
        .emit();
        let body =
            json!({"errors": [{"message": self.to_string(), "extensions": {"code": self.code()}}]});
        let mut response = (self.status(), Json(body)).into_response();
        if self.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer error="invalid_token""#),
            );
        }
        response
    }
}
