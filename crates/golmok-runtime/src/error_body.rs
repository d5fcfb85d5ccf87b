use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The JSON body of every 4xx/5xx answer of a Golmok HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Stable SCREAMING_SNAKE code partners can switch on.
    pub code: String,
    /// Human-readable; may change between releases.
    pub message: String,
    /// The input field at fault, as a path (`lines.0.quantity`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    /// A body without a field.
    pub fn new(code: &str, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code: code.to_owned(),
            message: message.into(),
            field: None,
        }
    }

    /// The response carrying this body with `status`.
    pub fn with_status(self, status: StatusCode) -> Response {
        (status, Json(self)).into_response()
    }
}

/// Fallback for a path no route serves: `404 ROUTE_NOT_FOUND`, the code the
/// service APIs answer too.
pub async fn route_not_found() -> Response {
    ErrorBody::new("ROUTE_NOT_FOUND", "no route serves this path")
        .with_status(StatusCode::NOT_FOUND)
}

/// Fallback for a route asked with a method it does not serve:
/// `405 METHOD_NOT_ALLOWED`.
pub async fn method_not_allowed() -> Response {
    ErrorBody::new(
        "METHOD_NOT_ALLOWED",
        "this route does not serve that HTTP method",
    )
    .with_status(StatusCode::METHOD_NOT_ALLOWED)
}
