use std::fmt;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use golmok_runtime::{ACTOR_HEADER, Actor, ErrorBody, IDEMPOTENCY_HEADER};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, Request, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

/// Largest response body read from a service.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How long a call may take unless the gateway's settings say otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Only the path and query of this base are used, to encode paths and queries.
const PLACEHOLDER_BASE: &str = "http://service.invalid/";

/// A way to reach one service.
#[derive(Clone)]
pub struct ServiceClient {
    transport: Transport,
    timeout: Duration,
}

#[derive(Clone)]
enum Transport {
    InProcess(Router),
    Http {
        base_url: String,
        client: reqwest::Client,
    },
}

impl ServiceClient {
    /// Calls the service's router in this process, as a tower `Service`.
    pub fn in_process(router: Router) -> ServiceClient {
        ServiceClient {
            transport: Transport::InProcess(router),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Calls the service over HTTP at `base_url` (such as `http://storefront:8080`).
    pub fn http(base_url: impl Into<String>) -> ServiceClient {
        ServiceClient {
            transport: Transport::Http {
                base_url: base_url.into().trim_end_matches('/').to_owned(),
                client: reqwest::Client::new(),
            },
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The same client with another limit on how long one call may take.
    pub(crate) fn with_timeout(self, timeout: Duration) -> ServiceClient {
        ServiceClient { timeout, ..self }
    }

    /// Sends `call` as `actor` and reads the answer: a 2xx body as `T`, a 4xx
    /// `ErrorBody` as a rejection, anything else as the service being unavailable.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        call: Call,
        actor: Option<&Actor>,
    ) -> Result<T, CallError> {
        let (status, body) =
            match tokio::time::timeout(self.timeout, self.exchange(&call, actor)).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(reason)) => {
                    return Err(CallError::Unavailable(format!(
                        "{} {}: {reason}",
                        call.method, call.path
                    )));
                }
                Err(_) => {
                    return Err(CallError::Unavailable(format!(
                        "{} {}: no answer within {:?}",
                        call.method, call.path, self.timeout
                    )));
                }
            };
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|error| {
                CallError::Unavailable(format!(
                    "{} {}: unexpected {status} body: {error}",
                    call.method, call.path
                ))
            });
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(body) if status.is_client_error() => Err(CallError::Rejected { status, body }),
            Ok(body) => Err(CallError::Unavailable(format!(
                "{} {}: {status} {}: {}",
                call.method, call.path, body.code, body.message
            ))),
            Err(_) => Err(CallError::Unavailable(format!(
                "{} {}: {status} without an error body",
                call.method, call.path
            ))),
        }
    }

    /// A GET of one object as `actor`; `None` when the service does not know
    /// it (404) or the caller may not see it (403). The one policy for every
    /// read by id: another's object reads exactly like one that is not there.
    pub(crate) async fn find<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        actor: Option<&Actor>,
    ) -> Result<Option<T>, CallError> {
        let call = Call::new(Method::GET, segments.iter().copied(), []);
        match self.call(call, actor).await {
            Ok(found) => Ok(Some(found)),
            Err(CallError::Rejected { status, .. })
                if status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    async fn exchange(
        &self,
        call: &Call,
        actor: Option<&Actor>,
    ) -> Result<(StatusCode, Bytes), String> {
        let actor = actor.map(actor_header).transpose()?;
        let idempotency_key = call
            .idempotency_key
            .as_deref()
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|_| "the idempotency key is not a valid header value".to_owned())?;
        match &self.transport {
            Transport::InProcess(router) => {
                let mut request = Request::builder()
                    .method(call.method.clone())
                    .uri(&call.path);
                if let Some(actor) = actor {
                    request = request.header(ACTOR_HEADER, actor);
                }
                if let Some(key) = idempotency_key {
                    request = request.header(IDEMPOTENCY_HEADER, key);
                }
                if call.body.is_some() {
                    request = request.header(CONTENT_TYPE, "application/json");
                }
                let request = request
                    .body(Body::from(call.body.clone().unwrap_or_default()))
                    .map_err(|e| e.to_string())?;
                let response = router
                    .clone()
                    .oneshot(request)
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), MAX_RESPONSE_BYTES)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok((status, body))
            }
            Transport::Http { base_url, client } => {
                let mut request =
                    client.request(call.method.clone(), format!("{base_url}{}", call.path));
                if let Some(actor) = actor {
                    request = request.header(ACTOR_HEADER, actor);
                }
                if let Some(key) = idempotency_key {
                    request = request.header(IDEMPOTENCY_HEADER, key);
                }
                if let Some(body) = &call.body {
                    request = request
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                let response = request.send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                if response
                    .content_length()
                    .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
                {
                    return Err(format!(
                        "a {status} body larger than {MAX_RESPONSE_BYTES} bytes"
                    ));
                }
                let body = response.bytes().await.map_err(|e| e.to_string())?;
                Ok((status, body))
            }
        }
    }
}

impl fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.transport {
            Transport::InProcess(_) => f.write_str("ServiceClient(in-process)"),
            Transport::Http { base_url, .. } => write!(f, "ServiceClient({base_url})"),
        }
    }
}

/// The actor header: the actor as JSON, with every non-ASCII character
/// escaped so that the value is plain visible ASCII.
fn actor_header(actor: &Actor) -> Result<HeaderValue, String> {
    let mut text = String::new();
    for c in actor.to_header().chars() {
        if c.is_ascii() {
            text.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                text.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    HeaderValue::from_str(&text).map_err(|_| "the actor cannot be sent as a header".to_owned())
}

/// Why a call did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum CallError {
    /// The service refused the request (4xx) and said why.
    #[error("rejected with {status}: {} ({})", body.code, body.message)]
    Rejected { status: StatusCode, body: ErrorBody },
    /// The service failed (5xx), did not answer in time, or broke its contract.
    #[error("service unavailable: {0}")]
    Unavailable(String),
}

/// One request to a service: method, path and query, optional JSON body and
/// idempotency key.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
    idempotency_key: Option<String>,
}

impl Call {
    /// A call to the path made of `segments` (each percent-encoded) and the
    /// query `pairs` (form-encoded).
    pub(crate) fn new<'a>(
        method: Method,
        segments: impl IntoIterator<Item = &'a str>,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Call {
        let mut url = reqwest::Url::parse(PLACEHOLDER_BASE).expect("the placeholder base is a URL");
        url.path_segments_mut()
            .expect("an http URL has path segments")
            .clear()
            .extend(segments);
        let mut pairs = pairs.into_iter().peekable();
        if pairs.peek().is_some() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Call {
            method,
            path,
            body: None,
            idempotency_key: None,
        }
    }

    pub(crate) fn json(self, body: &impl Serialize) -> Call {
        Call {
            body: Some(serde_json::to_vec(body).expect("request bodies serialize")),
            ..self
        }
    }

    pub(crate) fn idempotency_key(self, key: Option<&str>) -> Call {
        Call {
            idempotency_key: key.map(str::to_owned),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::Json;
    use axum::extract::{OriginalUri, State};
    use axum::http::HeaderMap;
    use axum::routing::{get, post};
    use golmok_runtime::Role;
    use serde_json::{Value, json};

    use super::*;

    /// What the fake service saw of each request.
    #[derive(Debug, Clone, PartialEq)]
    struct Seen {
        method: String,
        uri: String,
        actor: Option<Actor>,
        idempotency_key: Option<String>,
        body: Value,
    }

    type Log = Arc<Mutex<Vec<Seen>>>;

    async fn record(
        State(log): State<Log>,
        method: Method,
        OriginalUri(uri): OriginalUri,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, Json<Value>) {
        log.lock().unwrap().push(Seen {
            method: method.to_string(),
            uri: uri.to_string(),
            actor: Actor::from_headers(&headers).unwrap(),
            idempotency_key: headers
                .get(IDEMPOTENCY_HEADER)
                .map(|v| v.to_str().unwrap().to_owned()),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
        (StatusCode::CREATED, Json(json!({"ok": true})))
    }

    fn fake_service(log: Log) -> Router {
        Router::new()
            .route("/things/{id}", post(record).get(record))
            .route("/things", get(record))
            .route(
                "/refusal",
                get(|| async {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Json(json!({"code": "STOCK_WOULD_GO_NEGATIVE", "message": "no", "field": "delta"})),
                    )
                }),
            )
            .route(
                "/failure",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        Json(json!({"code": "UNAVAILABLE", "message": "disk"})),
                    )
                }),
            )
            .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }))
            .route("/garbage", get(|| async { "not json" }))
            .with_state(log)
    }

    async fn serve(router: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}/")
    }

    fn actor() -> Actor {
        Actor {
            subject: "시민-1".into(),
            role: Role::Citizen,
            merchant_id: None,
        }
    }

    #[tokio::test]
    async fn in_process_and_http_send_the_same_requests() {
        let in_process_log = Log::default();
        let http_log = Log::default();
        let base = serve(fake_service(http_log.clone())).await;
        let clients = [
            (
                ServiceClient::in_process(fake_service(in_process_log.clone())),
                in_process_log,
            ),
            (ServiceClient::http(base), http_log),
        ];
        for (client, log) in clients {
            let call = Call::new(
                Method::POST,
                ["things", "a b/ç"],
                [("district", "망원동 1"), ("x", "&=")],
            )
            .json(&json!({"name": "떡"}))
            .idempotency_key(Some("key-1"));
            let answer: Value = client.call(call, Some(&actor())).await.unwrap();
            assert_eq!(answer, json!({"ok": true}));
            let anonymous: Value = client
                .call(Call::new(Method::GET, ["things"], []), None)
                .await
                .unwrap();
            assert_eq!(anonymous, json!({"ok": true}));
            let seen = log.lock().unwrap().clone();
            assert_eq!(
                seen,
                vec![
                    Seen {
                        method: "POST".into(),
                        uri:
                            "/things/a%20b%2F%C3%A7?district=%EB%A7%9D%EC%9B%90%EB%8F%99+1&x=%26%3D"
                                .into(),
                        actor: Some(actor()),
                        idempotency_key: Some("key-1".into()),
                        body: json!({"name": "떡"}),
                    },
                    Seen {
                        method: "GET".into(),
                        uri: "/things".into(),
                        actor: None,
                        idempotency_key: None,
                        body: Value::Null,
                    },
                ]
            );
        }
    }

    #[tokio::test]
    async fn answers_are_classified_the_same_either_way() {
        let base = serve(fake_service(Log::default())).await;
        for client in [
            ServiceClient::in_process(fake_service(Log::default())),
            ServiceClient::http(base.clone()),
        ] {
            let client = client.with_timeout(Duration::from_millis(300));
            let refusal = client
                .call::<Value>(Call::new(Method::GET, ["refusal"], []), None)
                .await;
            match refusal {
                Err(CallError::Rejected { status, body }) => {
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
                    assert_eq!(body.code, "STOCK_WOULD_GO_NEGATIVE");
                    assert_eq!(body.field.as_deref(), Some("delta"));
                }
                other => panic!("{other:?}"),
            }
            for path in ["failure", "slow", "garbage", "no-such-route"] {
                let answer = client
                    .call::<Value>(Call::new(Method::GET, [path], []), None)
                    .await;
                assert!(
                    matches!(answer, Err(CallError::Unavailable(_))),
                    "{path}: {answer:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn an_unreachable_service_is_unavailable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let client = ServiceClient::http(format!("http://{address}"));
        let answer = client
            .call::<Value>(Call::new(Method::GET, ["things"], []), None)
            .await;
        assert!(
            matches!(answer, Err(CallError::Unavailable(_))),
            "{answer:?}"
        );
    }
}
