use std::any::Any;
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use golmok_kernel::Committed;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A command's answer: the status, the body, and `x-golmok-consistency: stale`
/// when the read models had not caught up within the consistency timeout.
pub struct Reply<T>(pub StatusCode, pub Committed<T>);

impl<T: Serialize + Send + 'static> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        let Reply(status, committed) = self;
        let mut response = json(status, committed.value);
        if !committed.consistent {
            response
                .headers_mut()
                .insert("x-golmok-consistency", HeaderValue::from_static("stale"));
        }
        response
    }
}

/// A read's answer: `200` with the value as its JSON body, or, to a caller
/// in this process ([`in_process`]), with the value itself ([`Handoff`]).
pub struct Json<T>(pub T);

impl<T: Serialize + Send + 'static> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        json(StatusCode::OK, self.0)
    }
}

tokio::task_local! {
    /// Set while a caller in this process awaits a service's answer.
    static IN_PROCESS: ();
}

/// Awaits `answer`, a service router's answer to a request made in this
/// process: its JSON replies ([`Reply`], [`Json`]) come back with an empty
/// body and the value in a [`Handoff`] extension, so the value is neither
/// encoded nor parsed. The status and headers are those of the HTTP answer.
pub async fn in_process<F: Future>(answer: F) -> F::Output {
    IN_PROCESS.scope((), answer).await
}

/// A reply's value handed to a caller in this process instead of its JSON
/// body. Both ends of a call use the contract's types, so the caller takes
/// the very value; one that asks for another type gets the value through its
/// JSON, exactly as over HTTP.
#[derive(Clone)]
pub struct Handoff(Arc<Mutex<Option<Box<dyn Handed>>>>);

/// A value that can be moved out as itself or read as JSON.
trait Handed: Any + Send {
    fn to_json(&self) -> serde_json::Result<Vec<u8>>;
}

impl<T: Serialize + Send + 'static> Handed for T {
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }
}

impl Handoff {
    fn new<T: Serialize + Send + 'static>(value: T) -> Handoff {
        Handoff(Arc::new(Mutex::new(Some(Box::new(value)))))
    }

    /// Takes the value as a `T`; `None` once it was taken.
    pub fn take<T: DeserializeOwned + 'static>(&self) -> Option<serde_json::Result<T>> {
        let handed = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()?;
        let value: Box<dyn Any> = match handed.to_json_unless::<T>() {
            Some(json) => return Some(json.and_then(|bytes| serde_json::from_slice(&bytes))),
            None => handed,
        };
        Some(Ok(*value.downcast::<T>().expect("the value is a T")))
    }
}

impl dyn Handed {
    /// `None` when the value is a `T`, its JSON otherwise.
    fn to_json_unless<T: 'static>(&self) -> Option<serde_json::Result<Vec<u8>>> {
        let any: &dyn Any = self;
        (!any.is::<T>()).then(|| self.to_json())
    }
}

/// `value` as `status` with a JSON body, or handed over in process.
fn json<T: Serialize + Send + 'static>(status: StatusCode, value: T) -> Response {
    if IN_PROCESS.try_with(|_| ()).is_err() {
        return (status, axum::Json(value)).into_response();
    }
    let mut response = status.into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.extensions_mut().insert(Handoff::new(value));
    response
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::routing::get;
    use serde::Deserialize;
    use tower::ServiceExt;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Wallet {
        balance: u64,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Balance {
        balance: u64,
    }

    fn service() -> Router {
        Router::new()
            .route("/read", get(|| async { Json(Wallet { balance: 7 }) }))
            .route(
                "/command",
                get(|| async {
                    let value = Wallet { balance: 9 };
                    Reply(
                        StatusCode::CREATED,
                        Committed {
                            value,
                            consistent: false,
                        },
                    )
                }),
            )
    }

    async fn ask(path: &str, here: bool) -> Response {
        let request = axum::http::Request::get(path).body(Body::empty()).unwrap();
        let answer = service().oneshot(request);
        if here {
            in_process(answer).await
        } else {
            answer.await
        }
        .unwrap()
    }

    #[tokio::test]
    async fn over_http_a_reply_is_its_json_body() {
        let response = ask("/command", false).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["x-golmok-consistency"], "stale");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert!(response.extensions().get::<Handoff>().is_none());
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&body[..], br#"{"balance":9}"#);
    }

    #[tokio::test]
    async fn in_process_a_reply_is_handed_over_once_with_the_same_status_and_headers() {
        for (path, status, balance) in [
            ("/read", StatusCode::OK, 7),
            ("/command", StatusCode::CREATED, 9),
        ] {
            let response = ask(path, true).await;
            assert_eq!(response.status(), status, "{path}");
            assert_eq!(
                response.headers()[CONTENT_TYPE],
                "application/json",
                "{path}"
            );
            let handoff = response.extensions().get::<Handoff>().cloned().expect(path);
            let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            assert!(body.is_empty(), "{path}: the value is not also encoded");
            let wallet = handoff.take::<Wallet>().expect(path).unwrap();
            assert_eq!(wallet, Wallet { balance }, "{path}");
            assert!(handoff.take::<Wallet>().is_none(), "{path}: taken twice");
        }
        let stale = ask("/command", true).await;
        assert_eq!(stale.headers()["x-golmok-consistency"], "stale");
    }

    #[tokio::test]
    async fn in_process_a_reply_read_as_another_type_goes_through_its_json() {
        let response = ask("/read", true).await;
        let handoff = response.extensions().get::<Handoff>().expect("handed over");
        assert_eq!(
            handoff.take::<Balance>().unwrap().unwrap(),
            Balance { balance: 7 }
        );
        let response = ask("/read", true).await;
        let handoff = response.extensions().get::<Handoff>().expect("handed over");
        let refused = handoff.take::<Vec<String>>().unwrap();
        assert!(
            refused.is_err(),
            "a reply that is not the caller's type is refused: {refused:?}"
        );
    }
}
