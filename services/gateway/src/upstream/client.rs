use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use golmok_runtime::edge::Handoff;
use golmok_runtime::{ACTOR_HEADER, Actor, AssertionKey, ErrorBody, IDEMPOTENCY_HEADER, TrustRoot};
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method, Request, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt;
use tower::timeout::error::Elapsed;
use uuid::Uuid;

use super::layers::{Stack, TraceContext, stack};
use super::{SERVICES, ServiceClient};
use crate::relay::ListPage;

/// Only the path and query of this base are used, to encode paths and
/// queries; parsed once, not for every call.
static PLACEHOLDER_BASE: LazyLock<reqwest::Url> = LazyLock::new(|| {
    reqwest::Url::parse("http://service.invalid/").expect("the placeholder base is a URL")
});

/// The one not-found rule for every read by id, on every service: a 404,
/// and a 403 too, so that another's object reads exactly like one that is
/// not there.
const READS_AS_MISSING: [StatusCode; 2] = [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN];

/// The services the gateway calls, by name (`storefront`, `voucher`).
#[derive(Debug, Clone, Default)]
pub struct Upstreams {
    services: BTreeMap<String, ServiceClient>,
}

impl Upstreams {
    /// The same upstreams with `service` reached through `client`.
    pub fn with(mut self, service: impl Into<String>, client: ServiceClient) -> Upstreams {
        self.services.insert(service.into(), client);
        self
    }

    /// Whether the gateway calls `service`: a host gives it only these (a
    /// service partners do not reach over GraphQL is left out).
    pub fn calls(service: &str) -> bool {
        SERVICES.contains(&service)
    }

    /// How to reach `service`, if it was given.
    pub fn get(&self, service: &str) -> Option<&ServiceClient> {
        self.services.get(service)
    }
}

/// Why the upstreams cannot serve the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("no upstream is given for the {0} service")]
    Missing(&'static str),
    #[error("{0:?} is not a service the gateway calls (expected one of {SERVICES:?})")]
    Unknown(String),
}

/// Every service the schema calls, behind the gateway's layers.
#[derive(Clone)]
pub(crate) struct Clients {
    stacks: HashMap<&'static str, (Stack, AssertionKey)>,
}

impl Clients {
    /// One client per service of [`SERVICES`], each call limited to `timeout`;
    /// a missing or unknown service is refused here, not at request time.
    /// Each call carries the caller signed with the service's key from `root`.
    pub(crate) fn new(
        upstreams: Upstreams,
        root: &TrustRoot,
        timeout: Duration,
    ) -> Result<Clients, UpstreamError> {
        if let Some(unknown) = upstreams
            .services
            .keys()
            .find(|name| !SERVICES.contains(&name.as_str()))
        {
            return Err(UpstreamError::Unknown(unknown.clone()));
        }
        let mut stacks = HashMap::with_capacity(SERVICES.len());
        for &service in SERVICES {
            let transport = upstreams
                .get(service)
                .ok_or(UpstreamError::Missing(service))?;
            stacks.insert(
                service,
                (
                    stack(service, transport.clone(), timeout),
                    root.key_for(service),
                ),
            );
        }
        Ok(Clients { stacks })
    }

    /// `service` as seen by `caller`.
    pub(crate) fn upstream<'a>(
        &'a self,
        service: &'static str,
        caller: &'a Caller,
    ) -> Upstream<'a> {
        let (stack, assertions) = self.stacks.get(service).map(|(s, k)| (s, k)).unzip();
        Upstream {
            service,
            stack,
            assertions,
            caller,
        }
    }
}

/// Who a request's calls are made for: the actor header and the trace.
#[derive(Debug, Clone, Default)]
pub(crate) struct Caller {
    pub(crate) actor: Option<Actor>,
    pub(crate) trace: Option<TraceContext>,
}

/// A service's routes, one small method each, over the [`Upstream`] client.
pub(crate) trait Routes<'a> {
    /// The service's name in [`Upstreams`].
    const SERVICE: &'static str;

    fn new(upstream: Upstream<'a>) -> Self;
}

/// An object a service answers by id, read through the request's loader
/// (each id at most once per request).
pub(crate) trait Lookup: DeserializeOwned + Clone + Send + Sync + 'static {
    /// The service that holds it.
    const SERVICE: &'static str;

    /// Its path on that service.
    fn path(id: Uuid) -> Vec<String>;
}

/// An idempotency key for a command, when the caller gave one.
pub(crate) type Key<'a> = Option<&'a str>;

/// The body of a command that sends none.
pub(crate) const NO_BODY: Option<&()> = None;

/// A path of percent-encoded segments, each anything `Display`:
/// `segments!["merchants", id, "products"]`.
macro_rules! segments {
    ($($segment:expr),+ $(,)?) => {
        [$($segment.to_string()),+]
    };
}
pub(crate) use segments;

/// The generic client of one service for one caller: reads by id, lists and
/// commands over the service's JSON DTOs.
#[derive(Clone, Copy)]
pub(crate) struct Upstream<'a> {
    service: &'static str,
    stack: Option<&'a Stack>,
    assertions: Option<&'a AssertionKey>,
    caller: &'a Caller,
}

impl Upstream<'_> {
    /// A GET of one object; `None` when it reads as missing ([`READS_AS_MISSING`]).
    pub(crate) async fn find<T: DeserializeOwned + 'static>(
        &self,
        path: &[String],
    ) -> Result<Option<T>, CallError> {
        self.find_with(path, &[]).await
    }

    /// [`find`](Self::find) with query parameters.
    pub(crate) async fn find_with<T: DeserializeOwned + 'static>(
        &self,
        path: &[String],
        query: &[(&str, &str)],
    ) -> Result<Option<T>, CallError> {
        match self
            .call(Call::new(Method::GET, path, query.iter().copied()))
            .await
        {
            Ok(found) => Ok(Some(found)),
            Err(CallError::Rejected { status, .. }) if READS_AS_MISSING.contains(&status) => {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// A GET of one page of a list: `first` items after the cursor `after`,
    /// narrowed by `filters`.
    pub(crate) async fn list<T: DeserializeOwned + 'static>(
        &self,
        path: &[String],
        filters: &[(&str, &str)],
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<T>, CallError> {
        let first = first.to_string();
        let paging =
            std::iter::once(("first", first.as_str())).chain(after.map(|after| ("after", after)));
        let pairs = filters.iter().copied().chain(paging);
        self.call(Call::new(Method::GET, path, pairs)).await
    }

    /// A command: `method` on `path` with an optional JSON body and idempotency key.
    pub(crate) async fn command<T: DeserializeOwned + 'static, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &[String],
        body: Option<&B>,
        key: Key<'_>,
    ) -> Result<T, CallError> {
        let mut call = Call::new(method, path, []);
        call.body = body.map(|body| serde_json::to_vec(body).expect("request bodies serialize"));
        call.idempotency_key = key.map(str::to_owned);
        self.call(call).await
    }

    /// Sends `call` and reads the answer: a 2xx body as `T`, a 4xx
    /// `ErrorBody` as a rejection, anything else as the service being unavailable.
    async fn call<T: DeserializeOwned + 'static>(&self, call: Call) -> Result<T, CallError> {
        let actor = self.caller.actor.as_ref();
        if let Some(refused) =
            super::partner::refusal(actor, self.service, &call.method, &call.path)
        {
            return Err(refused);
        }
        let unavailable = |reason: String| CallError::Unavailable {
            service: self.service,
            reason: format!("{} {}: {reason}", call.method, call.path),
        };
        let stack = self
            .stack
            .ok_or_else(|| unavailable("no upstream is configured".to_owned()))?;
        let request = self.request(&call).map_err(unavailable)?;
        let response = stack.clone().oneshot(request).await.map_err(|error| {
            if error.is::<Elapsed>() {
                unavailable("no answer in time".to_owned())
            } else {
                unavailable(error.to_string())
            }
        })?;
        let status = response.status();
        let handed = response
            .extensions()
            .get::<Handoff>()
            .and_then(Handoff::take);
        let body = response.into_body();
        if status.is_success() {
            return handed
                .unwrap_or_else(|| serde_json::from_slice(&body))
                .map_err(|error| unavailable(format!("unexpected {status} body: {error}")));
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(body) if status.is_client_error() => Err(CallError::Rejected {
                service: self.service,
                status,
                body,
            }),
            Ok(body) => Err(unavailable(format!(
                "{status} {}: {}",
                body.code, body.message
            ))),
            Err(_) => Err(unavailable(format!("{status} without an error body"))),
        }
    }

    fn request(&self, call: &Call) -> Result<Request<Bytes>, String> {
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(&call.path);
        if let Some(assertions) = self.assertions {
            let assertion = assertions.sign(self.caller.actor.as_ref(), SystemTime::now());
            request = request.header(ACTOR_HEADER, assertion);
        }
        if let Some(key) = &call.idempotency_key {
            let key = HeaderValue::from_str(key)
                .map_err(|_| "the idempotency key is not a valid header value".to_owned())?;
            request = request.header(IDEMPOTENCY_HEADER, key);
        }
        if call.body.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        if let Some(trace) = self.caller.trace {
            request = request.extension(trace);
        }
        request
            .body(Bytes::from(call.body.clone().unwrap_or_default()))
            .map_err(|e| e.to_string())
    }
}

/// Why a call did not succeed; each names the service.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum CallError {
    /// The service refused the request (4xx) and said why.
    #[error("{service}: rejected with {status}: {} ({})", body.code, body.message)]
    Rejected {
        service: &'static str,
        status: StatusCode,
        body: ErrorBody,
    },
    /// The service failed (5xx), did not answer in time, or broke its contract.
    #[error("{service}: unavailable: {reason}")]
    Unavailable {
        service: &'static str,
        reason: String,
    },
}

/// One request to a service: method, path and query, optional JSON body and
/// idempotency key.
#[derive(Debug, Clone)]
struct Call {
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
    idempotency_key: Option<String>,
}

impl Call {
    /// A call to the path made of `segments` (each percent-encoded) and the
    /// query `pairs` (form-encoded).
    fn new<'a>(
        method: Method,
        segments: &[String],
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Call {
        let mut url = PLACEHOLDER_BASE.clone();
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
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use axum::extract::{OriginalUri, State};
    use axum::http::HeaderMap;
    use axum::routing::{get, post};
    use axum::{Json, Router};
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
            actor: root()
                .key_for("storefront")
                .verify(headers.get(ACTOR_HEADER), SystemTime::now())
                .unwrap(),
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
            .route("/hidden", get(|| async {
                (StatusCode::FORBIDDEN, Json(json!({"code": "FORBIDDEN", "message": "not yours"})))
            }))
            .route("/missing", get(|| async {
                (StatusCode::NOT_FOUND, Json(json!({"code": "NOT_FOUND", "message": "none"})))
            }))
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

    /// The test suite's actor-assertion root.
    fn root() -> TrustRoot {
        static DIR: std::sync::LazyLock<tempfile::TempDir> =
            std::sync::LazyLock::new(|| tempfile::tempdir().unwrap());
        TrustRoot::load_or_create(&DIR.path().join("actor-assertion.key")).unwrap()
    }

    /// `transport` as the storefront, every call limited to `timeout`.
    fn clients(transport: ServiceClient, timeout: Duration) -> Clients {
        let upstreams = SERVICES
            .iter()
            .fold(Upstreams::default(), |upstreams, name| {
                upstreams.with(*name, transport.clone())
            });
        Clients::new(upstreams, &root(), timeout).unwrap()
    }

    #[tokio::test]
    async fn in_process_and_http_send_the_same_requests() {
        let in_process_log = Log::default();
        let http_log = Log::default();
        let base = serve(fake_service(http_log.clone())).await;
        let transports = [
            (
                ServiceClient::in_process(fake_service(in_process_log.clone())),
                in_process_log,
            ),
            (ServiceClient::http(base), http_log),
        ];
        for (transport, log) in transports {
            let clients = clients(transport, Duration::from_secs(10));
            let signed_in = Caller {
                actor: Some(actor()),
                trace: None,
            };
            let anonymous = Caller::default();
            let answer: Value = {
                let upstream = clients.upstream("storefront", &signed_in);
                let path = segments!["things", "a b/ç"];
                let mut call =
                    Call::new(Method::POST, &path, [("district", "망원동 1"), ("x", "&=")]);
                call.body = Some(serde_json::to_vec(&json!({"name": "떡"})).unwrap());
                call.idempotency_key = Some("key-1".into());
                upstream.call(call).await.unwrap()
            };
            assert_eq!(answer, json!({"ok": true}));
            let listed: Value = clients
                .upstream("storefront", &anonymous)
                .call(Call::new(Method::GET, &segments!["things"], []))
                .await
                .unwrap();
            assert_eq!(listed, json!({"ok": true}));
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
        for transport in [
            ServiceClient::in_process(fake_service(Log::default())),
            ServiceClient::http(base.clone()),
        ] {
            let clients = clients(transport, Duration::from_millis(300));
            let caller = Caller::default();
            let upstream = clients.upstream("voucher", &caller);
            let refusal = upstream
                .call::<Value>(Call::new(Method::GET, &segments!["refusal"], []))
                .await;
            match refusal {
                Err(CallError::Rejected {
                    service,
                    status,
                    body,
                }) => {
                    assert_eq!(service, "voucher");
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
                    assert_eq!(body.code, "STOCK_WOULD_GO_NEGATIVE");
                    assert_eq!(body.field.as_deref(), Some("delta"));
                }
                other => panic!("{other:?}"),
            }
            for path in ["failure", "slow", "garbage", "no-such-route"] {
                let answer = upstream
                    .call::<Value>(Call::new(Method::GET, &segments![path], []))
                    .await;
                assert!(
                    matches!(
                        answer,
                        Err(CallError::Unavailable {
                            service: "voucher",
                            ..
                        })
                    ),
                    "{path}: {answer:?}"
                );
                let error = answer.unwrap_err().to_string();
                assert!(error.starts_with("voucher: unavailable: GET /"), "{error}");
            }
        }
    }

    #[tokio::test]
    async fn forbidden_and_missing_read_alike_on_every_service() {
        let clients = clients(
            ServiceClient::in_process(fake_service(Log::default())),
            Duration::from_secs(10),
        );
        let caller = Caller::default();
        for &service in SERVICES {
            let upstream = clients.upstream(service, &caller);
            for path in ["hidden", "missing"] {
                let found = upstream.find::<Value>(&segments![path]).await;
                assert!(matches!(found, Ok(None)), "{service} {path}: {found:?}");
            }
            let refused = upstream.find::<Value>(&segments!["refusal"]).await;
            assert!(
                matches!(refused, Err(CallError::Rejected { .. })),
                "{refused:?}"
            );
        }
    }

    #[tokio::test]
    async fn an_unreachable_service_is_unavailable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let clients = clients(
            ServiceClient::http(format!("http://{address}")),
            Duration::from_secs(10),
        );
        let caller = Caller::default();
        let answer = clients
            .upstream("storefront", &caller)
            .call::<Value>(Call::new(Method::GET, &segments!["things"], []))
            .await;
        assert!(
            matches!(answer, Err(CallError::Unavailable { .. })),
            "{answer:?}"
        );
    }

    #[tokio::test]
    async fn a_partners_trace_reaches_the_service_through_the_layers() {
        let echo = Router::new().route(
            "/trace",
            get(|headers: HeaderMap| async move {
                let header = headers
                    .get("traceparent")
                    .map(|v| v.to_str().unwrap().to_owned());
                Json(json!({ "traceparent": header }))
            }),
        );
        let clients = clients(ServiceClient::in_process(echo), Duration::from_secs(10));
        let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let traced = Caller {
            actor: None,
            trace: TraceContext::parse(&HeaderValue::from_static(incoming)),
        };
        let answer: Value = clients
            .upstream("storefront", &traced)
            .call(Call::new(Method::GET, &segments!["trace"], []))
            .await
            .unwrap();
        let sent = answer["traceparent"].as_str().unwrap();
        assert!(
            sent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{sent}"
        );
        assert_ne!(
            sent, incoming,
            "the call is a new span of the partner's trace"
        );
        let untraced: Value = clients
            .upstream("storefront", &Caller::default())
            .call(Call::new(Method::GET, &segments!["trace"], []))
            .await
            .unwrap();
        assert_eq!(untraced, json!({ "traceparent": null }));
    }

    /// A reply that counts how often it is written as JSON.
    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    struct Counted {
        name: String,
        lines: Vec<u32>,
    }

    static ENCODED: AtomicUsize = AtomicUsize::new(0);

    impl Serialize for Counted {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            ENCODED.fetch_add(1, Ordering::SeqCst);
            let mut fields = serializer.serialize_struct("Counted", 2)?;
            fields.serialize_field("name", &self.name)?;
            fields.serialize_field("lines", &self.lines)?;
            fields.end()
        }
    }

    #[tokio::test]
    async fn an_in_process_reply_arrives_as_the_value_itself_and_over_http_as_its_json() {
        use golmok_kernel::Committed;
        use golmok_runtime::edge::{Json as Reply, Reply as CommandReply};
        let counted = || Counted {
            name: "소금빵".into(),
            lines: vec![1, 2, 3],
        };
        let service = || {
            Router::new()
                .route("/read", get(move || async move { Reply(counted()) }))
                .route(
                    "/command",
                    post(move || async move {
                        CommandReply(
                            StatusCode::CREATED,
                            Committed {
                                value: counted(),
                                consistent: false,
                            },
                        )
                    }),
                )
        };
        let base = serve(service()).await;
        let caller = Caller::default();
        let in_process = clients(
            ServiceClient::in_process(service()),
            Duration::from_secs(10),
        );
        let over_http = clients(ServiceClient::http(base), Duration::from_secs(10));
        for (transport, clients, encodings) in
            [("in-process", in_process, 0), ("HTTP", over_http, 1)]
        {
            for (method, path) in [(Method::GET, "read"), (Method::POST, "command")] {
                let before = ENCODED.load(Ordering::SeqCst);
                let answer: Counted = clients
                    .upstream("storefront", &caller)
                    .call(Call::new(method, &segments![path], []))
                    .await
                    .unwrap();
                assert_eq!(answer, counted(), "{transport} {path}");
                assert_eq!(
                    ENCODED.load(Ordering::SeqCst) - before,
                    encodings,
                    "{transport} {path}: times the reply was written as JSON"
                );
            }
            // A caller that reads the reply as another type gets it through its JSON.
            let as_json: Value = clients
                .upstream("storefront", &caller)
                .call(Call::new(Method::GET, &segments!["read"], []))
                .await
                .unwrap();
            assert_eq!(
                as_json,
                json!({"name": "소금빵", "lines": [1, 2, 3]}),
                "{transport}"
            );
        }
    }

    #[test]
    fn every_service_must_be_given_and_no_other() {
        let router = || ServiceClient::in_process(Router::new());
        let timeout = Duration::from_secs(1);
        let only_storefront = Upstreams::default().with("storefront", router());
        assert_eq!(
            Clients::new(only_storefront.clone(), &root(), timeout).err(),
            Some(UpstreamError::Missing("voucher"))
        );
        let misspelt = only_storefront
            .with("voucher", router())
            .with("vouchers", router());
        assert_eq!(
            Clients::new(misspelt, &root(), timeout).err(),
            Some(UpstreamError::Unknown("vouchers".into()))
        );
    }
}
