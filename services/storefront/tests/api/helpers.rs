use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{EventLog, EventSource, LogTail, StorageError};
use golmok_runtime::{Actor, Following, Service};
use golmok_testkit::service::{Client, TestService, test_settings};
pub use golmok_testkit::service::{
    Reply, citizen, expert, id_of, merchant_actor, official, operator,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use storefront::{Application, Settings};
use tempfile::TempDir;
use uuid::Uuid;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    app: TestService<Application>,
    /// Consumers of a stand-in voucher log (see [`TestApp::voucher_log`]).
    following: tokio::sync::Mutex<Following>,
}

pub fn settings(dir: &TempDir) -> Settings {
    test_settings(dir.path(), Settings::default())
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = settings(&dir);
    spawn_with(dir, settings).await
}

/// Builds the storefront on `dir` with `settings` and serves it on a free port.
pub async fn spawn_with(dir: TempDir, settings: Settings) -> TestApp {
    let app = TestService::spawn(dir, settings).await;
    TestApp {
        address: app.served.address.clone(),
        client: reqwest::Client::new(),
        app,
        following: tokio::sync::Mutex::default(),
    }
}

/// Its calls (`call`, `post`, `put`, `patch`, `delete`) go to the storefront.
impl std::ops::Deref for TestApp {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.app.client
    }
}

impl TestApp {
    /// The actor assertion the gateway would send with a call as `actor`.
    pub fn assertion(&self, actor: &golmok_runtime::Actor) -> reqwest::header::HeaderValue {
        use golmok_runtime::Service;
        let now = std::time::SystemTime::now();
        self.app.service.hosted().assertions.sign(Some(actor), now)
    }

    /// Stops serving and shuts the application down; the data directory is kept.
    pub async fn stop(self) -> TempDir {
        drop(self.client);
        self.following.into_inner().stop().await;
        self.app.stop().await
    }

    /// Stops and builds the storefront again on the same data directory.
    pub async fn restart(self) -> TestApp {
        let dir = self.stop().await;
        let settings = settings(&dir);
        spawn_with(dir, settings).await
    }

    pub async fn get(&self, path: &str, actor: Option<&Actor>) -> Reply {
        self.call(reqwest::Method::GET, path, actor, None, None)
            .await
    }

    /// The storefront's read-model tables, to damage a row the way a bug or a
    /// disk could.
    pub fn tables(&self) -> Arc<dyn golmok_kernel::Tables> {
        self.app.service.tables()
    }

    /// The storefront's own event log, to append what an older release wrote.
    pub fn event_log(&self) -> Arc<dyn EventLog> {
        self.app.service.event_log()
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
        self.producer_log("voucher").await
    }

    /// A log standing in for the creator-media service's (its creators and
    /// live sessions), followed the same way.
    pub async fn creator_media_log(&self) -> Arc<dyn EventLog> {
        self.producer_log("creator-media").await
    }

    /// A log standing in for `producer`'s, which the storefront follows.
    async fn producer_log(&self, producer: &str) -> Arc<dyn EventLog> {
        let log: Arc<dyn EventLog> = self.stand_in_store(producer);
        self.follow(producer, LogTail::after(Arc::clone(&log), 0))
            .await;
        log
    }

    /// A store (log and tables) standing in for `producer`'s, in the data
    /// directory.
    pub fn stand_in_store(&self, producer: &str) -> Arc<EmbeddedStore> {
        let file = format!("{producer}-events.redb");
        EmbeddedStore::open(&self.app.dir.path().join(file)).expect("store opens")
    }

    /// Starts the storefront's subscription to `producer`'s events over `source`.
    pub async fn follow<S: EventSource>(&self, producer: &str, source: S) {
        let mut source = Some(source);
        self.following
            .lock()
            .await
            .start(&self.app.service, |subscription| {
                let followed = subscription.producer == producer;
                Ok::<_, StorageError>(followed.then(|| source.take()).flatten())
            })
            .await
            .expect("storefront follows the source");
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
