use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The services' accessors (`tables()`, `event_log()`) for the tests.
pub use golmok_runtime::Service;
use golmok_runtime::{Actor, Following};
use golmok_testkit::service::{Client, Served, test_settings};
pub use golmok_testkit::service::{Reply, citizen, id_of, merchant_actor, official, operator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storefront::domain::business_number::BusinessNumber;
use tempfile::TempDir;
use uuid::Uuid;
use voucher::config::VoucherSection;
use voucher::{Application, Settings};

pub struct TestApp {
    pub app: Application,
    storefront: storefront::Application,
    /// Each service's consumers of the other's events.
    following: Following,
    voucher_api: Client,
    storefront_api: Client,
    servers: Vec<Served>,
    _dir: TempDir,
}

pub fn settings(dir: &TempDir) -> Settings {
    Settings {
        own: VoucherSection {
            housekeeping_interval_secs: 0,
            ..VoucherSection::default()
        },
        ..test_settings(&dir.path().join("voucher"), Settings::default())
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Builds both services with the voucher settings changed by `change`.
pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(tempfile::tempdir().expect("temp dir"), change).await
}

/// Builds both services on the data directories under `dir`.
async fn spawn_on(dir: TempDir, change: impl FnOnce(&mut Settings)) -> TestApp {
    let storefront = storefront::Application::build(test_settings(
        &dir.path().join("storefront"),
        storefront::Settings::default(),
    ))
    .await
    .expect("storefront builds");
    let mut settings = settings(&dir);
    change(&mut settings);
    let app = Application::build(settings).await.expect("voucher builds");
    let following = Following::in_process(&[&storefront as &dyn Service, &app])
        .await
        .expect("each service follows the other");
    let voucher_server = Served::router(app.router()).await;
    let storefront_server = Served::router(storefront.router()).await;
    let voucher_api = voucher_server
        .client()
        .signing(app.hosted().assertions.clone());
    let storefront_api = storefront_server
        .client()
        .signing(storefront.hosted().assertions.clone());
    TestApp {
        app,
        storefront,
        following,
        voucher_api,
        storefront_api,
        servers: vec![voucher_server, storefront_server],
        _dir: dir,
    }
}

/// Its calls (`call`, `post`) go to the voucher.
impl std::ops::Deref for TestApp {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.voucher_api
    }
}

impl TestApp {
    /// A wallet's redemptions (its history read model), newest first.
    pub async fn redemptions(&self, wallet: impl std::fmt::Display, owner: &Actor) -> Value {
        let page = self
            .get(&format!("/wallets/{wallet}/redemptions?first=100"), owner)
            .await;
        let page = page.expect(StatusCode::OK);
        assert!(page["nextCursor"].is_null(), "one page holds them: {page}");
        page["items"].clone()
    }

    /// Stops serving and shuts both services down; answers the data directory.
    pub async fn halt(self) -> TempDir {
        for server in self.servers {
            server.stop().await;
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

    pub async fn get(&self, path: &str, actor: &Actor) -> Reply {
        self.call(Method::GET, path, Some(actor), None, None).await
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
            .storefront_api
            .call(
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
        self.storefront_api
            .call(method, &path, Some(&operator()), None, body)
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
        self.storefront_api
            .call(method, path, Some(actor), None, body)
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
                .storefront_api
                .call(
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
        self.poll(&self.voucher_api, path, done).await
    }

    /// [`Self::until`] on the storefront's API: the storefront's own read
    /// models apply its events independently of the voucher's consumers.
    pub async fn storefront_until(&self, path: &str, done: impl Fn(&Reply) -> bool) -> Reply {
        self.poll(&self.storefront_api, path, done).await
    }

    async fn poll(&self, api: &Client, path: &str, done: impl Fn(&Reply) -> bool) -> Reply {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::time::Instant::now() < deadline {
            let reply = api
                .call(Method::GET, path, Some(&official()), None, None)
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
