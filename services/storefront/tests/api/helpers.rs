use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{EventLog, LogTail, StorageError};
use golmok_runtime::{ACTOR_HEADER, Actor, Following, IDEMPOTENCY_HEADER, Role, Service};
use reqwest::StatusCode;
use serde_json::{Value, json};
use storefront::{Application, Settings};
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
    app: Application,
    /// Consumers of a stand-in voucher log (see [`TestApp::voucher_log`]).
    following: tokio::sync::Mutex<Following>,
    stop: CancellationToken,
    server: JoinHandle<()>,
}

pub fn settings(dir: &TempDir) -> Settings {
    Settings {
        data_dir: dir.path().to_path_buf(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = settings(&dir);
    spawn_with(dir, settings).await
}

/// Builds the storefront on `dir` with `settings` and serves it on a free port.
pub async fn spawn_with(dir: TempDir, settings: Settings) -> TestApp {
    let app = Application::build(settings)
        .await
        .expect("storefront builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let router = app.router();
    let stop = CancellationToken::new();
    let token = stop.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await
            .expect("server runs");
    });
    TestApp {
        address,
        client: reqwest::Client::new(),
        dir,
        app,
        following: tokio::sync::Mutex::default(),
        stop,
        server,
    }
}

impl TestApp {
    /// Stops serving and shuts the application down; the data directory is kept.
    pub async fn stop(self) -> TempDir {
        drop(self.client);
        self.stop.cancel();
        self.server.await.expect("server stops");
        self.following.into_inner().stop().await;
        self.app.shutdown().await;
        self.dir
    }

    /// Stops and builds the storefront again on the same data directory.
    pub async fn restart(self) -> TestApp {
        let dir = self.stop().await;
        let settings = settings(&dir);
        spawn_with(dir, settings).await
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        actor: Option<&Actor>,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(actor) = actor {
            request = request.header(ACTOR_HEADER, actor.to_header());
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

    pub async fn get(&self, path: &str, actor: Option<&Actor>) -> Reply {
        self.call(reqwest::Method::GET, path, actor, None, None)
            .await
    }

    pub async fn post(&self, path: &str, actor: &Actor, body: Value) -> Reply {
        self.call(reqwest::Method::POST, path, Some(actor), None, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, actor: &Actor, body: Value) -> Reply {
        self.call(reqwest::Method::PUT, path, Some(actor), None, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, actor: &Actor, body: Value) -> Reply {
        self.call(reqwest::Method::PATCH, path, Some(actor), None, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, actor: &Actor) -> Reply {
        self.call(reqwest::Method::DELETE, path, Some(actor), None, None)
            .await
    }

    /// The storefront's read-model tables, to damage a row the way a bug or a
    /// disk could.
    pub fn tables(&self) -> Arc<dyn golmok_kernel::Tables> {
        self.app.tables()
    }

    /// The storefront's own event log, to append what an older release wrote.
    pub fn event_log(&self) -> Arc<dyn EventLog> {
        self.app.event_log()
    }

    /// Registers a merchant (as an operator) and returns its id.
    pub async fn merchant(&self, body: Value) -> Uuid {
        let reply = self.post("/merchants", &operator(), body).await;
        reply.expect(StatusCode::CREATED);
        id_of(&reply.body)
    }

    /// A log standing in for the voucher service's, which the storefront now
    /// follows: events appended to it in the voucher's published wire format
    /// reach the storefront as they would from the voucher service.
    pub async fn voucher_log(&self) -> Arc<dyn EventLog> {
        let store = EmbeddedStore::open(&self.dir.path().join("voucher-events.redb"))
            .expect("voucher log opens");
        let log: Arc<dyn EventLog> = store;
        self.following
            .lock()
            .await
            .start(&self.app, |subscription| {
                let voucher = subscription.producer == "voucher";
                Ok::<_, StorageError>(voucher.then(|| LogTail::after(Arc::clone(&log), 0)))
            })
            .await
            .expect("storefront follows the voucher log");
        log
    }

    /// Polls `path` until `done` holds (the consumers are asynchronous).
    pub async fn until(&self, path: &str, actor: &Actor, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let reply = self.get(path, Some(actor)).await;
            if done(&reply.body) {
                return reply.body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} never got there: {}",
                reply.body
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// A published product of `merchant` with `stock` units at `price`.
    pub async fn product(&self, merchant: Uuid, price: i64, stock: i64) -> Uuid {
        let owner = merchant_actor(merchant);
        let reply = self
            .post(
                &format!("/merchants/{merchant}/products"),
                &owner,
                json!({"name": "막걸리", "description": "수제", "price": price, "stock": stock}),
            )
            .await;
        reply.expect(StatusCode::CREATED);
        let product = id_of(&reply.body);
        self.post(
            &format!("/merchants/{merchant}/products/{product}/publication"),
            &owner,
            json!({}),
        )
        .await
        .expect(StatusCode::OK);
        product
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
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

/// A fresh valid 사업자등록번호 (computed independently of the service).
pub fn business_number() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id()) * 1_000;
    let first_nine: Vec<u32> = format!("{:09}", n % 1_000_000_000)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = first_nine.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum += first_nine[8] * 5 / 10;
    let check = (10 - sum % 10) % 10;
    let digits: String = first_nine
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap())
        .collect();
    format!("{}-{}-{}{check}", &digits[..3], &digits[3..5], &digits[5..])
}

/// A registration body; `founded_on` decides heritage eligibility.
pub fn registration(kind: &str, founded_on: &str, district: &str, category: &str) -> Value {
    json!({
        "businessNumber": business_number(),
        "name": "을지로 노가리",
        "kind": kind,
        "category": category,
        "district": district,
        "foundedOn": founded_on,
        "revenueTier": "MICRO",
    })
}

pub fn retailer() -> Value {
    registration("RETAILER", "2015-04-01", "을지로", "food")
}
