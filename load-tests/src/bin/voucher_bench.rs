//! P6: voucher redemptions per second with every ledger invariant on. The
//! storefront, the voucher service (following the storefront's log, as
//! `golmok up` does) and the gateway over both run in this process on
//! embedded storage in a temp dir, served on loopback. The redemption is the
//! one-step payment (`POST /wallets/{id}/payments`, GraphQL `payWithVoucher`):
//! the API's main path, one command that debits the wallet and credits the
//! merchant (hold + capture is the two-step variant for card-terminal style
//! flows). Each client pays from its own wallet with a unique idempotency key
//! per call; every answer is checked, and after each round the wallets and
//! the ledger must have moved by exactly what was redeemed. Run in release mode:
//!
//! `cargo run --release -p load-tests --bin voucher_bench`
//!
//! `--history 0,100000` runs each round also with `--history-wallets` wallets
//! (4 by default) that already made that many payments the day before,
//! paying beside new wallets in the same round, to show that a long history
//! does not slow a payment: the wallet's state keeps only what decisions need
//! and a payment answers the payment, not the history. The past payments go
//! through the voucher's own command path (in process, the same decisions,
//! events and projections as the API's), all wallets at once, each seeded
//! once and reused by every round; after seeding, each wallet's balance and
//! its ledger account must equal what it bought less what it paid.
//! One wallet's payments are sequential (each waits for its durable append
//! and its projections): ≈ 135/s on the shared 2-core machine, so 100,000
//! take ≈ 12 minutes (wallets are seeded in parallel, each a little slower
//! with more of them): `--history 0,100000 --history-wallets 1`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use axum::Router;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::Parser;
use futures::future::try_join_all;
use gateway::auth::{Claims, SigningKey};
use gateway::{ServiceClient, Upstreams};
use golmok_kernel::LogTail;
use golmok_runtime::{
    ACTOR_HEADER, Actor, Following, IDEMPOTENCY_HEADER, Role, Service, TrustRoot,
};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use storefront::domain::business_number::BusinessNumber;
use uuid::Uuid;

#[derive(Parser)]
#[command(about = "Voucher redemption benchmark (PERFORMANCE.md P6)")]
struct Args {
    /// Seconds each round is driven.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent clients of each round (comma separated); each has its own wallet.
    #[arg(long, value_delimiter = ',', default_values_t = [16, 64])]
    clients: Vec<usize>,
    /// Merchants registered in the storefront that clients pay in turn.
    #[arg(long, default_value_t = 8)]
    merchants: usize,
    /// Past payments (made the day before) in each wallet before a round
    /// (comma separated: one round per value).
    #[arg(long, value_delimiter = ',', default_values_t = [0])]
    history: Vec<u64>,
    /// A fixed number of payments per client and round instead of
    /// `--seconds` (for instruction counts under callgrind: two runs with
    /// different counts, the difference divided by the extra payments).
    #[arg(long)]
    payments_per_client: Option<u64>,
    /// Wallets of a round with history that carry it; the round's other
    /// wallets are new.
    #[arg(long, default_value_t = 4)]
    history_wallets: usize,
    /// Paths measured (comma separated): `http` (the voucher's own API, the
    /// baseline) and `graphql` (through the gateway).
    #[arg(long, value_delimiter = ',', default_values_t = [String::from("http"), String::from("graphql")])]
    paths: Vec<String>,
}

impl Args {
    fn limit(&self) -> Limit {
        match self.payments_per_client {
            Some(count) => Limit::Count(count),
            None => Limit::Time(Duration::from_secs(self.seconds)),
        }
    }
}

/// How long each client of a round pays.
#[derive(Clone, Copy)]
enum Limit {
    Time(Duration),
    Count(u64),
}

impl Limit {
    fn more(self, started: Instant, made: u64) -> bool {
        match self {
            Limit::Time(duration) => started.elapsed() < duration,
            Limit::Count(count) => made < count,
        }
    }
}

/// P6 goal, redemptions per second on 2 cores.
const GOAL: f64 = 10_000.0;
/// One voucher of 1억 원 funds a wallet for tens of thousands of payments.
const FACE: i64 = 100_000_000;
/// Payments of 1,000..=2,170 won, never a round amount.
fn amount(n: u64) -> i64 {
    1_000 + i64::try_from(n % 10).unwrap_or(0) * 130 + 7
}
const MAX_AMOUNT: i64 = 2_177;
/// Upper bound assumed when funding wallets, so no round runs dry.
const FUNDING_RATE: u64 = 25_000;
/// Each seeded past payment, in won.
const SEED_AMOUNT: u64 = 10;

const PAY: &str = "mutation($in: RedeemVoucherInput!) { payWithVoucher(input: $in) { redemption { status amount } wallet { balance } userErrors { code message } } }";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Direct,
    Gateway,
}

impl Path {
    fn label(self) -> &'static str {
        match self {
            Path::Direct => "voucher HTTP API, POST /wallets/{id}/payments",
            Path::Gateway => "gateway GraphQL, payWithVoucher (voucher in-process)",
        }
    }
    fn tag(self) -> &'static str {
        match self {
            Path::Direct => "http",
            Path::Gateway => "graphql",
        }
    }
}

struct Suite {
    client: reqwest::Client,
    /// The voucher service in this process, for seeding past payments.
    service: std::sync::Arc<voucher::app::Voucher>,
    voucher: SocketAddr,
    gateway: SocketAddr,
    programme: Uuid,
    merchants: Vec<Uuid>,
    key: SigningKey,
    auth: gateway::AuthSettings,
}

/// A citizen and the wallet the benchmark funded for them.
#[derive(Clone)]
struct Payer {
    actor: Actor,
    wallet: Uuid,
    /// Bearer token for the gateway.
    token: String,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.merchants > 0 && !args.clients.is_empty());
    let dir = tempfile::tempdir()?;
    // One actor-assertion key for the gateway and the services, as `golmok up` has.
    let assertion_key = dir.path().join(golmok_runtime::ASSERTION_KEY_FILE);
    ROOT.set(TrustRoot::load_or_create(&assertion_key)?)
        .map_err(|_| anyhow::anyhow!("the trust root is set once"))?;
    let storefront = storefront::Application::build(storefront::Settings {
        data_dir: dir.path().join("storefront"),
        assertion_key_file: Some(assertion_key.clone()),
        ..storefront::Settings::default()
    })
    .await?;
    let voucher = voucher::Application::build(voucher::Settings {
        data_dir: dir.path().join("voucher"),
        assertion_key_file: Some(assertion_key.clone()),
        ..voucher::Settings::default()
    })
    .await?;
    // As `golmok up` with the in-process bus: the directory tails the storefront's log.
    let mut following = Following::default();
    following
        .start(&voucher, |subscription| {
            let directory = subscription.consumer() == "voucher.directory";
            anyhow::Ok(directory.then(|| LogTail::after(storefront.event_log(), 0)))
        })
        .await?;
    let settings = gateway::Settings {
        auth: gateway::AuthSettings {
            signing_key_file: dir.path().join("jwt.key"),
            assertion_key_file: assertion_key,
            ..gateway::AuthSettings::default()
        },
        data_dir: dir.path().join("gateway"),
        ..gateway::Settings::default()
    };
    let gateway = gateway::Application::build(
        settings.clone(),
        Upstreams::default()
            .with("storefront", ServiceClient::in_process(storefront.router()))
            .with("voucher", ServiceClient::in_process(voucher.router()))
            // Not paid through; the gateway wants every upstream named.
            .with("creator-media", ServiceClient::in_process(Router::new())),
    )
    .await?;
    let storefront_address = spawn_server(storefront.router()).await?;
    let voucher_address = spawn_server(voucher.router()).await?;
    let gateway_address = spawn_server(gateway.router()).await?;
    let client = reqwest::Client::new();

    let programme = create_programme(&client, voucher_address).await?;
    let merchants = try_join_all(
        (0..args.merchants)
            .map(|n| register_merchant(&client, storefront_address, voucher_address, n)),
    )
    .await?;
    let suite = Suite {
        client,
        service: std::sync::Arc::clone(voucher.voucher()),
        voucher: voucher_address,
        gateway: gateway_address,
        programme,
        merchants,
        key: SigningKey::load_or_create(&settings.auth.signing_key_file)?,
        auth: settings.auth.clone(),
    };

    println!(
        "voucher_bench: {} s per round, {} merchants, {} cores (load generator in the same process); \
         redemption = one-step payment, all ledger invariants and fraud rules on",
        args.seconds,
        args.merchants,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let mut rows = Vec::new();
    let mut groups = Vec::new();
    let mut seeded: BTreeMap<u64, Vec<Actor>> = BTreeMap::new();
    let fewest_clients = args.clients.iter().copied().min().unwrap_or(1);
    let history_wallets = args.history_wallets.min(fewest_clients);
    for &history in args.history.iter().filter(|h| **h > 0) {
        let started = Instant::now();
        let actors = suite.seed(history, history_wallets).await?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "seeded {history} past payments in each of {history_wallets} wallets in {seconds:.0} s \
             ({:.0} payments/s through the in-process command path); balances and ledger accounts verified",
            (history * history_wallets as u64) as f64 / seconds
        );
        seeded.insert(history, actors);
    }
    let paths = [Path::Direct, Path::Gateway]
        .into_iter()
        .filter(|path| args.paths.iter().any(|p| p == path.tag()));
    for path in paths {
        for &clients in &args.clients {
            for &history in &args.history {
                let old = seeded.get(&history).cloned().unwrap_or_default();
                let actors: Vec<Actor> = old
                    .iter()
                    .cloned()
                    .chain((old.len()..clients).map(|n| citizen(path, clients, history, n)))
                    .collect();
                let round = format!("{}-{clients}-{history}", path.tag());
                let payers = suite.fund(actors, &round, args.seconds).await?;
                let before = suite.totals(&payers).await?;
                let measured = suite.drive(path, &payers, args.limit(), &round).await?;
                let after = suite.totals(&payers).await?;
                let check = Check::new(&before, &after, measured.redeemed);
                println!(
                    "{} clients over {}, history {} in {} wallets: {}",
                    clients,
                    path.tag(),
                    history,
                    old.len(),
                    check.describe()
                );
                if !old.is_empty() {
                    groups.push((path, clients, history, Groups::of(&measured, old.len())));
                }
                rows.push((path, clients, history, measured, check));
            }
        }
    }
    println!();
    println!(
        "| path | clients | history (wallets with it) | redemptions/s | ÷ HTTP, same clients, history 0 | first s → last s | p50 ms | p99 ms | errors | totals check | goal |"
    );
    println!("|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|");
    for (path, clients, history, measured, check) in &rows {
        let baseline = rows
            .iter()
            .find(|(p, c, h, _, _)| *p == Path::Direct && c == clients && *h == 0)
            .map_or("—".to_owned(), |(_, _, _, base, _)| {
                format!("{:.2}", measured.rate / base.rate)
            });
        let errors = if measured.errors.is_empty() {
            "0".to_owned()
        } else {
            let codes: Vec<String> = measured
                .errors
                .iter()
                .map(|(code, n)| format!("{n} {code}"))
                .collect();
            codes.join(", ")
        };
        let carriers = if *history > 0 { history_wallets } else { 0 };
        println!(
            "| {} | {clients} | {history} ({carriers}) | {:.0} | {baseline} | {:.0} → {:.0} | {:.2} | {:.2} | {errors} | {} | P6 ≥ 10,000/s: {:.2}× |",
            path.label(),
            measured.rate,
            measured.first_second,
            measured.last_second,
            measured.p50_ms,
            measured.p99_ms,
            if check.ok() { "ok" } else { "MISMATCH" },
            measured.rate / GOAL,
        );
    }
    if !groups.is_empty() {
        println!();
        println!(
            "Wallets with history beside new wallets in the same round (payments/s per wallet, closed loop):"
        );
        println!(
            "| path | clients | past payments per history wallet | history wallets | per history wallet /s | per new wallet /s | ÷ new | p50 ms history / new |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---|");
        for (path, clients, history, g) in &groups {
            println!(
                "| {} | {clients} | {history} | {} | {:.1} | {:.1} | {:.2} | {:.2} / {:.2} |",
                path.tag(),
                g.old_wallets,
                g.old_rate,
                g.new_rate,
                g.old_rate / g.new_rate,
                g.old_p50_ms,
                g.new_p50_ms,
            );
        }
    }
    let failed = rows
        .iter()
        .any(|(_, _, _, m, c)| !c.ok() || !m.errors.is_empty());
    ensure!(
        !failed,
        "a round had refused redemptions or totals that do not add up"
    );
    Ok(())
}

async fn spawn_server(router: Router) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(address)
}

/// The citizen paying as client `n` of a round.
fn citizen(path: Path, clients: usize, history: u64, n: usize) -> Actor {
    Actor {
        subject: format!("citizen-{}-{clients}-{history}-{n}", path.tag()),
        role: Role::Citizen,
        merchant_id: None,
    }
}

fn official() -> Actor {
    Actor {
        subject: "official-jung-gu".to_owned(),
        role: Role::Official,
        merchant_id: None,
    }
}

/// The suite's actor-assertion root: the bench calls the services directly
/// with the assertions the gateway would send.
static ROOT: std::sync::OnceLock<TrustRoot> = std::sync::OnceLock::new();

/// `actor`'s assertion for `service`, as the gateway signs it.
fn asserted(service: &str, actor: &Actor) -> reqwest::header::HeaderValue {
    ROOT.get()
        .expect("the trust root is set at start")
        .key_for(service)
        .sign(Some(actor), std::time::SystemTime::now())
}

/// Sends a JSON request to `service` as `actor`; answers status and body.
async fn call(
    client: &reqwest::Client,
    service: &str,
    url: String,
    method: reqwest::Method,
    actor: &Actor,
    body: Option<Value>,
) -> anyhow::Result<(reqwest::StatusCode, Value)> {
    let mut request = client
        .request(method, url)
        .header(ACTOR_HEADER, asserted(service, actor));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).with_context(|| format!("not JSON: {text}"))?
    };
    Ok((status, body))
}

fn id_of(body: &Value) -> anyhow::Result<Uuid> {
    body["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no id in {body}"))
}

/// A programme of 중구 with a budget that no run exhausts.
async fn create_programme(client: &reqwest::Client, voucher: SocketAddr) -> anyhow::Result<Uuid> {
    let body = json!({
        "issuer": "서울특별시 중구",
        "name": "중구 사랑상품권 (bench)",
        "region": "중구",
        "districts": ["을지로", "명동"],
        "faceValues": [FACE],
        "discountBps": 1000,
        "monthlyCap": 1_000_000_000_000_i64,
        "validFrom": "2020-01-01",
        "validUntil": "2099-12-31",
        "categories": ["food"],
        "feeTiers": {"micro": 0, "small": 30, "medium": 50},
        "budget": 10_000_000_000_000_i64,
    });
    let url = format!("http://{voucher}/programmes");
    let (status, body) = call(
        client,
        "voucher",
        url,
        reqwest::Method::POST,
        &official(),
        Some(body),
    )
    .await?;
    ensure!(status == 201, "programme refused: {status} {body}");
    id_of(&body)
}

/// A fresh valid 사업자등록번호 for merchant `n`.
fn business_number(n: usize) -> anyhow::Result<String> {
    let digits = format!("{:09}", (n as u64 * 7_919 + 1_234_567) % 1_000_000_000);
    (0..10)
        .map(|check| format!("{}-{}-{}{check}", &digits[..3], &digits[3..5], &digits[5..]))
        .find(|candidate| BusinessNumber::parse(candidate).is_ok())
        .context("no check digit fits")
}

/// Registers merchant `n` in the storefront (을지로, food) and waits until the
/// voucher's directory, fed by the storefront's log, knows it.
async fn register_merchant(
    client: &reqwest::Client,
    storefront: SocketAddr,
    voucher: SocketAddr,
    n: usize,
) -> anyhow::Result<Uuid> {
    let operator = Actor {
        subject: "operator-1".to_owned(),
        role: Role::Operator,
        merchant_id: None,
    };
    let tier = ["MICRO", "SMALL", "MEDIUM"][n % 3];
    let body = json!({
        "businessNumber": business_number(n)?,
        "name": format!("을지로 노가리 {n}호점"),
        "kind": "RETAILER",
        "category": "food",
        "district": if n.is_multiple_of(2) { "을지로" } else { "명동" },
        "foundedOn": "2015-04-01",
        "revenueTier": tier,
    });
    let url = format!("http://{storefront}/merchants");
    let (status, body) = call(
        client,
        "storefront",
        url,
        reqwest::Method::POST,
        &operator,
        Some(body),
    )
    .await?;
    ensure!(status == 201, "merchant refused: {status} {body}");
    let id = id_of(&body)?;
    let started = Instant::now();
    loop {
        let url = format!("http://{voucher}/merchants/{id}");
        let (status, _) = call(
            client,
            "voucher",
            url,
            reqwest::Method::GET,
            &official(),
            None,
        )
        .await?;
        if status == 200 {
            return Ok(id);
        }
        ensure!(
            started.elapsed() < Duration::from_secs(10),
            "the voucher directory never saw merchant {id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn global_id(node_type: &str, id: Uuid) -> String {
    STANDARD.encode(format!("{node_type}:{}", id.hyphenated()))
}

/// Balances before or after a round: the wallets' own views (aggregate) and
/// the ledger's accounts.
struct Totals {
    wallets: i64,
    ledger_wallets: i64,
    ledger_merchants: i64,
    debits: i64,
    credits: i64,
    overdrawn: Vec<String>,
}

struct Check {
    wallets_before: i64,
    wallets_delta: i64,
    ledger_wallets_delta: i64,
    ledger_merchants_delta: i64,
    redeemed: i64,
    balanced: bool,
    overdrawn: Vec<String>,
}

impl Check {
    fn new(before: &Totals, after: &Totals, redeemed: i64) -> Check {
        Check {
            wallets_before: before.wallets,
            wallets_delta: after.wallets - before.wallets,
            ledger_wallets_delta: after.ledger_wallets - before.ledger_wallets,
            ledger_merchants_delta: after.ledger_merchants - before.ledger_merchants,
            redeemed,
            balanced: after.debits == after.credits,
            overdrawn: after.overdrawn.clone(),
        }
    }

    fn ok(&self) -> bool {
        self.wallets_delta == -self.redeemed
            && self.ledger_wallets_delta == -self.redeemed
            && self.ledger_merchants_delta == self.redeemed
            && self.balanced
            && self.overdrawn.is_empty()
    }

    fn describe(&self) -> String {
        format!(
            "{}: wallet balances {} → {} ({:+}); ledger wallet accounts {:+}, merchant accounts {:+}; \
             accepted payments total {}; debits = credits {}; overdrawn accounts {:?}",
            if self.ok() {
                "totals add up"
            } else {
                "TOTALS DO NOT ADD UP"
            },
            self.wallets_before,
            self.wallets_before + self.wallets_delta,
            self.wallets_delta,
            self.ledger_wallets_delta,
            self.ledger_merchants_delta,
            self.redeemed,
            if self.balanced { "yes" } else { "NO" },
            self.overdrawn,
        )
    }
}

#[derive(Deserialize)]
struct Reply {
    redemption: Option<RedemptionReply>,
    code: Option<String>,
    // The wallet comes with every reply; skipped, not built.
    #[serde(rename = "wallet")]
    _wallet: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RedemptionReply {
    status: String,
    amount: i64,
}

#[derive(Deserialize)]
struct GraphqlReply {
    data: Option<GraphqlData>,
    errors: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlData {
    pay_with_voucher: GraphqlPayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlPayload {
    redemption: Option<RedemptionReply>,
    wallet: Option<WalletReply>,
    user_errors: Vec<UserError>,
}

#[derive(Deserialize)]
struct WalletReply {
    balance: i64,
}

#[derive(Deserialize)]
struct UserError {
    code: Option<String>,
}

struct Measured {
    rate: f64,
    first_second: f64,
    last_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Sum of the amounts of accepted payments.
    redeemed: i64,
    errors: BTreeMap<String, usize>,
    /// Per client, in payer order: accepted payments and their latencies.
    clients: Vec<Vec<Duration>>,
    seconds: f64,
}

/// The wallets with history against the new ones of the same round.
struct Groups {
    old_wallets: usize,
    old_rate: f64,
    new_rate: f64,
    old_p50_ms: f64,
    new_p50_ms: f64,
}

impl Groups {
    /// The first `old` clients of `measured` carry history.
    fn of(measured: &Measured, old: usize) -> Groups {
        let (first, rest) = measured.clients.split_at(old.min(measured.clients.len()));
        let rate = |group: &[Vec<Duration>]| {
            let payments: usize = group.iter().map(Vec::len).sum();
            payments as f64 / group.len().max(1) as f64 / measured.seconds
        };
        let p50 = |group: &[Vec<Duration>]| {
            let latencies: Vec<Duration> = group.iter().flatten().copied().collect();
            load_tests::Percentiles::of(latencies).p50
        };
        Groups {
            old_wallets: first.len(),
            old_rate: rate(first),
            new_rate: rate(rest),
            old_p50_ms: p50(first),
            new_p50_ms: p50(rest),
        }
    }
}

/// What one client saw: accepted payments (time since start, latency), the
/// amount they moved, and every refusal by code.
#[derive(Default)]
struct ClientRun {
    accepted: Vec<(Duration, Duration)>,
    redeemed: i64,
    errors: BTreeMap<String, usize>,
}

impl Suite {
    /// The citizens `actors` of the programme, each with a wallet funded for
    /// the round `round` by purchases of 1억 원 vouchers (enough for the
    /// round at `FUNDING_RATE`).
    async fn fund(
        &self,
        actors: Vec<Actor>,
        round: &str,
        seconds: u64,
    ) -> anyhow::Result<Vec<Payer>> {
        let clients = actors.len() as u64;
        let per_wallet = FUNDING_RATE * seconds * MAX_AMOUNT as u64 / clients;
        let purchases = per_wallet.div_ceil(FACE as u64).max(1);
        let day = Duration::from_secs(86_400);
        try_join_all(actors.into_iter().map(|actor| async move {
            let subject = actor.subject.clone();
            let mut wallet = None;
            for purchase in 0..purchases {
                // Concurrent purchases all commit subsidy on the programme's
                // stream; a 503 after contention is retried with the same key.
                let url = format!(
                    "http://{}/programmes/{}/purchases",
                    self.voucher, self.programme
                );
                let key = format!("fund-{round}-{subject}-{purchase}");
                let body = loop {
                    let response = self
                        .client
                        .post(&url)
                        .header(ACTOR_HEADER, asserted("voucher", &actor))
                        .header(IDEMPOTENCY_HEADER, &key)
                        .json(&json!({"faceValue": FACE}))
                        .send()
                        .await?;
                    let status = response.status();
                    let body: Value = response.json().await?;
                    if status == 503 {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                    ensure!(status == 201, "purchase refused: {status} {body}");
                    break body;
                };
                wallet = Some(id_of(&body["wallet"])?);
            }
            let wallet = wallet.context("no purchase made")?;
            let token = self
                .key
                .mint(&Claims::new(subject, Role::Citizen, None, day, &self.auth));
            anyhow::Ok(Payer {
                actor,
                wallet,
                token,
            })
        }))
        .await
    }

    /// Opens `wallets` wallets two days ago with one voucher and makes
    /// `history` payments of `SEED_AMOUNT` from each the day before, through
    /// the voucher's command path (in process, each answered once the
    /// projections have applied it); all wallets at once. Then checks that
    /// each wallet and its ledger account hold what was bought less what was
    /// paid. A round's own purchases, today, start a new day for each wallet.
    async fn seed(&self, history: u64, wallets: usize) -> anyhow::Result<Vec<Actor>> {
        let now = chrono::Utc::now();
        let yesterday = now - chrono::TimeDelta::days(1);
        let actors: Vec<Actor> = (0..wallets)
            .map(|n| Actor {
                subject: format!("citizen-history-{history}-{n}"),
                role: Role::Citizen,
                merchant_id: None,
            })
            .collect();
        let seeded = try_join_all(actors.iter().cloned().enumerate().map(|(index, actor)| {
            let service = std::sync::Arc::clone(&self.service);
            let merchants = self.merchants.clone();
            let programme = self.programme;
            async move {
                let meta = golmok_kernel::CommandMeta::default();
                let bought = service
                    .purchase(
                        programme,
                        &actor.subject,
                        voucher::domain::Won(FACE),
                        &meta,
                        now - chrono::TimeDelta::days(2),
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("seeding purchase refused: {e}"))?;
                let wallet = bought.value.wallet.id;
                for n in 0..history {
                    let merchant = merchants[(index + n as usize) % merchants.len()];
                    let at = yesterday + chrono::TimeDelta::microseconds(n as i64);
                    let paid = service
                        .redeem(
                            wallet,
                            merchant,
                            voucher::domain::Won(SEED_AMOUNT as i64),
                            voucher::app::RedeemMode::Pay,
                            &actor,
                            &meta,
                            at,
                        )
                        .await
                        .map_err(|e| anyhow::anyhow!("seeding payment {n} refused: {e}"))?;
                    ensure!(
                        paid.value.redemption.is_some(),
                        "a seeded payment has no redemption"
                    );
                }
                anyhow::Ok(Payer {
                    actor,
                    wallet,
                    token: String::new(),
                })
            }
        }))
        .await?;
        let totals = self.totals(&seeded).await?;
        let expected = (FACE - (history * SEED_AMOUNT) as i64) * wallets as i64;
        ensure!(
            totals.wallets == expected
                && totals.ledger_wallets == expected
                && totals.debits == totals.credits
                && totals.overdrawn.is_empty(),
            "after seeding, wallets hold {} and their ledger accounts {} (expected {expected}); \
             debits {} credits {}; overdrawn {:?}",
            totals.wallets,
            totals.ledger_wallets,
            totals.debits,
            totals.credits,
            totals.overdrawn
        );
        Ok(actors)
    }

    async fn totals(&self, payers: &[Payer]) -> anyhow::Result<Totals> {
        let mut wallets = 0;
        for payer in payers {
            let url = format!("http://{}/wallets/{}", self.voucher, payer.wallet);
            let response = self
                .client
                .get(url)
                .header(ACTOR_HEADER, asserted("voucher", &payer.actor))
                .send()
                .await?;
            ensure!(
                response.status() == 200,
                "wallet read: {}",
                response.status()
            );
            let view: Value = response.json().await?;
            ensure!(view["held"] == 0, "no holds expected: {}", view["held"]);
            wallets += view["balance"].as_i64().context("balance")?;
        }
        let url = format!(
            "http://{}/programmes/{}/ledger/accounts",
            self.voucher, self.programme
        );
        let (status, accounts) = call(
            &self.client,
            "voucher",
            url,
            reqwest::Method::GET,
            &official(),
            None,
        )
        .await?;
        ensure!(status == 200, "ledger read: {status} {accounts}");
        let mut by_code = BTreeMap::new();
        let mut totals = Totals {
            wallets,
            ledger_wallets: 0,
            ledger_merchants: 0,
            debits: 0,
            credits: 0,
            overdrawn: Vec::new(),
        };
        for account in accounts.as_array().context("accounts")? {
            let code = account["code"].as_str().context("code")?.to_owned();
            let figure = |field: &str| account[field].as_i64().unwrap_or(i64::MIN);
            totals.debits += figure("debitsPosted") + figure("debitsPending");
            totals.credits += figure("creditsPosted") + figure("creditsPending");
            if code != "issuer_float" && figure("available") < 0 {
                totals.overdrawn.push(code.clone());
            }
            if code.starts_with("merchant:") {
                totals.ledger_merchants += figure("balance");
            }
            by_code.insert(code, figure("balance"));
        }
        for payer in payers {
            totals.ledger_wallets += by_code
                .get(&format!("wallet:{}", payer.wallet))
                .copied()
                .context("a funded wallet has no ledger account")?;
        }
        Ok(totals)
    }

    /// One client per payer, paying in a loop until `limit`.
    async fn drive(
        &self,
        path: Path,
        payers: &[Payer],
        limit: Limit,
        round: &str,
    ) -> anyhow::Result<Measured> {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (index, payer) in payers.iter().enumerate() {
            let client = self.client.clone();
            let payer = payer.clone();
            let merchants = self.merchants.clone();
            let (voucher, gateway) = (self.voucher, self.gateway);
            let run_tag = round.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut run = ClientRun::default();
                let wallet_global = global_id("VoucherWallet", payer.wallet);
                let mut n = 0_u64;
                while limit.more(started, n) {
                    let merchant = merchants[(index + n as usize) % merchants.len()];
                    let amount = amount(n + index as u64);
                    let key = format!("pay-{run_tag}-{index}-{n}");
                    n += 1;
                    let sent = Instant::now();
                    let outcome = match path {
                        Path::Direct => {
                            let response = client
                                .post(format!(
                                    "http://{voucher}/wallets/{}/payments",
                                    payer.wallet
                                ))
                                .header(ACTOR_HEADER, asserted("voucher", &payer.actor))
                                .header(IDEMPOTENCY_HEADER, &key)
                                .json(&json!({"merchantId": merchant, "amount": amount}))
                                .send()
                                .await?;
                            let status = response.status();
                            let bytes = response.bytes().await?;
                            let reply: Reply = serde_json::from_slice(&bytes)
                                .with_context(|| format!("{status}: not a reply"))?;
                            match (status.as_u16(), reply.redemption) {
                                (201, Some(r)) if r.status == "CAPTURED" && r.amount == amount => {
                                    Ok(amount)
                                }
                                _ => Err(reply.code.unwrap_or_else(|| format!("HTTP {status}"))),
                            }
                        }
                        Path::Gateway => {
                            let body = json!({"query": PAY, "variables": {"in": {
                                "walletId": wallet_global,
                                "merchantId": global_id("Merchant", merchant),
                                "amount": amount,
                                "idempotencyKey": key,
                            }}});
                            let response = client
                                .post(format!("http://{gateway}/graphql"))
                                .bearer_auth(&payer.token)
                                .json(&body)
                                .send()
                                .await?;
                            let status = response.status();
                            let bytes = response.bytes().await?;
                            let reply: GraphqlReply = serde_json::from_slice(&bytes)
                                .with_context(|| format!("{status}: not a GraphQL reply"))?;
                            graphql_outcome(status.as_u16(), reply, amount)
                        }
                    };
                    match outcome {
                        Ok(amount) => {
                            run.accepted.push((started.elapsed(), sent.elapsed()));
                            run.redeemed += amount;
                        }
                        Err(code) => *run.errors.entry(code).or_insert(0) += 1,
                    }
                }
                anyhow::Ok(run)
            }));
        }
        let mut accepted = Vec::new();
        let mut redeemed = 0;
        let mut errors = BTreeMap::new();
        let mut clients = Vec::new();
        for task in tasks {
            let run = task.await??;
            clients.push(run.accepted.iter().map(|(_, latency)| *latency).collect());
            accepted.extend(run.accepted);
            redeemed += run.redeemed;
            for (code, n) in run.errors {
                *errors.entry(code).or_insert(0) += n;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        if accepted.is_empty() {
            bail!("no payment was accepted: {errors:?}");
        }
        let in_window = |from: f64, to: f64| {
            accepted
                .iter()
                .filter(|(at, _)| (from..to).contains(&at.as_secs_f64()))
                .count() as f64
                / (to - from)
        };
        let window = match limit {
            Limit::Time(duration) => duration.as_secs_f64(),
            Limit::Count(_) => elapsed,
        };
        let first_second = in_window(0.0, 1.0_f64.min(window));
        let last_second = in_window((window - 1.0).max(0.0), window);
        let mut latencies: Vec<Duration> = accepted.iter().map(|(_, l)| *l).collect();
        latencies.sort();
        let at =
            |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        Ok(Measured {
            rate: latencies.len() as f64 / elapsed,
            first_second,
            last_second,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            redeemed,
            errors,
            clients,
            seconds: elapsed,
        })
    }
}

fn graphql_outcome(status: u16, reply: GraphqlReply, amount: i64) -> Result<i64, String> {
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    if let Some(errors) = reply.errors.filter(|e| !e.is_empty()) {
        let code = errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("GRAPHQL_ERROR");
        return Err(code.to_owned());
    }
    let payload = reply
        .data
        .map(|d| d.pay_with_voucher)
        .ok_or_else(|| "NO_DATA".to_owned())?;
    if let Some(error) = payload.user_errors.first() {
        return Err(error
            .code
            .clone()
            .unwrap_or_else(|| "USER_ERROR".to_owned()));
    }
    match payload.redemption {
        Some(_) if payload.wallet.is_none_or(|w| w.balance < 0) => Err("NO_WALLET".to_owned()),
        Some(r) if r.status == "CAPTURED" && r.amount == amount => Ok(amount),
        Some(r) => Err(format!("STATUS_{}", r.status)),
        None => Err("NO_REDEMPTION".to_owned()),
    }
}
