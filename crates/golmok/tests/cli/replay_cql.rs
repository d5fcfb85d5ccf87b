//! RELIABILITY.md 6, replay equals live, on CQL stores (Apache Cassandra 5.0
//! standing in for ScyllaDB, see docs/adr/0007), with the real binary:
//! `golmok up` with storefront and voucher in their own keyspaces takes
//! storefront and voucher traffic through GraphQL and stops; every read-model
//! table is hashed through the CQL adapter's partition index; `golmok replay`
//! (its CQL default batch size) rebuilds each service's read models from
//! event 0, once cleanly and once killed with SIGKILL half-way and run again;
//! the hashes equal the live ones, and the restarted suite serves the
//! rebuilt tables.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use golmok_scylla::{CqlStore, Settings};
use golmok_testkit::Cassandra;
use serde_json::json;

use crate::replay::{hashes_of, killed_half_way, text, traffic};
use crate::support::{GOLMOK, Golmok, bakery_with_bread};

/// The content hash of every read-model table in `keyspace`, its log's head
/// and the tables' current generations.
async fn snapshot(
    node: &Cassandra,
    keyspace: &str,
    tables: &[&str],
) -> (BTreeMap<String, String>, u64, BTreeMap<String, u64>) {
    let store = CqlStore::open(Settings::new(vec![node.contact_point()], keyspace))
        .await
        .expect("the stopped service's keyspace opens");
    hashes_of(store.as_ref(), tables).await
}

fn replay_command(service: &str, config: &Path, data_dir: &Path) -> Command {
    let mut command = Command::new(GOLMOK);
    command
        .args(["replay", service, "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(data_dir);
    command
}

fn replay(service: &str, config: &Path, data_dir: &Path) -> Output {
    replay_command(service, config, data_dir)
        .output()
        .expect("golmok replay runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_on_cql_equals_live_cleanly_and_after_a_kill_9_half_way() {
    let node = tokio::task::spawn_blocking(Cassandra::shared)
        .await
        .expect("a Cassandra node");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let unique = uuid::Uuid::now_v7().simple();
    let keyspace = |service: &str| format!("{service}_{unique}");
    let config = data.join("golmok.toml");
    let contact_point = node.contact_point();
    let storage = |service: &str| {
        format!(
            "[{service}.storage]\nkind = \"scylla\"\ncontact_points = [\"{contact_point}\"]\nkeyspace = \"{}\"\n",
            keyspace(service)
        )
    };
    std::fs::write(
        &config,
        format!("{}{}", storage("storefront"), storage("voucher")),
    )
    .unwrap();
    let migrated = Command::new(GOLMOK)
        .args(["migrate", "scylla", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("golmok migrate runs");
    assert!(migrated.status.success(), "{}", text(&migrated));

    let suite = Golmok::up_configured(data, &config);
    let started = Instant::now();
    traffic(&suite, data).await;
    let traffic_seconds = started.elapsed().as_secs_f64();
    let (merchant, shop, _) = bakery_with_bread(&suite, data, 50, 1).await;
    let merchant_query = "query($m: ID!) { merchant(id: $m) { name } }";
    let before = suite
        .graphql(Some(&merchant), merchant_query, json!({"m": shop}))
        .await;
    assert_eq!(before["merchant"]["name"], "망원 빵집", "{before}");
    // A CQL keyspace has no lock: the operator stops the service first.
    let (status, _) = suite.terminate();
    assert!(status.success());

    let services: [(&str, &[&str]); 2] = [
        (
            "storefront",
            &storefront::app::projections::tables::ALL_TABLES,
        ),
        ("voucher", &voucher::app::projections::tables::ALL_TABLES),
    ];
    for (service, tables) in services {
        let keyspace = keyspace(service);
        let (live, head, generations) = snapshot(node, &keyspace, tables).await;
        assert!(head > 1_000, "{service} has real traffic: {head} events");
        assert!(generations.is_empty(), "live tables are at generation 0");
        assert!(
            live.len() == tables.len() && live.len() >= 10,
            "{service}: {live:?}"
        );

        // A clean replay.
        let started = Instant::now();
        let clean = replay(service, &config, data);
        assert!(clean.status.success(), "{}", text(&clean));
        let seconds = started.elapsed().as_secs_f64();
        assert!(
            text(&clean).contains(&format!("at position {head}")),
            "{}",
            text(&clean)
        );
        let (rebuilt, _, generations) = snapshot(node, &keyspace, tables).await;
        assert_eq!(rebuilt, live, "{service}: replay on CQL equals live");
        let own = generations.values().filter(|g| **g == 1).count();
        assert!(
            own >= 10,
            "{service}: the read models moved to new tables: {generations:?}"
        );

        // Killed half-way, then run again.
        let reached = killed_half_way(replay_command(service, &config, data));
        let (untouched, _, _) = snapshot(node, &keyspace, tables).await;
        assert_eq!(
            untouched, live,
            "{service}: a half-built rebuild is invisible"
        );
        let resumed = replay(service, &config, data);
        assert!(resumed.status.success(), "{}", text(&resumed));
        let said = text(&resumed);
        let after = said
            .split("resumed after position ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("the second run resumes: {said}"));
        assert!(
            after >= reached && after < head,
            "{service}: resumed after {after}, killed at {reached}"
        );
        assert!(
            said.contains(&format!("{} events applied by this run", head - after)),
            "{service}: no event is applied twice: {said}"
        );
        let (rebuilt, _, generations) = snapshot(node, &keyspace, tables).await;
        assert_eq!(
            rebuilt, live,
            "{service}: a resumed replay on CQL equals live"
        );
        assert!(generations.values().any(|g| *g == 2), "{generations:?}");
        println!(
            "replay on CQL equals live: {service}, {head} events (traffic took {traffic_seconds:.1} s), \
             clean replay {seconds:.2} s ({:.0} events/s with process start), killed at {reached}, \
             resumed after {after}",
            head as f64 / seconds
        );
    }

    // The restarted suite reads the rebuilt tables.
    let suite = Golmok::up_configured(data, &config);
    let after = suite
        .graphql(Some(&merchant), merchant_query, json!({"m": shop}))
        .await;
    assert_eq!(after, before);
    let (status, _) = suite.terminate();
    assert!(status.success());
}
