//! Serves the gateway on 127.0.0.1:0 over a storefront router whose calls
//! are recorded, and talks to it like a partner app.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use gateway::auth::{Claims, SigningKey};
use gateway::{Application, AuthSettings, LimitSettings, ServiceClient, Settings, Upstreams};
use golmok_runtime::{
    ACTOR_HEADER, Actor, AssertionKey, Following, Readiness, Role, Service, TrustRoot,
    init_telemetry, with_ops,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// One request the gateway sent to the storefront.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamCall {
    pub method: String,
    pub path: String,
    pub actor: Option<Actor>,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub key: SigningKey,
    calls: Arc<Mutex<Vec<UpstreamCall>>>,
    /// The real storefront, voucher and creator-media services behind the
    /// gateway, when there are.
    _storefront: Option<storefront::Application>,
    _voucher: Option<voucher::Application>,
    _creator_media: Option<creator_media::Application>,
    _following: Option<Following>,
    _storefront_dir: Option<tempfile::TempDir>,
    /// The gateway, and its promotion feed's consumer when a creator-media
    /// service runs behind it (`spawn_app`).
    pub gateway: Application,
    pub feed: Option<gateway::FeedFollower>,
    _dir: tempfile::TempDir,
}

/// The gateway over a real storefront on a temporary data directory, its
/// promotion feed following creator-media's log.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

/// [`spawn_app`] with the real storefront's router wrapped by `wrap` (to
/// inject its failures).
pub async fn spawn_app_wrapping(wrap: impl FnOnce(Router) -> Router) -> TestApp {
    following_feed(spawn_services_over(Settings::default(), wrap).await).await
}

/// [`spawn_app`] with `settings`.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    following_feed(spawn_services_over(settings, |storefront| storefront).await).await
}

/// `app` with its feeds following creator-media's and the storefront's logs.
async fn following_feed(mut app: TestApp) -> TestApp {
    let tail = |service: &dyn Service| golmok_kernel::LogTail::after(service.event_log(), 0);
    let creator_media = app
        .gateway
        .follow_feed(
            golmok_contracts::creator_media::SERVICE,
            tail(app.creator_media()),
        )
        .await
        .expect("the feed follows creator-media");
    let storefront = app
        .gateway
        .follow_feed(
            golmok_contracts::storefront::SERVICE,
            tail(app.storefront()),
        )
        .await
        .expect("the feed follows the storefront");
    app.feed = Some(creator_media.and(storefront));
    app
}

/// The gateway (with `settings`) over the real services on a temporary data
/// directory, the storefront's router wrapped by `wrap`; its promotion feed
/// follows nothing yet.
async fn spawn_services_over(
    mut gateway: Settings,
    wrap: impl FnOnce(Router) -> Router,
) -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    // One actor-assertion key for the gateway and the services, as `golmok up` has.
    let assertion_key = Some(data.path().join(golmok_runtime::ASSERTION_KEY_FILE));
    gateway.auth.assertion_key_file = data.path().join(golmok_runtime::ASSERTION_KEY_FILE);
    let settings = storefront::Settings {
        data_dir: data.path().join("storefront"),
        assertion_key_file: assertion_key.clone(),
        ..storefront::Settings::default()
    };
    let storefront = storefront::Application::build(settings)
        .await
        .expect("storefront builds");
    let voucher = voucher::Application::build(voucher::Settings {
        data_dir: data.path().join("voucher"),
        assertion_key_file: assertion_key.clone(),
        own: voucher::config::VoucherSection {
            housekeeping_interval_secs: 0,
            ..Default::default()
        },
        ..voucher::Settings::default()
    })
    .await
    .expect("voucher builds");
    let creator_media = creator_media::Application::build(creator_media::Settings {
        data_dir: data.path().join("creator-media"),
        assertion_key_file: assertion_key,
        ..creator_media::Settings::default()
    })
    .await
    .expect("creator-media builds");
    let following = Following::in_process(&[&storefront as &dyn Service, &voucher, &creator_media])
        .await
        .expect("each service follows the other");
    let services = Routers {
        storefront: wrap(storefront.router()),
        voucher: voucher.router(),
        creator_media: creator_media.router(),
    };
    let mut app = spawn_services_with(services, gateway).await;
    app._storefront = Some(storefront);
    app._voucher = Some(voucher);
    app._creator_media = Some(creator_media);
    app._following = Some(following);
    app._storefront_dir = Some(data);
    app
}

/// The routers of the services behind the gateway.
struct Routers {
    storefront: Router,
    voucher: Router,
    creator_media: Router,
}

impl Routers {
    /// `storefront`, and no other service.
    fn storefront_only(storefront: Router) -> Routers {
        Routers {
            storefront,
            voucher: Router::new(),
            creator_media: Router::new(),
        }
    }
}

/// The gateway over `storefront` (and no other service), with `limits`.
pub async fn spawn_gateway(storefront: Router, limits: LimitSettings) -> TestApp {
    spawn_services(Routers::storefront_only(storefront), limits).await
}

/// The gateway over `storefront` (and no other service), with `settings`
/// (its signing key file is replaced by a temporary one).
pub async fn spawn_configured(storefront: Router, settings: Settings) -> TestApp {
    spawn_services_with(Routers::storefront_only(storefront), settings).await
}

/// The gateway over `services`, with `limits`.
async fn spawn_services(services: Routers, limits: LimitSettings) -> TestApp {
    let settings = Settings {
        limits,
        ..Settings::default()
    };
    spawn_services_with(services, settings).await
}

async fn spawn_services_with(services: Routers, mut settings: Settings) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    settings.auth.signing_key_file = dir.path().join("keys/jwt.key");
    if settings.auth.assertion_key_file == AuthSettings::default().assertion_key_file {
        // Services built here read the key the caller gave; a stand-in
        // router reads none, and the gateway's key stays in the test's dir.
        settings.auth.assertion_key_file = dir.path().join("keys/actor-assertion.key");
    }
    settings.data_dir = dir.path().join("gateway");
    let calls = Arc::new(Mutex::new(Vec::new()));
    // The recorder reads the caller as the storefront does: from the
    // gateway's assertion, checked with the storefront's key.
    let storefront_key = TrustRoot::load_or_create(&settings.auth.assertion_key_file)
        .expect("the actor-assertion key")
        .key_for("storefront");
    let recorded = services.storefront.layer(middleware::from_fn_with_state(
        (calls.clone(), storefront_key),
        record,
    ));
    let upstreams = Upstreams::default()
        .with("storefront", ServiceClient::in_process(recorded))
        .with("voucher", ServiceClient::in_process(services.voucher))
        .with(
            "creator-media",
            ServiceClient::in_process(services.creator_media),
        );
    let app = Application::build(settings.clone(), upstreams)
        .await
        .expect("gateway builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    // Served the way `golmok up` serves it: with the ops routes and request
    // metrics, so tests see /livez, /readyz and /metrics as operators do.
    let readiness = Readiness::default();
    readiness.set(true);
    let router = with_ops(app.router(), readiness, init_telemetry());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let key =
        SigningKey::load_or_create(&settings.auth.signing_key_file).expect("the gateway's key");
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        settings,
        key,
        calls,
        _storefront: None,
        _voucher: None,
        _creator_media: None,
        _following: None,
        _storefront_dir: None,
        gateway: app,
        feed: None,
        _dir: dir,
    }
}

async fn record(
    State((calls, key)): State<(Arc<Mutex<Vec<UpstreamCall>>>, AssertionKey)>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let actor = key
        .verify(request.headers().get(ACTOR_HEADER), SystemTime::now())
        .expect("the gateway signs every call for the storefront");
    calls.lock().expect("calls").push(UpstreamCall {
        method: request.method().to_string(),
        path: request.uri().to_string(),
        actor,
    });
    next.run(request).await
}

impl TestApp {
    /// The creator-media service behind the gateway (`spawn_app`).
    pub fn creator_media(&self) -> &creator_media::Application {
        self._creator_media
            .as_ref()
            .expect("spawn_app runs creator-media")
    }

    pub fn storefront(&self) -> &storefront::Application {
        self._storefront
            .as_ref()
            .expect("spawn_app runs the storefront")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A valid token for `role` (and `merchant`), with a fresh subject.
    pub fn token(&self, role: Role, merchant: Option<Uuid>) -> String {
        self.token_for(
            &format!("{}-{}", role.as_str(), Uuid::now_v7()),
            role,
            merchant,
        )
    }

    pub fn token_for(&self, subject: &str, role: Role, merchant: Option<Uuid>) -> String {
        let claims = Claims::new(
            subject,
            role,
            merchant,
            Duration::from_secs(600),
            &self.settings.auth,
        );
        self.key.mint(&claims)
    }

    /// POSTs a raw JSON body to /graphql with an optional Authorization value.
    pub async fn post_raw(
        &self,
        authorization: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.expect("gateway answers");
        let status = response.status();
        let body = response.json().await.expect("a JSON answer");
        (status, body)
    }

    /// Runs one operation, with a bearer token when given.
    pub async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let body =
            serde_json::to_vec(&json!({"query": query, "variables": variables})).expect("body");
        let authorization = token.map(|t| format!("Bearer {t}"));
        self.post_raw(authorization.as_deref(), body).await
    }

    /// Runs one operation that must succeed without errors; returns `data`.
    pub async fn data(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// What the gateway has asked the storefront so far.
    pub fn upstream_calls(&self) -> Vec<UpstreamCall> {
        self.calls.lock().expect("calls").clone()
    }

    pub fn forget_upstream_calls(&self) {
        self.calls.lock().expect("calls").clear();
    }
}

/// The codes of a response's GraphQL errors.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}
