use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use golmok_kernel::Committed;
use serde::Serialize;

/// A command's answer: the status, the body, and `x-golmok-consistency: stale`
/// when the read models had not caught up within the consistency timeout.
pub struct Reply<T>(pub StatusCode, pub Committed<T>);

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        let Reply(status, committed) = self;
        let mut response = (status, Json(committed.value)).into_response();
        if !committed.consistent {
            response
                .headers_mut()
                .insert("x-golmok-consistency", HeaderValue::from_static("stale"));
        }
        response
    }
}
