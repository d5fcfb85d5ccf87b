//! Services as separate processes over Kafka (a real Apache Kafka broker of
//! each test's own: the services' topic and group names are fixed): the
//! storefront's relay publishes, the voucher's merchant directory consumes;
//! both are killed with SIGKILL mid-stream and nothing committed goes missing.
//! An order is paid by voucher across the two processes, each consuming the
//! other's topic.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use golmok_runtime::{ACTOR_HEADER, Actor, Role};
use golmok_testkit::Kafka;
use serde_json::{Value, json};

use crate::support::{Golmok, asserted, business_number, free_address};

fn official() -> Actor {
    Actor {
        subject: "official-kafka-test".to_owned(),
        role: Role::Official,
        merchant_id: None,
    }
}

/// Registers merchant `n` at the storefront; its id when the storefront
/// acknowledged it (201), `None` when the call failed (the process is down).
async fn register(storefront: &str, n: u32) -> Option<String> {
    let url = format!("{storefront}/merchants");
    let response = reqwest::Client::new()
        .post(&url)
        .header(ACTOR_HEADER, asserted(&url, &official()))
        .json(&json!({
            "businessNumber": business_number(n), "name": format!("가게 {n}"), "kind": "RETAILER",
            "category": "bakery", "district": "망원동", "foundedOn": "2001-05-01", "revenueTier": "MICRO"
        }))
        .send()
        .await
        .ok()?;
    assert!(
        response.status() == 201 || response.status().is_server_error(),
        "registration {n}: {}",
        response.status()
    );
    if response.status() != 201 {
        return None;
    }
    let merchant: Value = response.json().await.ok()?;
    Some(merchant["id"].as_str()?.to_owned())
}

/// The ids among `wanted` the voucher's merchant directory does not know yet.
async fn unknown_to_voucher(voucher: &str, wanted: &BTreeSet<String>) -> BTreeSet<String> {
    let client = reqwest::Client::new();
    let mut missing = BTreeSet::new();
    for id in wanted {
        let url = format!("{voucher}/merchants/{id}");
        let known = client
            .get(&url)
            .header(ACTOR_HEADER, asserted(&url, &official()))
            .send()
            .await
            .is_ok_and(|response| response.status() == 200);
        if !known {
            missing.insert(id.clone());
        }
    }
    missing
}

/// Waits until the voucher knows every id in `wanted`; returns what is
/// still missing after `patience`.
async fn await_directory(
    voucher: &str,
    wanted: &BTreeSet<String>,
    patience: Duration,
) -> BTreeSet<String> {
    let deadline = Instant::now() + patience;
    loop {
        let missing = unknown_to_voucher(voucher, wanted).await;
        if missing.is_empty() || Instant::now() > deadline {
            return missing;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storefront_events_reach_the_voucher_process_across_kill_9_of_either() {
    let broker = Kafka::start();
    let brokers = broker.bootstrap_servers();
    let (storefront_dir, voucher_dir) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (storefront_address, voucher_address) = (free_address(), free_address());
    let storefront_url = format!("http://{storefront_address}");
    let voucher_url = format!("http://{voucher_address}");
    let start_storefront = || {
        Golmok::serve_on_kafka(
            "storefront",
            storefront_dir.path(),
            &storefront_address,
            &brokers,
        )
    };
    let start_voucher =
        || Golmok::serve_on_kafka("voucher", voucher_dir.path(), &voucher_address, &brokers);
    let mut storefront = start_storefront();
    let mut voucher = start_voucher();

    // One event, one process to the other.
    let first = register(&storefront_url, 0)
        .await
        .expect("the storefront is up");
    let wanted = BTreeSet::from([first]);
    let missing = await_directory(&voucher_url, &wanted, Duration::from_secs(60)).await;
    assert!(missing.is_empty(), "the voucher never heard of {missing:?}");

    // A stream of registrations; the storefront (producer and relay) and the
    // voucher (consumer) are each killed with SIGKILL and restarted mid-way.
    let mut acknowledged = wanted;
    let mut refused = 0;
    for n in 1..=45 {
        match register(&storefront_url, n).await {
            Some(id) => {
                acknowledged.insert(id);
            }
            None => refused += 1,
        }
        if n == 15 {
            storefront.kill_9();
            storefront = start_storefront();
        }
        if n == 30 {
            voucher.kill_9();
            voucher = start_voucher();
        }
    }
    let missing = await_directory(&voucher_url, &acknowledged, Duration::from_secs(90)).await;
    println!(
        "registrations acknowledged {}, refused while down {refused}, missing downstream {}",
        acknowledged.len(),
        missing.len()
    );
    assert!(acknowledged.len() >= 40, "most registrations went through");
    assert!(
        missing.is_empty(),
        "committed but never consumed: {missing:?}\nbroker log:\n{}",
        broker.log_tail()
    );
    let (status, _) = voucher.terminate();
    assert!(status.success());
    let (status, _) = storefront.terminate();
    assert!(status.success());
}

#[test]
fn the_voucher_process_refuses_to_start_without_kafka() {
    let data = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(crate::support::GOLMOK)
        .args(["serve", "voucher", "--data-dir"])
        .arg(data.path())
        .output()
        .expect("golmok runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs --bus kafka"), "{stderr}");
}

/// One HTTP call to a service as `actor`; the status and JSON body.
async fn call(
    method: reqwest::Method,
    url: String,
    actor: &Actor,
    body: Option<Value>,
) -> (u16, Value) {
    let assertion = asserted(&url, actor);
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header(ACTOR_HEADER, assertion);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the service answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn actor(subject: &str, role: Role, merchant_id: Option<uuid::Uuid>) -> Actor {
    Actor {
        subject: subject.to_owned(),
        role,
        merchant_id,
    }
}

/// Polls a storefront order as its buyer until its payment is `status`.
async fn await_payment(storefront: &str, order: &str, buyer: &Actor, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, body) = call(
            reqwest::Method::GET,
            format!("{storefront}/orders/{order}"),
            buyer,
            None,
        )
        .await;
        if body["payment"]["status"] == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "the payment never became {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_paid_by_voucher_between_the_processes_over_kafka() {
    use reqwest::Method;
    let broker = Kafka::start();
    let brokers = broker.bootstrap_servers();
    let (storefront_dir, voucher_dir) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (storefront_address, voucher_address) = (free_address(), free_address());
    let storefront_url = format!("http://{storefront_address}");
    let voucher_url = format!("http://{voucher_address}");
    let storefront = Golmok::serve_on_kafka(
        "storefront",
        storefront_dir.path(),
        &storefront_address,
        &brokers,
    );
    let voucher = Golmok::serve_on_kafka("voucher", voucher_dir.path(), &voucher_address, &brokers);

    let official = actor("official-kafka-test", Role::Official, None);
    let merchant = register(&storefront_url, 7)
        .await
        .expect("the storefront is up");
    let missing = await_directory(
        &voucher_url,
        &BTreeSet::from([merchant.clone()]),
        Duration::from_secs(60),
    )
    .await;
    assert!(
        missing.is_empty(),
        "the voucher never heard of the merchant"
    );
    let (status, programme) = call(
        Method::POST,
        format!("{voucher_url}/programmes"),
        &official,
        Some(json!({
            "issuer": "서울특별시 마포구", "name": "마포사랑상품권", "region": "마포구",
            "districts": ["망원동"], "faceValues": [10000, 50000], "discountBps": 1000,
            "monthlyCap": 300000, "validFrom": "2020-01-01", "validUntil": "2099-12-31",
            "categories": ["bakery"], "feeTiers": {"micro": 0, "small": 30, "medium": 50},
            "budget": 1000000,
        })),
    )
    .await;
    assert_eq!(status, 201, "{programme}");
    let programme = programme["id"].as_str().unwrap().to_owned();
    let owner = actor(
        "merchant-kafka",
        Role::Merchant,
        Some(merchant.parse().unwrap()),
    );
    let (status, product) = call(
        Method::POST,
        format!("{storefront_url}/merchants/{merchant}/products"),
        &owner,
        Some(json!({"name": "소금빵", "price": 6000, "stock": 10})),
    )
    .await;
    assert_eq!(status, 201, "{product}");
    let product = product["id"].as_str().unwrap().to_owned();
    let publication =
        format!("{storefront_url}/merchants/{merchant}/products/{product}/publication");
    assert_eq!(call(Method::POST, publication, &owner, None).await.0, 200);

    let kim = actor("citizen-kafka-kim", Role::Citizen, None);
    let (status, _) = call(
        Method::POST,
        format!("{voucher_url}/programmes/{programme}/purchases"),
        &kim,
        Some(json!({"faceValue": 50000})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, order) = call(
        Method::POST,
        format!("{storefront_url}/merchants/{merchant}/orders"),
        &kim,
        Some(json!({"lines": [{"productId": product, "quantity": 2}], "payment": "VOUCHER"})),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    let order = order["id"].as_str().unwrap().to_owned();
    let (status, requested) = call(
        Method::POST,
        format!("{storefront_url}/merchants/{merchant}/orders/{order}/voucher-payment"),
        &kim,
        Some(json!({"programmeId": programme})),
    )
    .await;
    assert_eq!(status, 202, "{requested}");

    await_payment(&storefront_url, &order, &kim, "HELD").await;
    let (status, confirmed) = call(
        Method::POST,
        format!("{storefront_url}/merchants/{merchant}/orders/{order}/confirmation"),
        &owner,
        None,
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    let paid = await_payment(&storefront_url, &order, &kim, "PAID").await;
    assert_eq!(paid["status"], "CONFIRMED");
    let (status, wallet) = call(
        Method::GET,
        format!("{voucher_url}/programmes/{programme}/wallet"),
        &kim,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (wallet["balance"].as_i64(), wallet["held"].as_i64()),
        (Some(38_000), Some(0))
    );

    let (status, _) = voucher.terminate();
    assert!(status.success());
    let (status, _) = storefront.terminate();
    assert!(status.success());
}
