//! The CQL node goes away while `golmok serve storefront` runs on it (Apache
//! Cassandra 5.0 standing in for ScyllaDB, see docs/adr/0007): first killed
//! with `kill -9` and restarted on its data directory, then frozen with
//! `SIGSTOP` and continued. Each time `/readyz` answers 503 within seconds,
//! commands and reads answer `503 STORE_UNAVAILABLE` with `Retry-After`
//! (never a success that was not stored, never a hang past the request
//! timeout), `/livez` stays 200; once the node answers again the service is
//! ready without a restart, a command retried with its idempotency key is
//! applied once, and everything acknowledged before is still there.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use golmok_runtime::{ASSERTION_KEY_FILE, Actor, Role, TrustRoot};
use golmok_testkit::Cassandra;
use golmok_testkit::service::{Client, Reply};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{GOLMOK, Golmok, business_number};

/// Each CQL request's timeout in this test (`request_timeout_ms`).
const REQUEST_TIMEOUT: Duration = Duration::from_millis(2_000);
/// How often the store's health probe runs (`health_probe_ms`).
const PROBE: Duration = Duration::from_millis(500);
/// What a lost node may take to show on `/readyz`: two failed probes and slack
/// for a loaded machine.
const UNREADY_WITHIN: Duration = Duration::from_secs(10);
/// What a request may take while the node does not answer: one request
/// timeout and slack.
const ANSWER_WITHIN: Duration = Duration::from_secs(6);

/// One outage's figures.
struct Outage {
    kind: &'static str,
    unready_after: Duration,
    command_answered_in: Duration,
    node_answered_after: Duration,
    ready_after: Duration,
    /// 503s the first command got after `/readyz` said ready again.
    refused_once_ready: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_cql_node_makes_golmok_unready_and_answer_503_until_it_is_back() {
    let mut node = tokio::task::spawn_blocking(Cassandra::start)
        .await
        .expect("a Cassandra node");
    let data = tempfile::tempdir().unwrap();
    let keyspace = format!("storefront_{}", uuid::Uuid::now_v7().simple());
    let config = data.path().join("golmok.toml");
    std::fs::write(
        &config,
        format!(
            "[storefront.storage]\nkind = \"scylla\"\ncontact_points = [\"{}\"]\nkeyspace = \"{keyspace}\"\nrequest_timeout_ms = {}\nhealth_probe_ms = {}\n",
            node.contact_point(),
            REQUEST_TIMEOUT.as_millis(),
            PROBE.as_millis(),
        ),
    )
    .unwrap();
    migrate(&config, data.path());
    let storefront = Golmok::serve_configured("storefront", data.path(), &config);
    let key = TrustRoot::load_or_create(&data.path().join(ASSERTION_KEY_FILE))
        .expect("the process's actor-assertion key")
        .key_for("storefront");
    let api = Client::new(&storefront.base).signing(key);
    assert_eq!(storefront.get("/readyz").await, (200, "ready".to_owned()));
    let first = register(&api, 1).await;
    let mut stored = vec![expect_created(&first)];
    let mut figures = Vec::new();

    // kill -9: the node's connections are reset; it comes back on its data directory.
    let lost = Instant::now();
    tokio::task::block_in_place(|| node.kill());
    let unready_after = until_readyz(&storefront, 503, lost, UNREADY_WITHIN).await;
    let (refused, command_answered_in) = during_outage(&storefront, &api, 2, &keyspace).await;
    expect_store_unavailable(&refused);
    let back = Instant::now();
    tokio::task::block_in_place(|| node.restart());
    let node_answered_after = back.elapsed();
    let ready_after = until_readyz(&storefront, 200, back, Duration::from_secs(90)).await;
    let (second, refused_once_ready) = register_once_ready(&api, 2).await;
    stored.push(second);
    assert_all_there(&api, &stored).await;
    figures.push(Outage {
        kind: "kill -9, restart",
        unready_after,
        command_answered_in,
        node_answered_after,
        ready_after,
        refused_once_ready,
    });

    // SIGSTOP: connections stay open and nothing answers; SIGCONT answers
    // what waited. Writers register merchants throughout, so some commands
    // are mid-write (a conditional write sent, its answer never read) when
    // the node stops: their outcome is unknown, and they must say so.
    let writers = Writers::start(&api, 100);
    writers.until_created(4).await;
    let lost = Instant::now();
    node.freeze();
    let unready_after = until_readyz(&storefront, 503, lost, UNREADY_WITHIN).await;
    let (refused, command_answered_in) = during_outage(&storefront, &api, 3, &keyspace).await;
    expect_store_unavailable(&refused);
    let back = Instant::now();
    node.thaw();
    let ready_after = until_readyz(&storefront, 200, back, Duration::from_secs(30)).await;
    let created_before = writers.created();
    writers.until_created(created_before + 4).await;
    let attempts = writers.stop().await;
    // A refused command may have been applied once the node answered: the
    // same key answers it (replayed or executed now), and once only.
    let (third, refused_once_ready) = register_once_ready(&api, 3).await;
    assert_eq!(expect_created(&register(&api, 3).await), third);
    stored.push(third);
    let mut refused_keys = Vec::new();
    for (n, reply) in &attempts {
        if reply.status == StatusCode::CREATED {
            stored.push(expect_created(reply));
        } else {
            expect_store_unavailable(reply);
            refused_keys.push(*n);
        }
    }
    for n in &refused_keys {
        let id = expect_created(&register(&api, *n).await);
        assert_eq!(expect_created(&register(&api, *n).await), id);
        stored.push(id);
    }
    assert_all_there(&api, &stored).await;
    eprintln!(
        "SIGSTOP phase: the writers sent {} commands: {} answered 201, {} answered 503 STORE_UNAVAILABLE (each retried with its key: 201 once, the same merchant again), 0 other answers",
        attempts.len(),
        attempts.len() - refused_keys.len(),
        refused_keys.len(),
    );
    figures.push(Outage {
        kind: "SIGSTOP, SIGCONT",
        unready_after,
        command_answered_in,
        node_answered_after: Duration::ZERO,
        ready_after,
        refused_once_ready,
    });

    eprintln!(
        "CQL outage under `golmok serve storefront` (probe every {PROBE:?}, request timeout {REQUEST_TIMEOUT:?}):"
    );
    eprintln!(
        "{:<18} {:>16} {:>18} {:>20} {:>16} {:>14}",
        "outage",
        "→ /readyz 503",
        "command 503 in",
        "node answers CQL",
        "→ /readyz 200",
        "503s once ready"
    );
    for outage in &figures {
        eprintln!(
            "{:<18} {:>15.1}s {:>17.1}s {:>19.1}s {:>15.1}s {:>14}",
            outage.kind,
            outage.unready_after.as_secs_f64(),
            outage.command_answered_in.as_secs_f64(),
            outage.node_answered_after.as_secs_f64(),
            outage.ready_after.as_secs_f64(),
            outage.refused_once_ready,
        );
    }
    let (status, _) = storefront.terminate();
    assert!(status.success());
}

fn migrate(config: &Path, data_dir: &Path) {
    let migrated = Command::new(GOLMOK)
        .args(["migrate", "scylla", "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("golmok migrate runs");
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
}

/// Registers the `n`th merchant as it signs itself up (a merchant-role
/// caller whose token names its merchant id), with the idempotency key
/// `merchant-<n>`. The id is the caller's, so a retry names the same
/// merchant even when the first try claimed the business number and then
/// failed (an operator's registration gets a fresh id per request: its
/// retry would find the number claimed for two minutes).
async fn register(api: &Client, n: u32) -> Reply {
    let body = json!({
        "businessNumber": business_number(n), "name": format!("망원 빵집 {n}"),
        "kind": "RETAILER", "category": "bakery", "district": "망원동",
        "foundedOn": "1990-03-01", "revenueTier": "MICRO"
    });
    let merchant = Actor {
        subject: format!("owner-{n}"),
        role: Role::Merchant,
        merchant_id: Some(merchant_id(n)),
    };
    let key = format!("merchant-{n}");
    let reply = api
        .call(
            Method::POST,
            "/merchants",
            Some(&merchant),
            Some(&key),
            Some(body),
        )
        .await;
    if reply.status == StatusCode::CREATED {
        assert_eq!(reply.body["id"], merchant_id(n).to_string());
    }
    reply
}

/// The id the `n`th merchant signs up under.
fn merchant_id(n: u32) -> Uuid {
    Uuid::from_fields(n, 0, 0x7000, &[0x80, 0, 0, 0, 0, 0, 0, 0])
}

/// Registers the `n`th merchant once `/readyz` is ready again, as a client
/// honouring `Retry-After` would: its id, and how many 503s it got first.
async fn register_once_ready(api: &Client, n: u32) -> (Value, u32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut refused = 0;
    loop {
        let reply = register(api, n).await;
        if reply.status == StatusCode::CREATED {
            return (expect_created(&reply), refused);
        }
        expect_store_unavailable(&reply);
        refused += 1;
        assert!(
            Instant::now() < deadline,
            "merchant {n} still refused {refused} times after /readyz said ready: {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[track_caller]
fn expect_created(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].clone()
}

#[track_caller]
fn expect_store_unavailable(reply: &Reply) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.body["code"], "STORE_UNAVAILABLE", "{}", reply.body);
    assert_eq!(
        reply
            .headers
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("1")
    );
}

/// While the node is away: `/livez` 200, the store reported unreachable on
/// `/metrics`, a read 503, and the `n`th registration refused (returned with
/// how long it took).
async fn during_outage(
    storefront: &Golmok,
    api: &Client,
    n: u32,
    keyspace: &str,
) -> (Reply, Duration) {
    assert_eq!(storefront.get("/livez").await, (200, "ok".to_owned()));
    let (_, metrics) = storefront.get("/metrics").await;
    let gauge = format!("golmok_store_reachable{{keyspace=\"{keyspace}\"}} 0");
    assert!(metrics.contains(&gauge), "{gauge} not in:\n{metrics}");
    let (status, reason) = storefront.get("/readyz").await;
    assert_eq!(
        (status, reason.as_str()),
        (503, "not ready: store unreachable (storefront)")
    );
    let started = Instant::now();
    let refused = register(api, n).await;
    let answered_in = started.elapsed();
    assert!(
        answered_in < ANSWER_WITHIN,
        "the command took {answered_in:?} to answer"
    );
    let started = Instant::now();
    let read = api
        .call(Method::GET, "/merchants?district=망원동", None, None, None)
        .await;
    assert!(
        started.elapsed() < ANSWER_WITHIN,
        "the read took {:?}",
        started.elapsed()
    );
    expect_store_unavailable(&read);
    (refused, answered_in)
}

/// Waits until `/readyz` answers `status`; how long after `since` it did.
async fn until_readyz(
    storefront: &Golmok,
    status: u16,
    since: Instant,
    limit: Duration,
) -> Duration {
    loop {
        if storefront.get("/readyz").await.0 == status {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < limit,
            "/readyz did not answer {status} within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Commands sent throughout an outage: two tasks register merchants one
/// after the other, each answer kept.
struct Writers {
    stop: Arc<AtomicBool>,
    attempts: Arc<Mutex<Vec<(u32, Reply)>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    /// Starts registering the merchants `first`, `first + 1`, ….
    fn start(api: &Client, first: u32) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..2)
            .map(|writer| {
                let (api, stop, attempts) = (api.clone(), stop.clone(), attempts.clone());
                tokio::spawn(async move {
                    let mut n = first + writer;
                    while !stop.load(Ordering::SeqCst) {
                        let reply = register(&api, n).await;
                        attempts.lock().unwrap().push((n, reply));
                        n += 2;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                })
            })
            .collect();
        Writers {
            stop,
            attempts,
            tasks,
        }
    }

    /// Commands answered 201 so far.
    fn created(&self) -> usize {
        let attempts = self.attempts.lock().unwrap();
        attempts
            .iter()
            .filter(|(_, reply)| reply.status == StatusCode::CREATED)
            .count()
    }

    async fn until_created(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.created() < count {
            assert!(
                Instant::now() < deadline,
                "the writers never got {count} commands through"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops them and returns every answer.
    async fn stop(self) -> Vec<(u32, Reply)> {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            task.await.expect("a writer finishes");
        }
        let mut attempts = self.attempts.lock().unwrap();
        std::mem::take(&mut *attempts)
    }
}

/// Every merchant in `ids` reads back, and the directory lists each once
/// (waiting for the projection, which retried through the outage).
async fn assert_all_there(api: &Client, ids: &[Value]) {
    for id in ids {
        let id = id.as_str().expect("an id");
        let found = api
            .call(Method::GET, &format!("/merchants/{id}"), None, None, None)
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = directory(api).await;
        if ids.iter().all(|id| listed.contains(id)) {
            assert_eq!(listed.len(), ids.len(), "{listed:?}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the directory never listed {ids:?}: {listed:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ids of every merchant in the 망원동 directory, page by page.
async fn directory(api: &Client) -> Vec<Value> {
    let mut listed = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(cursor) => format!("/merchants?district=망원동&first=100&after={cursor}"),
            None => "/merchants?district=망원동&first=100".to_owned(),
        };
        let page = api.call(Method::GET, &path, None, None, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body["items"].as_array().expect("items");
        listed.extend(items.iter().map(|merchant| merchant["id"].clone()));
        match page.body["nextCursor"].as_str() {
            Some(cursor) => after = Some(cursor.to_owned()),
            None => return listed,
        }
    }
}
