use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::ErrorBody;

/// An error a service answers over HTTP: its status, stable code, the input
/// field at fault and the partner's sentence, written once per error in its
/// `impl Problem`.
pub trait Problem: std::error::Error {
    fn status(&self) -> StatusCode;
    /// Stable SCREAMING_SNAKE code partners can switch on.
    fn code(&self) -> &'static str;
    /// The input field at fault, as a path (`lines.0.quantity`).
    fn field(&self) -> Option<String> {
        None
    }
    /// What the partner reads. When it is not the error's own `Display`
    /// (a storage failure worded for partners), the error and its cause are
    /// logged once, here at the edge.
    fn message(&self) -> String {
        self.to_string()
    }
}

/// What partners read when an idempotency key comes back with other
/// parameters: the stored key's internal form is never shown, partners know
/// only theirs.
pub const KEY_REUSED: &str = "this idempotency key was already used for a request with other \
                              parameters; use a new key for a new request";

/// What partners read when `service` (`"the storefront"`) is contended or
/// its storage fails: worth a retry.
pub fn unavailable(service: &str) -> String {
    format!("{service} is busy or its storage is unavailable; try again")
}

/// What partners read when `service` fails in a way it cannot explain.
pub fn failed(service: &str) -> String {
    format!("{service} failed to handle this request")
}

/// An HTTP API's error answer: a status and the JSON [`ErrorBody`]. A 503
/// carries `Retry-After: 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
        }
    }

    /// The `x-golmok-actor` header cannot be read: `400 BAD_ACTOR`.
    pub fn bad_actor(detail: &str) -> ApiError {
        let message = format!("the x-golmok-actor header is malformed: {detail}");
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_ACTOR", message)
    }

    /// `401 UNAUTHENTICATED`.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "sign in first")
    }

    /// `403 FORBIDDEN`.
    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "the caller may not do this",
        )
    }

    /// `400` with `code`, naming the input `field` at fault.
    pub fn bad_request(code: &str, field: &str, message: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, code, message);
        error.body.field = Some(field.to_owned());
        error
    }

    /// `400` with `code` about the request as a whole.
    pub fn bad_input(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// `413 BODY_TOO_LARGE`.
    pub fn body_too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BODY_TOO_LARGE",
            "the request body is too large",
        )
    }

    /// `404` with `code`: no such `what`.
    pub fn not_found(code: &str, what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, format!("no such {what}"))
    }

    /// `404 ROUTE_NOT_FOUND`, a service router's fallback.
    pub fn route_not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", "no such route")
    }

    /// `405 METHOD_NOT_ALLOWED`, a service router's fallback.
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "this route does not take that method",
        )
    }

    /// The answer to a service error, from its one table.
    pub fn from_problem(problem: &(impl Problem + ?Sized)) -> ApiError {
        let status = problem.status();
        let message = problem.message();
        if status.is_server_error() && message != problem.to_string() {
            tracing::error!(error = %problem, source = ?problem.source(), "request failed");
        }
        ApiError {
            status,
            body: ErrorBody {
                code: problem.code().to_owned(),
                message,
                field: problem.field(),
            },
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn body(&self) -> &ErrorBody {
        &self.body
    }
}

impl<P: Problem> From<P> for ApiError {
    fn from(problem: P) -> ApiError {
        ApiError::from_problem(&problem)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = self.body.with_status(self.status);
        if retry {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Failure {
        #[error("disk on fire")]
        Storage,
        #[error("no room left")]
        Full,
    }

    impl Problem for Failure {
        fn status(&self) -> StatusCode {
            match self {
                Failure::Storage => StatusCode::SERVICE_UNAVAILABLE,
                Failure::Full => StatusCode::UNPROCESSABLE_ENTITY,
            }
        }
        fn code(&self) -> &'static str {
            match self {
                Failure::Storage => "UNAVAILABLE",
                Failure::Full => "FULL",
            }
        }
        fn field(&self) -> Option<String> {
            matches!(self, Failure::Full).then(|| "room".to_owned())
        }
        fn message(&self) -> String {
            match self {
                Failure::Storage => "busy; try again".to_owned(),
                Failure::Full => self.to_string(),
            }
        }
    }

    async fn rendered(error: ApiError) -> (StatusCode, Option<String>, String) {
        let response = error.into_response();
        let status = response.status();
        let retry = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, retry, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_problem_renders_its_one_table_row() {
        assert_eq!(
            rendered(Failure::Full.into()).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                r#"{"code":"FULL","message":"no room left","field":"room"}"#.to_owned()
            )
        );
        assert_eq!(
            rendered(Failure::Storage.into()).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Some("1".to_owned()),
                r#"{"code":"UNAVAILABLE","message":"busy; try again"}"#.to_owned()
            )
        );
    }

    #[tokio::test]
    async fn the_edge_failures_keep_their_codes() {
        let cases = [
            (ApiError::unauthenticated(), 401, "UNAUTHENTICATED"),
            (ApiError::forbidden(), 403, "FORBIDDEN"),
            (ApiError::bad_actor("x"), 400, "BAD_ACTOR"),
            (ApiError::body_too_large(), 413, "BODY_TOO_LARGE"),
            (
                ApiError::not_found("ORDER_NOT_FOUND", "order"),
                404,
                "ORDER_NOT_FOUND",
            ),
            (ApiError::route_not_found(), 404, "ROUTE_NOT_FOUND"),
            (ApiError::method_not_allowed(), 405, "METHOD_NOT_ALLOWED"),
        ];
        for (error, status, code) in cases {
            assert_eq!(
                (error.status().as_u16(), error.body().code.as_str()),
                (status, code)
            );
            assert_eq!(error.body().field, None);
        }
        let bad = ApiError::bad_request("INVALID_CURSOR", "after", "not a cursor of this list");
        assert_eq!(bad.body().field.as_deref(), Some("after"));
    }
}
