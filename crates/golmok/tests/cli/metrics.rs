//! `/metrics` of `golmok up` as an operator scrapes it: after a merchant
//! signs up, lists a product and takes an order (and one order is refused),
//! the domain, consumer and process families are there with the right labels
//! and values.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Golmok, bakery_with_bread, token};

/// One sample of the Prometheus text exposition.
#[derive(Debug)]
struct Sample {
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of `family` (an exact metric name, e.g. `foo_count`).
fn samples(metrics: &str, family: &str) -> Vec<Sample> {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels.strip_suffix('}')?),
                None => (series, ""),
            };
            (name == family).then(|| Sample {
                labels: labels
                    .split(',')
                    .filter_map(|pair| {
                        let (key, value) = pair.split_once('=')?;
                        Some((key.to_owned(), value.trim_matches('"').to_owned()))
                    })
                    .collect(),
                value: value.parse().expect("a sample value is a number"),
            })
        })
        .collect()
}

/// The sum of `family`'s samples whose labels include every pair of `labels`.
fn total(metrics: &str, family: &str, labels: &[(&str, &str)]) -> f64 {
    samples(metrics, family)
        .iter()
        .filter(|sample| {
            labels
                .iter()
                .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(value))
        })
        .map(|sample| sample.value)
        .sum()
}

#[tokio::test]
async fn metrics_count_commands_events_and_consumers_and_show_the_process() {
    let data = tempfile::tempdir().unwrap();
    let suite = Golmok::up(data.path());

    // Before any command: the consumers report in, with nothing dead-lettered.
    let (status, fresh) = suite.get("/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(
        samples(&fresh, "golmok_dead_letters_total")
            .iter()
            .find(|s| s.labels["consumer"] == "storefront.shop")
            .map(|s| s.value),
        Some(0.0),
        "{fresh}"
    );

    let (_, merchant_id, product) = bakery_with_bread(&suite, data.path(), 1, 3).await;
    let citizen = token(data.path(), "citizen");
    let order = "mutation($m: ID!, $p: ID!, $n: Int!) {
      placeOrder(input: {merchantId: $m, lines: [{productId: $p, quantity: $n}], payment: VOUCHER}) {
        order { id } userErrors { code } } }";
    let placed = suite
        .graphql(
            Some(&citizen),
            order,
            json!({"m": merchant_id, "p": product, "n": 2}),
        )
        .await;
    assert_eq!(placed["placeOrder"]["userErrors"], json!([]));
    let refused = suite
        .graphql(
            Some(&citizen),
            order,
            json!({"m": merchant_id, "p": product, "n": 5}),
        )
        .await;
    assert_eq!(
        refused["placeOrder"]["userErrors"][0]["code"],
        "INSUFFICIENT_STOCK"
    );

    // Quiesce: the voucher service answers the order's payment request on
    // its own, over both logs. Wait until no consumer lags and nothing moved
    // between two scrapes.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut previous = None;
    let metrics = loop {
        let started = Instant::now();
        let (status, metrics) = suite.get("/metrics").await;
        assert_eq!(status, 200);
        println!("scrape: {} bytes in {:?}", metrics.len(), started.elapsed());
        let lags = samples(&metrics, "golmok_consumer_lag_events");
        let moved = (
            total(&metrics, "golmok_events_appended_total", &[]),
            total(&metrics, "golmok_consumer_events_total", &[]),
        );
        if !lags.is_empty() && lags.iter().all(|lag| lag.value == 0.0) && previous == Some(moved) {
            break metrics;
        }
        assert!(
            Instant::now() < deadline,
            "consumers did not catch up: {lags:?}"
        );
        previous = Some(moved);
        tokio::time::sleep(Duration::from_millis(300)).await;
    };

    // Commands by outcome, labelled by service, aggregate and variant.
    let storefront = ("service", "storefront");
    let accepted = total(
        &metrics,
        "golmok_commands_total",
        &[storefront, ("outcome", "accepted")],
    );
    assert!(accepted >= 4.0, "register, add, publish, order: {accepted}");
    assert_eq!(
        total(
            &metrics,
            "golmok_commands_total",
            &[
                storefront,
                ("aggregate", "Shop"),
                ("command", "PlaceOrder"),
                ("outcome", "accepted")
            ]
        ),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        total(
            &metrics,
            "golmok_commands_total",
            &[
                storefront,
                ("aggregate", "Shop"),
                ("command", "PlaceOrder"),
                ("outcome", "rejected")
            ]
        ),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        total(&metrics, "golmok_commands_total", &[("outcome", "failed")]),
        0.0
    );
    assert!(
        total(
            &metrics,
            "golmok_command_duration_seconds_count",
            &[storefront, ("command", "PlaceOrder")]
        ) >= 2.0
    );
    assert!(
        metrics.contains("golmok_command_duration_seconds_bucket{"),
        "command durations are a histogram"
    );
    // No id ever becomes a label.
    for sample in samples(&metrics, "golmok_commands_total") {
        assert_eq!(
            sample.labels.keys().collect::<Vec<_>>(),
            ["aggregate", "command", "outcome", "service"]
        );
        assert!(
            !sample.labels.values().any(|v| v.contains('-')),
            "{sample:?}"
        );
    }

    // Events appended: at least one per accepted storefront command.
    let appended = total(&metrics, "golmok_events_appended_total", &[storefront]);
    assert!(
        appended >= accepted,
        "{appended} events, {accepted} commands"
    );

    // Consumers: applied what was appended, nothing dead-lettered, no lag.
    let shop = ("consumer", "storefront.shop");
    assert!(
        total(
            &metrics,
            "golmok_consumer_events_total",
            &[shop, ("outcome", "applied")]
        ) >= appended,
        "the shop projection applied every storefront event"
    );
    let dead = samples(&metrics, "golmok_dead_letters_total");
    assert!(dead.len() >= 2, "every consumer reports: {dead:?}");
    assert!(dead.iter().all(|d| d.value == 0.0), "{dead:?}");
    assert!(
        samples(&metrics, "golmok_consumer_lag_events")
            .iter()
            .any(|lag| lag.labels["consumer"] == "storefront.shop")
    );

    // Projection delay and position.
    let projection = ("projection", "storefront.shop");
    assert!(
        total(
            &metrics,
            "golmok_projection_delay_seconds_count",
            &[projection]
        ) >= appended
    );
    assert!(metrics.contains("golmok_projection_delay_seconds_bucket{"));
    assert_eq!(
        total(&metrics, "golmok_projection_position", &[projection]),
        appended,
        "the shop projection is at the storefront log's head"
    );

    // The process and its runtime.
    let rss = total(&metrics, "process_resident_memory_bytes", &[]);
    let fds = total(&metrics, "process_open_fds", &[]);
    println!("rss {:.1} MiB, {fds} open fds", rss / 1_048_576.0);
    assert!(rss > 1_000_000.0, "{rss}");
    assert!(fds >= 3.0 && fds <= total(&metrics, "process_max_fds", &[]));
    assert!(total(&metrics, "process_uptime_seconds", &[]) > 0.0);
    assert!(total(&metrics, "process_start_time_seconds", &[]) > 1.7e9);
    assert!(total(&metrics, "tokio_workers", &[]) >= 1.0);
    assert!(total(&metrics, "tokio_alive_tasks", &[]) >= 1.0);

    let (status, _) = suite.terminate();
    assert!(status.success());
}
