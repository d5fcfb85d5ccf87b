//! The API tests' harness, one for every service: serve a service (or any
//! router) on a free loopback port with a graceful stop, build one from its
//! settings in a temporary data directory, stop it keeping that directory,
//! build it again there, call its HTTP API as an actor, and assert replies.
//! Each service's tests keep only their domain fixtures.

use std::net::SocketAddr;
use std::time::SystemTime;

use golmok_runtime::{
    ACTOR_HEADER, Actor, AssertionKey, Blueprint, IDEMPOTENCY_HEADER, Role, ServiceSettings,
};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A router served on a free loopback port until [`Served::stop`].
pub struct Served {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    stop: CancellationToken,
    server: JoinHandle<()>,
}

impl Served {
    /// Serves `router` on a free loopback port.
    pub async fn router(router: axum::Router) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let stop = CancellationToken::new();
        let token = stop.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await
                .expect("server runs");
        });
        Served {
            address,
            stop,
            server,
        }
    }

    /// A client of what it serves.
    pub fn client(&self) -> Client {
        Client::new(&self.address)
    }

    /// Stops serving gracefully and waits for the server.
    pub async fn stop(self) {
        self.stop.cancel();
        self.server.await.expect("server stops");
    }
}

/// Settings for a test: `settings` listening on a free loopback port with its
/// data in `dir`.
pub fn test_settings<S>(dir: &std::path::Path, settings: ServiceSettings<S>) -> ServiceSettings<S> {
    ServiceSettings {
        data_dir: dir.to_path_buf(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..settings
    }
}

/// A service built from its settings on a temporary data directory and
/// served on a free port.
pub struct TestService<B> {
    pub service: B,
    pub served: Served,
    pub client: Client,
    pub dir: TempDir,
}

impl<B: Blueprint> TestService<B> {
    /// Builds `B` with `settings` (whose data directory is in `dir`) and serves it.
    pub async fn spawn(dir: TempDir, settings: ServiceSettings<B::Section>) -> TestService<B> {
        let service = golmok_runtime::build::<B>(settings)
            .await
            .unwrap_or_else(|error| panic!("{} builds: {error}", B::NAME));
        let served = Served::router(service.router()).await;
        TestService {
            client: served.client().signing(service.hosted().assertions.clone()),
            service,
            served,
            dir,
        }
    }

    /// Stops serving and shuts the service down; the data directory is kept.
    pub async fn stop(self) -> TempDir {
        drop(self.client);
        self.served.stop().await;
        self.service.shutdown().await;
        self.dir
    }

    /// Stops and builds the service again on the same data directory, with
    /// the settings `settings` gives for it.
    pub async fn restart(
        self,
        settings: impl FnOnce(&TempDir) -> ServiceSettings<B::Section>,
    ) -> TestService<B> {
        let dir = self.stop().await;
        let settings = settings(&dir);
        TestService::spawn(dir, settings).await
    }
}

/// Calls one service's HTTP API. A test's app can deref to the client of
/// the service it tests, so that `app.call(…)` and `app.post(…)` read well.
#[derive(Clone)]
pub struct Client {
    /// `http://host:port`.
    pub base: String,
    http: reqwest::Client,
    /// Signs each call's actor as the gateway does, when the client calls a
    /// service.
    assertions: Option<AssertionKey>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            assertions: None,
        }
    }

    /// The same client, its calls signed for the service `assertions` is for
    /// (the actor assertion the gateway sends; anonymous calls carry one too).
    pub fn signing(mut self, assertions: AssertionKey) -> Client {
        self.assertions = Some(assertions);
        self
    }

    /// A request as `actor` (signed into its `x-golmok-actor` header when the
    /// client signs), with an
    /// idempotency key and a JSON body when given; a non-JSON answer fails
    /// the test.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        actor: Option<&Actor>,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(assertions) = &self.assertions {
            request = request.header(ACTOR_HEADER, assertions.sign(actor, SystemTime::now()));
        }
        if let Some(key) = key {
            request = request.header(IDEMPOTENCY_HEADER, key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"))
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    pub async fn post(&self, path: &str, actor: &Actor, body: Value) -> Reply {
        self.call(Method::POST, path, Some(actor), None, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, actor: &Actor, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(actor), None, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, actor: &Actor, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(actor), None, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, actor: &Actor) -> Reply {
        self.call(Method::DELETE, path, Some(actor), None, None)
            .await
    }
}

/// An answer of a service: status, JSON body (`null` when empty), headers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Reply {
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        &self.body
    }

    /// Asserts an error status, code and field.
    #[track_caller]
    pub fn error(&self, status: StatusCode, code: &str, field: Option<&str>) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["field"].as_str(), field, "body: {}", self.body);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

/// The `id` of a created resource.
pub fn id_of(body: &Value) -> Uuid {
    body["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an id")
}

fn actor(role: Role, subject: &str, merchant_id: Option<Uuid>) -> Actor {
    Actor {
        subject: subject.to_owned(),
        role,
        merchant_id,
    }
}

pub fn operator() -> Actor {
    actor(Role::Operator, "operator-1", None)
}

pub fn official() -> Actor {
    actor(Role::Official, "official-jung-gu", None)
}

pub fn expert() -> Actor {
    actor(Role::Expert, "expert-kim", None)
}

pub fn citizen(name: &str) -> Actor {
    actor(Role::Citizen, name, None)
}

pub fn merchant_actor(id: Uuid) -> Actor {
    actor(Role::Merchant, &format!("owner-of-{id}"), Some(id))
}

#[cfg(test)]
mod tests {
    use axum::Json;
    use axum::http::{HeaderMap, HeaderValue};
    use axum::routing::post;
    use golmok_runtime::TrustRoot;
    use serde_json::json;

    use super::*;

    /// Echoes the actor and idempotency headers and the body it got.
    async fn echo(headers: HeaderMap, body: Option<Json<Value>>) -> Json<Value> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Json(json!({
            "actor": header(ACTOR_HEADER),
            "key": header(IDEMPOTENCY_HEADER),
            "body": body.map(|Json(body)| body),
        }))
    }

    #[tokio::test]
    async fn a_call_sends_the_actor_the_key_and_the_body_and_reads_the_json_answer() {
        let served = Served::router(axum::Router::new().route("/echo", post(echo))).await;
        let key = TrustRoot::load_or_create(&tempfile::tempdir().unwrap().path().join("k"))
            .unwrap()
            .key_for("echo");
        let reply = served
            .client()
            .signing(key.clone())
            .call(
                Method::POST,
                "/echo",
                Some(&citizen("kim")),
                Some("k-1"),
                Some(json!({"n": 1})),
            )
            .await;
        let body = reply.expect(StatusCode::OK);
        let assertion = HeaderValue::from_str(body["actor"].as_str().unwrap()).unwrap();
        assert_eq!(
            key.verify(Some(&assertion), SystemTime::now()),
            Ok(Some(citizen("kim")))
        );
        assert_eq!(body["key"], "k-1");
        assert_eq!(body["body"], json!({"n": 1}));
        assert_eq!(reply.headers["content-type"], "application/json");

        let missing = served
            .client()
            .call(Method::GET, "/nowhere", None, None, None)
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.body, Value::Null);
        served.stop().await;
    }

    #[test]
    #[should_panic(expected = "body: ")]
    fn expect_fails_on_another_status() {
        let reply = Reply {
            status: StatusCode::BAD_REQUEST,
            body: json!({"code": "INVALID"}),
            headers: HeaderMap::new(),
        };
        reply.expect(StatusCode::OK);
    }

    #[test]
    fn error_asserts_status_code_field_and_a_message() {
        let reply = Reply {
            status: StatusCode::CONFLICT,
            body: json!({"code": "TAKEN", "field": "name", "message": "name taken"}),
            headers: HeaderMap::new(),
        };
        reply.error(StatusCode::CONFLICT, "TAKEN", Some("name"));
    }
}
