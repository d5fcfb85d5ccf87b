//! Every kernel conformance suite the embedded adapter runs, against one real
//! Apache Cassandra 5.0 node (started once for this test process, from the jars
//! `scripts/cassandra/install` resolved), each suite in a fresh keyspace; and
//! the clear errors of bad configuration.
//!
//! Cassandra takes ~15 s to start, and nextest runs each test in its own
//! process, so the suites run in order inside one test per node.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use golmok_kernel::{EventLog, Tables, conformance};
use golmok_scylla::{CqlStore, OpenError, SCHEMA_VERSION, Settings, migrate, table_names};
use golmok_testkit::Cassandra;
use uuid::Uuid;

fn settings(node: &Cassandra, keyspace: &str) -> Settings {
    Settings::new(vec![node.contact_point()], keyspace)
}

fn unique_keyspace(prefix: &str) -> String {
    format!("{prefix}_{}", Uuid::now_v7().simple())
}

async fn fresh(node: &Cassandra, prefix: &str) -> (Settings, Arc<CqlStore>) {
    let settings = settings(node, &unique_keyspace(prefix));
    migrate(&settings).await.expect("migrate a new keyspace");
    let store = CqlStore::open(settings.clone())
        .await
        .expect("open the new keyspace");
    (settings, store)
}

async fn timed<F: Future<Output = ()>>(name: &str, suite: F) {
    let started = Instant::now();
    suite.await;
    eprintln!(
        "suite {name} passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

macro_rules! log_suites {
    ($node:expr, $($suite:ident),+ $(,)?) => {$(
        let (_, store) = fresh($node, "log").await;
        timed(stringify!($suite), conformance::$suite(store)).await;
    )+};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_conformance_suite_passes_on_cassandra() {
    let node = Cassandra::shared();
    eprintln!(
        "Cassandra startup: {:.1}s",
        node.startup_time().as_secs_f64()
    );

    log_suites!(
        node,
        append_and_read_round_trip,
        expected_version_semantics,
        duplicate_event_id_stored_once,
        idempotency_atomic_with_append,
        read_all_contiguous,
        tailing_never_skips,
        concurrent_writers_one_stream,
        tables_get_put_delete,
        tables_scan_order_and_paging,
        tables_batch_atomic,
    );

    let (_, store) = fresh(node, "consumer").await;
    timed(
        "consumer_applies_each_event_once",
        conformance::consumer_applies_each_event_once(store.clone(), store),
    )
    .await;
    let (_, store) = fresh(node, "consumer").await;
    timed(
        "consumer_dead_letters_and_continues",
        conformance::consumer_dead_letters_and_continues(store.clone(), store),
    )
    .await;
    let (_, store) = fresh(node, "replay").await;
    timed(
        "consumer_replays_dead_letters_once",
        conformance::consumer_replays_dead_letters_once(store.clone(), store),
    )
    .await;

    let (settings, store) = fresh(node, "reopen").await;
    drop(store);
    let again = settings.clone();
    timed(
        "log_survives_reopen",
        conformance::log_survives_reopen(move || {
            let settings = again.clone();
            async move { CqlStore::open(settings).await.expect("reopen") as Arc<dyn EventLog> }
        }),
    )
    .await;
    timed(
        "tables_survive_reopen",
        conformance::tables_survive_reopen(move || {
            let settings = settings.clone();
            async move { CqlStore::open(settings).await.expect("reopen") as Arc<dyn Tables> }
        }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_fails_at_open_with_a_clear_error() {
    let node = Cassandra::shared();

    // Unreachable contact point: a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut unreachable = Settings::new(vec![format!("127.0.0.1:{closed}")], "golmok");
    unreachable.connect_timeout_ms = 1_000;
    let error = CqlStore::open(unreachable).await.err().expect("must fail");
    assert_eq!(error.code(), "CQL_UNREACHABLE", "{error}");
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{closed}")),
        "{error}"
    );

    // Missing keyspace.
    let missing = unique_keyspace("missing");
    let error = CqlStore::open(settings(node, &missing))
        .await
        .err()
        .expect("must fail");
    assert!(
        matches!(error, OpenError::KeyspaceMissing { .. }),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("CQL_KEYSPACE_MISSING"),
        "{error}"
    );
    assert!(error.to_string().contains(&missing), "{error}");
    assert!(error.to_string().contains("migrate"), "{error}");

    // Wrong schema version: a migrated keyspace whose version row says otherwise.
    let (settings, store) = fresh(node, "version").await;
    drop(store);
    let session = scylla::client::session_builder::SessionBuilder::new()
        .known_node(node.contact_point())
        .build()
        .await
        .expect("connect");
    session
        .query_unpaged(
            format!(
                "UPDATE {}.schema_version SET version = ? WHERE id = 0",
                settings.keyspace
            ),
            (SCHEMA_VERSION + 1,),
        )
        .await
        .expect("change the version row");
    let error = CqlStore::open(settings.clone())
        .await
        .err()
        .expect("must fail");
    assert_eq!(error.code(), "CQL_SCHEMA_VERSION_MISMATCH", "{error}");
    assert!(
        error
            .to_string()
            .contains(&format!("schema version Some({})", SCHEMA_VERSION + 1))
            && error
                .to_string()
                .contains(&format!("needs {SCHEMA_VERSION}")),
        "{error}"
    );

    // Rerunning migrate is safe and repairs the version row.
    migrate(&settings).await.expect("migrate again");
    migrate(&settings).await.expect("and again");
    CqlStore::open(settings.clone())
        .await
        .expect("open after rerunning migrate");

    // The keyspace holds exactly the tables of schemas/cql/golmok.cql.
    let rows = session
        .query_unpaged(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
            (&settings.keyspace,),
        )
        .await
        .expect("list tables")
        .into_rows_result()
        .expect("rows");
    let mut created: Vec<String> = rows
        .rows::<(String,)>()
        .expect("table names")
        .map(|r| r.expect("a table name").0)
        .collect();
    created.sort();
    let mut expected = table_names();
    expected.sort();
    assert_eq!(
        created, expected,
        "tables in the keyspace vs schemas/cql/golmok.cql"
    );
}
