//! `golmok dlq list|replay` against real processes. The poison is a real
//! one an operator can fix: the voucher's merchant directory row of a
//! merchant is damaged (as a bad disk or a bad hand would), so the
//! directory consumer dead-letters the merchant's suspension; the operator
//! sees it with its reason, a replay before the fix fails again, the row is
//! repaired, and a replay applies the suspension once; a second replay
//! changes nothing. In process (`golmok up`, the letters in the consumer's
//! table) and over Kafka (`golmok serve`, the letters on
//! `voucher.directory.dlq.v1`, plus an undecodable record that can never be
//! applied).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{Mutation, Tables};
use golmok_runtime::{ACTOR_HEADER, Actor, Role};
use golmok_testkit::Kafka;
use serde_json::{Value, json};

use crate::support::{
    GOLMOK, Golmok, asserted, business_number, free_address, token, token_command,
};

const CONSUMER: &str = "voucher.directory";
/// The voucher's merchant directory table (`voucher::app` keeps it private).
const DIRECTORY: &str = "voucher_merchants";

/// `golmok dlq <args> --data-dir <data_dir>`: (success, stdout, stderr).
fn dlq(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(GOLMOK)
        .arg("dlq")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("golmok dlq runs");
    let (stdout, stderr) = (
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8(output.stderr).expect("UTF-8"),
    );
    eprintln!("golmok dlq {args:?}:\n{stdout}{stderr}");
    (output.status.success(), stdout, stderr)
}

/// `golmok dlq list <consumer> --json`: one letter per line.
fn listed(data_dir: &Path, url: &str) -> Vec<Value> {
    let (ok, stdout, stderr) = dlq(data_dir, &["list", CONSUMER, "--url", url, "--json"]);
    assert!(ok, "{stderr}");
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

/// `golmok dlq replay <consumer> [--id ID] --json`: (outcome, letter) pairs.
fn replayed(data_dir: &Path, url: &str, id: Option<&str>) -> Vec<(String, Value)> {
    let mut args = vec!["replay", CONSUMER, "--url", url, "--json"];
    if let Some(id) = id {
        args.extend(["--id", id]);
    }
    let (ok, stdout, stderr) = dlq(data_dir, &args);
    assert!(ok, "{stderr}");
    stdout
        .lines()
        .map(|line| {
            let letter: Value = serde_json::from_str(line).expect("one JSON object per line");
            (
                letter["outcome"].as_str().expect("an outcome").to_owned(),
                letter,
            )
        })
        .collect()
}

/// The value of `series` (`family{labels}`) in the process's metrics.
async fn metric(golmok: &Golmok, series: &str) -> Option<f64> {
    let (status, text) = golmok.get("/metrics").await;
    assert_eq!(status, 200);
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Waits until `series` has `value`.
async fn await_metric(golmok: &Golmok, series: &str, value: f64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = metric(golmok, series).await;
        if now == Some(value) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{series} is {now:?}, not {value}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn waiting_series() -> String {
    format!("golmok_dlq_messages{{consumer=\"{CONSUMER}\"}}")
}

/// The voucher's store of `data_dir`, opened while no process runs it.
fn voucher_store(voucher_dir: &Path) -> std::sync::Arc<EmbeddedStore> {
    EmbeddedStore::open(&voucher_dir.join("voucher").join("voucher.redb"))
        .expect("the voucher's store opens once its process stopped")
}

/// Replaces the directory row of `merchant` with `row` (the process is stopped).
async fn put_directory_row(voucher_dir: &Path, merchant: &str, row: Vec<u8>) {
    let store = voucher_store(voucher_dir);
    store
        .write(vec![Mutation::put(DIRECTORY, merchant, "", row)])
        .await
        .expect("row written");
}

/// The directory row of `merchant` (the process is stopped).
async fn directory_bytes(voucher_dir: &Path, merchant: &str) -> Vec<u8> {
    let store = voucher_store(voucher_dir);
    store
        .get(DIRECTORY, merchant, "")
        .await
        .expect("row read")
        .expect("the directory has the merchant")
}

async fn directory_row(voucher_dir: &Path, merchant: &str) -> Value {
    let row = directory_bytes(voucher_dir, merchant).await;
    serde_json::from_slice(&row).expect("a JSON row")
}

/// Damages the directory row of `merchant` (the process is stopped) and
/// returns the healthy row, for the repair.
async fn damage_directory_row(voucher_dir: &Path, merchant: &str) -> Vec<u8> {
    let healthy = directory_bytes(voucher_dir, merchant).await;
    put_directory_row(voucher_dir, merchant, b"{damaged".to_vec()).await;
    healthy
}

/// A merchant registered at the storefront through `golmok up`: its uuid
/// and its global id.
async fn register(golmok: &Golmok, data_dir: &Path, n: u32) -> (String, String) {
    let (ok, merchant_token, stderr) = token_command(data_dir, &["--role", "merchant"]);
    assert!(ok, "{stderr}");
    let merchant = stderr
        .split("new merchant ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the token names its merchant")
        .trim_end_matches(';')
        .to_owned();
    let registered = golmok
        .graphql(
            Some(&merchant_token),
            crate::support::REGISTER,
            crate::support::bakery(&business_number(n)),
        )
        .await;
    let payload = &registered["registerMerchant"];
    assert_eq!(payload["userErrors"], json!([]), "{registered}");
    let global = payload["merchant"]["id"].as_str().expect("a global id");
    (merchant, global.to_owned())
}

const SUSPEND: &str = "mutation($input: SuspendMerchantInput!) {
  suspendMerchant(input: $input) { merchant { id status } userErrors { code } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_dead_letters_are_listed_replayed_once_and_counted() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();

    // A merchant the voucher's directory knows.
    let golmok = Golmok::up(dir);
    let (merchant, merchant_gid) = register(&golmok, dir, 1).await;
    let official = token(dir, "official");
    let head = metric(
        &golmok,
        "golmok_projection_position{projection=\"storefront.merchants\"}",
    )
    .await
    .expect("the storefront's projection reports its position");
    let directory = "golmok_projection_position{projection=\"voucher.directory\"}";
    await_metric(&golmok, directory, head).await;
    await_metric(&golmok, &waiting_series(), 0.0).await;
    let (status, _) = golmok.terminate();
    assert!(status.success());

    // Its directory row is damaged.
    let healthy = damage_directory_row(dir, &merchant).await;

    // Its suspension cannot be applied: a dead letter, counted.
    let golmok = Golmok::up(dir);
    let suspended = golmok
        .graphql(
            Some(&official),
            SUSPEND,
            json!({"input": {"merchantId": merchant_gid, "reason": "dlq test"}}),
        )
        .await;
    assert_eq!(suspended["suspendMerchant"]["userErrors"], json!([]));
    await_metric(&golmok, &waiting_series(), 1.0).await;

    let (ok, table, stderr) = dlq(dir, &["list", CONSUMER, "--url", &golmok.base]);
    assert!(ok, "{stderr}");
    assert!(table.contains("REASON"), "a table for people: {table}");
    assert!(table.contains("MerchantSuspended"), "{table}");
    assert!(table.contains("waiting"), "{table}");
    let letters = listed(dir, &golmok.base);
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    let event_id = letter["eventId"].as_str().expect("an event id").to_owned();
    assert_eq!(letter["type"], "kr.golmok.storefront.MerchantSuspended.v1");
    assert_eq!(letter["subject"], format!("merchant-{merchant}"));
    assert_eq!(letter["status"], "waiting");
    assert!(letter["ageSeconds"].as_i64().is_some(), "{letter}");
    let reason = letter["reason"].as_str().expect("a reason");
    assert!(reason.contains("cannot be decoded"), "{reason}");

    // Replayed before the cause is fixed: it fails again and stays.
    let outcome = replayed(dir, &golmok.base, None);
    assert_eq!(outcome.len(), 1, "{outcome:?}");
    assert_eq!(outcome[0].0, "failedAgain");
    assert!(
        outcome[0].1["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot be decoded")),
        "{outcome:?}"
    );
    assert_eq!(listed(dir, &golmok.base)[0]["status"], "waiting");
    await_metric(&golmok, &waiting_series(), 1.0).await;

    // Bad input: a clear error with a stable code.
    let (ok, _, stderr) = dlq(dir, &["list", "voucher.nope", "--url", &golmok.base]);
    assert!(!ok);
    assert!(stderr.contains("UNKNOWN_CONSUMER"), "{stderr}");
    assert!(
        stderr.contains(CONSUMER),
        "names the known consumers: {stderr}"
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    let args = ["replay", CONSUMER, "--url", &golmok.base, "--id", &unknown];
    let (ok, _, stderr) = dlq(dir, &args);
    assert!(!ok);
    assert!(stderr.contains("UNKNOWN_DEAD_LETTER"), "{stderr}");
    let citizen = token(dir, "citizen");
    let args = ["list", CONSUMER, "--url", &golmok.base, "--token", &citizen];
    let (ok, _, stderr) = dlq(dir, &args);
    assert!(!ok);
    assert!(stderr.contains("FORBIDDEN"), "{stderr}");
    let (status, _) = golmok.terminate();
    assert!(status.success());

    // The operator repairs the row; the letter still waits after a restart.
    put_directory_row(dir, &merchant, healthy).await;
    let golmok = Golmok::up(dir);
    await_metric(&golmok, &waiting_series(), 1.0).await;

    let outcome = replayed(dir, &golmok.base, Some(&event_id));
    assert_eq!(outcome.len(), 1, "{outcome:?}");
    assert_eq!(outcome[0].0, "replayed");
    assert_eq!(outcome[0].1["eventId"], event_id.as_str());
    let letters = listed(dir, &golmok.base);
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0]["status"], "replayed");
    await_metric(&golmok, &waiting_series(), 0.0).await;

    // Again: nothing is applied.
    assert_eq!(replayed(dir, &golmok.base, None), Vec::new());
    let again = replayed(dir, &golmok.base, Some(&event_id));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].0, "alreadyReplayed");
    let (status, _) = golmok.terminate();
    assert!(status.success());

    let row = directory_row(dir, &merchant).await;
    assert_eq!(row["suspended"], true, "the suspension was applied: {row}");
    let store = voucher_store(dir);
    let mark = format!("{event_id}:replayed");
    assert!(
        store
            .get("inbox", CONSUMER, &mark)
            .await
            .expect("inbox read")
            .is_some(),
        "the replay is recorded in the consumer's inbox"
    );
}

fn official() -> Actor {
    Actor {
        subject: "official-dlq-test".to_owned(),
        role: Role::Official,
        merchant_id: None,
    }
}

/// Calls the storefront's HTTP API as an official.
async fn storefront(url: &str, path: &str, body: Value) -> Value {
    let url = format!("{url}{path}");
    let response = reqwest::Client::new()
        .post(&url)
        .header(ACTOR_HEADER, asserted(&url, &official()))
        .json(&body)
        .send()
        .await
        .expect("the storefront answers");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("a JSON body")
}

/// Waits until the voucher process's directory has `merchant`.
async fn await_voucher_knows(voucher: &str, merchant: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let url = format!("{voucher}/merchants/{merchant}");
        let known = reqwest::Client::new()
            .get(&url)
            .header(ACTOR_HEADER, asserted(&url, &official()))
            .send()
            .await
            .is_ok_and(|response| response.status() == 200);
        if known {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the voucher never learnt {merchant}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_dead_letters_are_listed_replayed_once_and_survive_restarts() {
    let broker = Kafka::start();
    let brokers = broker.bootstrap_servers();
    let storefront_dir = tempfile::tempdir().expect("temp dir");
    let voucher_dir = tempfile::tempdir().expect("temp dir");
    let (sf_dir, v_dir) = (storefront_dir.path(), voucher_dir.path());
    let (sf_listen, v_listen) = (free_address(), free_address());
    let sf = Golmok::serve_on_kafka("storefront", sf_dir, &sf_listen, &brokers);
    let voucher = Golmok::serve_on_kafka("voucher", v_dir, &v_listen, &brokers);

    let registered = storefront(
        &sf.base,
        "/merchants",
        json!({
            "businessNumber": business_number(7), "name": "가게", "kind": "RETAILER",
            "category": "bakery", "district": "망원동", "foundedOn": "2001-05-01",
            "revenueTier": "MICRO"
        }),
    )
    .await;
    let merchant = registered["id"].as_str().expect("an id").to_owned();
    await_voucher_knows(&voucher.base, &merchant).await;
    await_metric(&voucher, &waiting_series(), 0.0).await;
    let (status, _) = voucher.terminate();
    assert!(status.success());

    let healthy = damage_directory_row(v_dir, &merchant).await;

    // The suspension reaches the dead-letter topic, and so does a record
    // that is no event at all.
    let voucher = Golmok::serve_on_kafka("voucher", v_dir, &v_listen, &brokers);
    storefront(
        &sf.base,
        &format!("/merchants/{merchant}/suspension"),
        json!({"reason": "dlq test"}),
    )
    .await;
    produce_poison(&brokers);
    await_metric(&voucher, &waiting_series(), 2.0).await;

    let letters = listed(v_dir, &voucher.base);
    assert_eq!(letters.len(), 2, "{letters:?}");
    let suspension = letters
        .iter()
        .find(|l| l["type"] == "kr.golmok.storefront.MerchantSuspended.v1")
        .expect("the suspension is a dead letter");
    let event_id = suspension["eventId"].as_str().expect("an id").to_owned();
    let cursor = suspension["cursor"].as_str().expect("a cursor").to_owned();
    assert!(
        cursor.starts_with("golmok.storefront.events.v1/"),
        "{cursor}"
    );
    assert!(
        suspension["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot be decoded")),
        "{suspension}"
    );
    let poison = letters
        .iter()
        .find(|l| l["eventId"].is_null())
        .expect("the poison is a dead letter");
    assert!(poison["ageSeconds"].as_i64().is_some());
    let (status, _) = voucher.terminate();
    assert!(status.success());

    // Fixed, restarted: the suspension is replayed once (named by its
    // cursor); the poison fails again and stays.
    put_directory_row(v_dir, &merchant, healthy).await;
    let voucher = Golmok::serve_on_kafka("voucher", v_dir, &v_listen, &brokers);
    await_metric(&voucher, &waiting_series(), 2.0).await;
    let outcome = replayed(v_dir, &voucher.base, None);
    let mut outcomes: Vec<&str> = outcome.iter().map(|(o, _)| o.as_str()).collect();
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["failedAgain", "replayed"], "{outcome:?}");
    let replayed_letter = &outcome
        .iter()
        .find(|(o, _)| o == "replayed")
        .expect("replayed")
        .1;
    assert_eq!(replayed_letter["eventId"], event_id.as_str());
    await_metric(&voucher, &waiting_series(), 1.0).await;
    let (status, _) = voucher.terminate();
    assert!(status.success());

    // Done survives a restart: nothing is applied twice.
    let voucher = Golmok::serve_on_kafka("voucher", v_dir, &v_listen, &brokers);
    await_metric(&voucher, &waiting_series(), 1.0).await;
    let letters = listed(v_dir, &voucher.base);
    assert_eq!(letters.len(), 2, "one letter per cursor: {letters:?}");
    let status_of = |id: &str| {
        letters
            .iter()
            .find(|l| l["cursor"] == id)
            .map(|l| l["status"].clone())
    };
    assert_eq!(status_of(&cursor), Some(json!("replayed")));
    let again = replayed(v_dir, &voucher.base, Some(&cursor));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].0, "alreadyReplayed");
    let (status, _) = voucher.terminate();
    assert!(status.success());
    sf.terminate();

    let row = directory_row(v_dir, &merchant).await;
    assert_eq!(row["suspended"], true, "{row}");
}

/// Produces a record that is no CloudEvent onto the storefront's topic.
fn produce_poison(brokers: &str) {
    use rdkafka::config::ClientConfig;
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .expect("a producer");
    producer
        .send(
            BaseRecord::to("golmok.storefront.events.v1")
                .key("merchant-poison")
                .payload("not an event"),
        )
        .map_err(|(e, _)| e)
        .expect("queued");
    producer
        .flush(Duration::from_secs(30))
        .expect("the poison is acknowledged");
}
