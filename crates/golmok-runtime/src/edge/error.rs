use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use golmok_kernel::{Fault, StorageError};

use crate::ErrorBody;
use crate::trust::Untrusted;

/// An error a service answers over HTTP. Each service writes one table: a
/// [`Row`] per error.
pub trait Problem: std::error::Error {
    fn row(&self) -> Row;
}

/// One row of a service's error table: the status, the stable
/// SCREAMING_SNAKE code partners switch on, the input field at fault (a path
/// such as `lines.0.quantity`) and, when partners must not read the error's
/// own `Display`, their sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    status: StatusCode,
    code: &'static str,
    field: Option<String>,
    message: Option<String>,
}

impl Row {
    pub fn new(status: StatusCode, code: &'static str) -> Row {
        Row {
            status,
            code,
            field: None,
            message: None,
        }
    }

    /// The input field at fault, when there is one.
    pub fn field(mut self, field: Option<impl Into<String>>) -> Row {
        self.field = field.map(Into::into);
        self
    }

    /// The input field at fault.
    pub fn at(self, field: &str) -> Row {
        self.field(Some(field))
    }

    /// What partners read instead of the error's own `Display`. For a server
    /// error, the error and its cause are then logged once, at the edge.
    pub fn message(mut self, message: impl Into<String>) -> Row {
        self.message = Some(message.into());
        self
    }
}

/// The failures every service answers alike, one row each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `403 FORBIDDEN`.
    Forbidden,
    /// `409 IDEMPOTENCY_KEY_REUSED`: the key came back with other parameters.
    KeyReused,
    /// `503 UNAVAILABLE`: contention (or damaged stored data), worth a retry.
    Unavailable,
    /// `503 STORE_UNAVAILABLE`: the store did not answer or failed, worth a
    /// retry. A command's outcome is then unknown; retried with the same
    /// idempotency key it is applied at most once.
    StoreUnavailable,
    /// `500 INTERNAL`: a failure the service cannot explain to partners.
    Internal,
    /// `500 RECORD_UNREADABLE`: a read met a record it cannot decode.
    Unreadable,
}

impl Failure {
    /// How a kernel [`Fault`] answers: a reused key 409, contention and storage
    /// trouble 503 (worth a retry), an undecodable event 500, a damaged record 500.
    pub fn of(fault: &Fault) -> Failure {
        match fault {
            Fault::IdempotencyKeyReused(_) => Failure::KeyReused,
            Fault::Storage(StorageError::Io(_) | StorageError::Closed) => Failure::StoreUnavailable,
            Fault::Contention(_) | Fault::Storage(StorageError::Corrupt(_)) => Failure::Unavailable,
            Fault::Codec(_) => Failure::Internal,
            Fault::UnreadableRecord(_) => Failure::Unreadable,
        }
    }

    /// The row of this failure of `service` (`"the storefront"`).
    pub fn row(self, service: &str) -> Row {
        match self {
            Failure::Forbidden => Row::new(StatusCode::FORBIDDEN, "FORBIDDEN"),
            // The stored key's internal form is never shown; partners know only theirs.
            Failure::KeyReused => Row::new(StatusCode::CONFLICT, "IDEMPOTENCY_KEY_REUSED")
                .at(crate::IDEMPOTENCY_HEADER)
                .message(
                    "this idempotency key was already used for a request with other \
                     parameters; use a new key for a new request",
                ),
            Failure::Unavailable => Row::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE")
                .message(format!(
                    "{service} is busy or its storage is unavailable; try again"
                )),
            Failure::StoreUnavailable => {
                Row::new(StatusCode::SERVICE_UNAVAILABLE, "STORE_UNAVAILABLE").message(format!(
                    "{service} cannot use its store; try again shortly. A command may or may \
                     not have been applied: retry it with the same idempotency-key header, \
                     which applies it at most once"
                ))
            }
            Failure::Internal => Row::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL")
                .message(format!("{service} failed to handle this request")),
            Failure::Unreadable => Row::new(StatusCode::INTERNAL_SERVER_ERROR, "RECORD_UNREADABLE"),
        }
    }
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

    /// A call the gateway did not sign for this service: `401` with the
    /// reason's code (`ACTOR_ASSERTION_MISSING`, `…_INVALID`, `…_EXPIRED`,
    /// `…_WRONG_AUDIENCE`).
    pub fn untrusted(untrusted: Untrusted) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            untrusted.code(),
            untrusted.to_string(),
        )
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
        let Row {
            status,
            code,
            field,
            message,
        } = problem.row();
        let message = match message {
            Some(message) => {
                if status.is_server_error() {
                    tracing::error!(error = %problem, source = ?problem.source(), "request failed");
                }
                message
            }
            None => problem.to_string(),
        };
        ApiError {
            status,
            body: ErrorBody {
                code: code.to_owned(),
                message,
                field,
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
    enum Broken {
        #[error("disk on fire")]
        Storage,
        #[error("no room left")]
        Full,
        #[error("connection refused")]
        Unreachable,
    }

    impl Problem for Broken {
        fn row(&self) -> Row {
            match self {
                Broken::Storage => Failure::Unavailable.row("the shop"),
                Broken::Full => Row::new(StatusCode::UNPROCESSABLE_ENTITY, "FULL").at("room"),
                Broken::Unreachable => Failure::StoreUnavailable.row("the shop"),
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
            rendered(Broken::Full.into()).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                r#"{"code":"FULL","message":"no room left","field":"room"}"#.to_owned()
            )
        );
        assert_eq!(
            rendered(Broken::Storage.into()).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Some("1".to_owned()),
                r#"{"code":"UNAVAILABLE","message":"the shop is busy or its storage is unavailable; try again"}"#.to_owned()
            )
        );
    }

    #[tokio::test]
    async fn a_store_that_does_not_answer_is_503_store_unavailable_and_contention_503_unavailable()
    {
        let (status, retry, body) = rendered(Broken::Unreachable.into()).await;
        assert_eq!(
            (status, retry.as_deref()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("1"))
        );
        assert!(body.contains(r#""code":"STORE_UNAVAILABLE""#), "{body}");
        assert!(body.contains("idempotency-key"), "{body}");
        assert!(!body.contains("connection refused"), "{body}");
        for fault in [
            Fault::Storage(StorageError::Closed),
            Fault::Contention("shop-1".into()),
            Fault::Storage(StorageError::Corrupt("x".into())),
        ] {
            assert_eq!(
                Failure::of(&fault).row("x").status,
                StatusCode::SERVICE_UNAVAILABLE
            );
        }
        assert_eq!(
            Failure::of(&Fault::Contention("shop-1".into())),
            Failure::Unavailable
        );
        assert_eq!(
            Failure::of(&Fault::Storage(StorageError::Closed)),
            Failure::StoreUnavailable
        );
        assert_eq!(
            Failure::of(&Fault::Storage(StorageError::Io("refused".into()))),
            Failure::StoreUnavailable
        );
    }

    #[tokio::test]
    async fn the_edge_failures_keep_their_codes() {
        let cases = [
            (ApiError::unauthenticated(), 401, "UNAUTHENTICATED"),
            (ApiError::forbidden(), 403, "FORBIDDEN"),
            (
                ApiError::untrusted(Untrusted::Expired),
                401,
                "ACTOR_ASSERTION_EXPIRED",
            ),
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
