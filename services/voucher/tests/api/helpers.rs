use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The services' accessors (`tables()`, `event_log()`) for the tests.
pub use golmok_runtime::Service;
use golmok_runtime::{ACTOR_HEADER, Actor, Following, IDEMPOTENCY_HEADER, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storefront::domain::business_number::BusinessNumber;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use voucher::config::VoucherSection;
use voucher::{Application, Settings};

pub struct TestApp {
    pub address: String,
    pub storefront_address: String,
    pub client: reqwest::Client,
    pub app: Application,
    storefront: storefront::Application,
    /// Each service's consumers of the other's events.
    following: Following,
    stop: CancellationToken,
    servers: Vec<JoinHandle<()>>,
    _dir: TempDir,
}

pub fn settings(dir: &TempDir) -> Settings {
    Settings {
        data_dir: dir.path().join("voucher"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        own: VoucherSection {
            housekeeping_interval_secs: 0,
            ..VoucherSection::default()
        },
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

async fn serve(router: axum::Router, stop: &CancellationToken) -> (String, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let token = stop.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await
            .expect("server runs");
    });
    (address, server)
}

/// Builds both services with the voucher settings changed by `change`.
pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(tempfile::tempdir().expect("temp dir"), change).await
}

/// Builds both services on the data directories under `dir`.
async fn spawn_on(dir: TempDir, change: impl FnOnce(&mut Settings)) -> TestApp {
    let storefront = storefront::Application::build(storefront::Settings {
        data_dir: dir.path().join("storefront"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..storefront::Settings::default()
    })
    .await
    .expect("storefront builds");
    let mut settings = settings(&dir);
    change(&mut settings);
    let app = Application::build(settings).await.expect("voucher builds");
    let following = Following::in_process(&[&storefront as &dyn Service, &app])
        .await
        .expect("each service follows the other");
    let stop = CancellationToken::new();
    let (address, voucher_server) = serve(app.router(), &stop).await;
    let (storefront_address, storefront_server) = serve(storefront.router(), &stop).await;
    TestApp {
        address,
        storefront_address,
        client: reqwest::Client::new(),
        app,
        storefront,
        following,
        stop,
        servers: vec![voucher_server, storefront_server],
        _dir: dir,
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
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

impl TestApp {
    /// Stops serving and shuts both services down; answers the data directory.
    pub async fn halt(self) -> TempDir {
        drop(self.client);
        self.stop.cancel();
        for server in self.servers {
            server.await.expect("server stops");
        }
        self.following.stop().await;
        self.app.shutdown().await;
        self.storefront.shutdown().await;
        self._dir
    }

    pub async fn stop(self) {
        self.halt().await;
    }

    /// Stops both services and builds them again on the same data.
    pub async fn restart(self) -> TestApp {
        let dir = self.halt().await;
        spawn_on(dir, |_| {}).await
    }

    async fn send(
        &self,
        base: &str,
        method: Method,
        path: &str,
        actor: Option<&Actor>,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{base}{path}"));
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
        let text = response.text().await.expect("body read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"))
        };
        Reply { status, body }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        actor: Option<&Actor>,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send(&self.address, method, path, actor, key, body)
            .await
    }

    pub async fn get(&self, path: &str, actor: &Actor) -> Reply {
        self.call(Method::GET, path, Some(actor), None, None).await
    }

    pub async fn post(&self, path: &str, actor: &Actor, body: Value) -> Reply {
        self.call(Method::POST, path, Some(actor), None, Some(body))
            .await
    }

    /// Creates a programme of 중구 (as an official) and returns its id.
    pub async fn programme(&self, changes: Value) -> Uuid {
        let mut body = programme_body();
        if let (Value::Object(body), Value::Object(changes)) = (&mut body, changes) {
            body.extend(changes);
        }
        let reply = self.post("/programmes", &official(), body).await;
        id_of(reply.expect(StatusCode::CREATED))
    }

    /// Registers a merchant in the storefront and waits until the voucher's
    /// directory knows it.
    pub async fn merchant(&self, district: &str, category: &str, tier: &str) -> Uuid {
        let body = json!({
            "businessNumber": business_number(),
            "name": "을지로 노가리",
            "kind": "RETAILER",
            "category": category,
            "district": district,
            "foundedOn": "2015-04-01",
            "revenueTier": tier,
        });
        let reply = self
            .send(
                &self.storefront_address,
                Method::POST,
                "/merchants",
                Some(&operator()),
                None,
                Some(body),
            )
            .await;
        let id = id_of(reply.expect(StatusCode::CREATED));
        self.until(&format!("/merchants/{id}"), |r| r.status == StatusCode::OK)
            .await;
        id
    }

    /// Suspends (or reinstates) a merchant in the storefront and waits until
    /// the voucher's directory has seen it.
    pub async fn storefront_suspension(&self, merchant: Uuid, suspend: bool) {
        let path = format!("/merchants/{merchant}/suspension");
        let (method, body) = if suspend {
            (Method::POST, Some(json!({"reason": "영업 정지"})))
        } else {
            (Method::DELETE, None)
        };
        self.send(
            &self.storefront_address,
            method,
            &path,
            Some(&operator()),
            None,
            body,
        )
        .await
        .expect(StatusCode::OK);
        self.until(&format!("/merchants/{merchant}"), |r| {
            r.body["suspended"] == suspend
        })
        .await;
    }

    /// A request to the storefront's HTTP API (a `null` body sends none).
    pub async fn storefront(
        &self,
        method: Method,
        path: &str,
        actor: &Actor,
        body: Value,
    ) -> Reply {
        let body = Some(body).filter(|b| !b.is_null());
        self.send(
            &self.storefront_address,
            method,
            path,
            Some(actor),
            None,
            body,
        )
        .await
    }

    /// The storefront's event log (what the voucher's consumers follow).
    pub fn storefront_log(&self) -> std::sync::Arc<dyn golmok_kernel::EventLog> {
        self.storefront.event_log()
    }

    /// A published product of `merchant` at `price` won with 100 units.
    pub async fn product(&self, merchant: Uuid, price: i64) -> Uuid {
        let owner = merchant_actor(merchant);
        let body = json!({"name": "노가리", "description": "", "price": price, "stock": 100});
        let path = format!("/merchants/{merchant}/products");
        let reply = self.storefront(Method::POST, &path, &owner, body).await;
        let product = id_of(reply.expect(StatusCode::CREATED));
        let path = format!("/merchants/{merchant}/products/{product}/publication");
        self.storefront(Method::POST, &path, &owner, json!({}))
            .await
            .expect(StatusCode::OK);
        product
    }

    /// Polls a storefront order as its buyer until `done` holds (at most 5 s).
    pub async fn order_until(
        &self,
        order: Uuid,
        buyer: &Actor,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        for _ in 0..100 {
            let reply = self
                .send(
                    &self.storefront_address,
                    Method::GET,
                    &format!("/orders/{order}"),
                    Some(buyer),
                    None,
                    None,
                )
                .await;
            if done(&reply.body) {
                return reply.body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("order {order} never reached the expected state");
    }

    /// Polls a GET as an official until `done` holds (at most 5 s).
    /// Polls `path` until `done`; 20 s of patience, since background passes
    /// (housekeeping, consumers) run late on a loaded 2-core machine.
    pub async fn until(&self, path: &str, done: impl Fn(&Reply) -> bool) -> Reply {
        self.poll(&self.address, path, done).await
    }

    /// [`Self::until`] on the storefront's API: the storefront's own read
    /// models apply its events independently of the voucher's consumers.
    pub async fn storefront_until(&self, path: &str, done: impl Fn(&Reply) -> bool) -> Reply {
        self.poll(&self.storefront_address, path, done).await
    }

    async fn poll(&self, address: &str, path: &str, done: impl Fn(&Reply) -> bool) -> Reply {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::time::Instant::now() < deadline {
            let reply = self
                .send(address, Method::GET, path, Some(&official()), None, None)
                .await;
            if done(&reply) {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{path} never reached the expected state within 20 s");
    }

    /// A citizen's purchase of `face`; returns the wallet id.
    pub async fn buy(&self, programme: Uuid, citizen: &Actor, face: i64) -> Uuid {
        let reply = self
            .post(
                &format!("/programmes/{programme}/purchases"),
                citizen,
                json!({"faceValue": face}),
            )
            .await;
        reply.expect(StatusCode::CREATED)["wallet"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// A hold (`route` = "holds") or a payment ("payments") from `wallet`.
    pub async fn redeem(
        &self,
        route: &str,
        wallet: Uuid,
        actor: &Actor,
        merchant: Uuid,
        amount: i64,
    ) -> Reply {
        let path = format!("/wallets/{wallet}/{route}");
        self.post(
            &path,
            actor,
            json!({"merchantId": merchant, "amount": amount}),
        )
        .await
    }

    pub async fn account(&self, programme: Uuid, code: &str) -> Value {
        let accounts = self
            .get(
                &format!("/programmes/{programme}/ledger/accounts"),
                &official(),
            )
            .await;
        accounts
            .expect(StatusCode::OK)
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// The whole ledger of a programme balances: total debits = total credits.
    pub async fn assert_balanced(&self, programme: Uuid) {
        let accounts = self
            .get(
                &format!("/programmes/{programme}/ledger/accounts"),
                &official(),
            )
            .await;
        let (mut debits, mut credits) = (0, 0);
        for account in accounts.expect(StatusCode::OK).as_array().unwrap() {
            debits += account["debitsPosted"].as_i64().unwrap()
                + account["debitsPending"].as_i64().unwrap();
            credits += account["creditsPosted"].as_i64().unwrap()
                + account["creditsPending"].as_i64().unwrap();
            if account["code"] != "issuer_float" {
                assert!(account["available"].as_i64().unwrap() >= 0, "{account}");
            }
        }
        assert_eq!(debits, credits);
    }
}

/// 10,000 and 50,000 won at 10 % off, 300,000 a month, 을지로 and 명동, food.
pub fn programme_body() -> Value {
    json!({
        "issuer": "서울특별시 중구",
        "name": "중구 사랑상품권",
        "region": "중구",
        "districts": ["을지로", "명동"],
        "faceValues": [10000, 50000],
        "discountBps": 1000,
        "monthlyCap": 300000,
        "validFrom": "2020-01-01",
        "validUntil": "2099-12-31",
        "categories": ["food"],
        "feeTiers": {"micro": 0, "small": 30, "medium": 50},
        "budget": 1000000,
    })
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

pub fn citizen(name: &str) -> Actor {
    actor(Role::Citizen, name, None)
}

pub fn merchant_actor(id: Uuid) -> Actor {
    actor(Role::Merchant, &format!("owner-of-{id}"), Some(id))
}

/// A fresh 사업자등록번호: nine digits from a counter, then the check digit
/// the storefront accepts.
pub fn business_number() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id()) * 1_000;
    let digits = format!("{:09}", (n * 7_919) % 1_000_000_000);
    (0..10)
        .map(|check| format!("{}-{}-{}{check}", &digits[..3], &digits[3..5], &digits[5..]))
        .find(|candidate| BusinessNumber::parse(candidate).is_ok())
        .expect("one check digit fits")
}
