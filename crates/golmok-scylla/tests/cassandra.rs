//! Every kernel conformance suite the embedded adapter runs, against one real
//! Apache Cassandra 5.0 node (started once for this test process, from the jars
//! `scripts/cassandra/install` resolved), each suite in a fresh keyspace; the
//! clear errors of bad configuration; whole-table listing (the partition
//! index) and the migration of a version 1 keyspace.
//!
//! Cassandra takes ~15 s to start, and nextest runs each test in its own
//! process, so the suites run in order inside one test per node.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use golmok_kernel::{
    Consumer, EventLog, Mutation, Row, Tables, WholeTables, clear_table, conformance,
};
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

async fn connect(node: &Cassandra) -> scylla::client::session::Session {
    scylla::client::session_builder::SessionBuilder::new()
        .known_node(node.contact_point())
        .build()
        .await
        .expect("connect")
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

    let (_, store) = fresh(node, "rebuild").await;
    timed(
        "rebuild_equals_live",
        conformance::rebuild_equals_live(store),
    )
    .await;
    let (_, store) = fresh(node, "rebuild").await;
    timed(
        "rebuild_refuses_undeclared_tables",
        conformance::rebuild_refuses_undeclared_tables(store),
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
    let session = connect(node).await;
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

/// Every row of `table`, read `page` rows at a time with `rows_after`.
async fn whole(store: &CqlStore, table: &str, page: usize) -> Vec<(String, String, Vec<u8>)> {
    let mut rows: Vec<Row> = Vec::new();
    loop {
        let after = rows
            .last()
            .map(|r| (r.partition.as_str(), r.clustering.as_str()));
        let next = store
            .rows_after(table, after, page)
            .await
            .expect("rows_after");
        assert!(next.len() <= page, "a page holds at most its limit");
        if next.is_empty() {
            break;
        }
        rows.extend(next);
    }
    rows.into_iter()
        .map(|r| (r.partition, r.clustering, r.value))
        .collect()
}

fn keys(rows: &[(String, String, Vec<u8>)]) -> Vec<(&str, &str)> {
    rows.iter()
        .map(|(p, c, _)| (p.as_str(), c.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_tables_are_listed_in_order_and_a_version_1_keyspace_is_migrated() {
    let node = Cassandra::shared();
    let (settings, store) = fresh(node, "whole").await;
    let mut puts = Vec::new();
    for partition in ["p3", "p1", "p10", "p2"] {
        for clustering in ["b", "a"] {
            puts.push(Mutation::put(
                "t",
                partition,
                clustering,
                format!("{partition}/{clustering}").into_bytes(),
            ));
        }
    }
    puts.push(Mutation::put("t2", "p1", "a", b"other table".to_vec()));
    store.write(puts).await.expect("write rows");
    store
        .write(vec![
            Mutation::delete("t", "p2", "a"),
            Mutation::delete("t", "p2", "b"),
        ])
        .await
        .expect("empty a partition");
    let expected = [
        ("p1", "a"),
        ("p1", "b"),
        ("p10", "a"),
        ("p10", "b"),
        ("p3", "a"),
        ("p3", "b"),
    ];
    for page in [1, 3, 4, 100] {
        let rows = whole(&store, "t", page).await;
        assert_eq!(
            keys(&rows),
            expected,
            "(partition, clustering) order, page {page}"
        );
        assert_eq!(rows[0].2, b"p1/a");
    }
    assert_eq!(whole(&store, "t2", 10).await.len(), 1);
    assert!(whole(&store, "none", 10).await.is_empty());

    // A write larger than one logged batch (an intent of its own) is whole.
    let big: Vec<Mutation> = (0..700)
        .map(|i| {
            Mutation::put(
                "big",
                &format!("p{}", i % 7),
                &format!("{i:04}"),
                vec![7; 512],
            )
        })
        .collect();
    store.write(big).await.expect("a large write");
    let rows = whole(&store, "big", 4_096).await;
    assert_eq!(rows.len(), 700);
    assert!(
        rows.windows(2)
            .all(|w| (&w[0].0, &w[0].1) < (&w[1].0, &w[1].1))
    );

    // The checkpoints of several consumers in one write (a rebuild's swap).
    store
        .write(vec![
            Consumer::checkpoint_write("whole.a", 5),
            Consumer::checkpoint_write("whole.b", 7),
            Mutation::put("t2", "p2", "a", b"with the checkpoints".to_vec()),
        ])
        .await
        .expect("checkpoints of two consumers");
    for (consumer, position) in [("whole.a", 5), ("whole.b", 7)] {
        let stored = Consumer::stored_checkpoint(store.as_ref(), consumer)
            .await
            .expect("checkpoint");
        assert_eq!(stored, position, "{consumer}");
    }
    assert_eq!(whole(&store, "t2", 10).await.len(), 2);

    // Clearing a table deletes its rows and its index; other tables stay.
    assert_eq!(
        clear_table(store.as_ref(), "big").await.expect("clear"),
        700
    );
    assert!(whole(&store, "big", 10).await.is_empty());
    assert_eq!(
        clear_table(store.as_ref(), "big")
            .await
            .expect("clear again"),
        0
    );
    store
        .write(vec![Mutation::put("big", "p0", "again", b"x".to_vec())])
        .await
        .expect("write after clear");
    assert_eq!(keys(&whole(&store, "big", 10).await), [("p0", "again")]);
    let live = whole(&store, "t", 100).await;
    drop(store);

    // A version 1 keyspace: the same tables without the partition index.
    let session = connect(node).await;
    let ks = &settings.keyspace;

    // A write's intent that a crash left behind (recorded, effects not yet
    // written) is finished when a store is next opened.
    let intent = serde_json::json!({
        "id": Uuid::now_v7(),
        "timestamp": null,
        "effects": [
            {"table": "crashed", "partition": "p", "clustering": "c", "value": [1, 2, 3]},
            {"table": "checkpoints", "partition": "whole.c", "clustering": "", "value": [0, 0, 0, 0, 0, 0, 0, 9]},
        ],
    });
    session
        .query_unpaged(
            format!("INSERT INTO {ks}.consumer_state (consumer, key, value) VALUES ('~write~crashed', 'p', ?)"),
            (intent.to_string().into_bytes(),),
        )
        .await
        .expect("leave an intent behind");
    let store = CqlStore::open(settings.clone()).await.expect("reopen");
    let rows = whole(&store, "crashed", 10).await;
    assert_eq!(rows, [("p".to_owned(), "c".to_owned(), vec![1, 2, 3])]);
    let checkpoint = Consumer::stored_checkpoint(store.as_ref(), "whole.c")
        .await
        .expect("checkpoint");
    assert_eq!(checkpoint, 9);
    drop(store);
    let left = session
        .query_unpaged(
            format!("SELECT value FROM {ks}.consumer_state WHERE consumer = '~write~crashed'"),
            (),
        )
        .await
        .expect("read the intent's partition")
        .into_rows_result()
        .expect("rows")
        .rows_num();
    assert_eq!(left, 0, "the intent is released once applied");

    for cql in [
        format!("DROP TABLE {ks}.table_partitions"),
        format!("UPDATE {ks}.schema_version SET version = 1 WHERE id = 0"),
    ] {
        session
            .query_unpaged(cql, ())
            .await
            .expect("make a version 1 keyspace");
    }
    session
        .await_schema_agreement()
        .await
        .expect("schema agreement");
    let error = CqlStore::open(settings.clone())
        .await
        .err()
        .expect("this build refuses a version 1 keyspace");
    assert_eq!(error.code(), "CQL_SCHEMA_VERSION_MISMATCH", "{error}");
    assert!(
        error.to_string().contains("schema version Some(1)")
            && error
                .to_string()
                .contains(&format!("needs {SCHEMA_VERSION}")),
        "{error}"
    );
    migrate(&settings).await.expect("migrate 1 -> 2");
    migrate(&settings).await.expect("migrate again");
    let store = CqlStore::open(settings.clone())
        .await
        .expect("open the migrated keyspace");
    assert_eq!(
        whole(&store, "t", 2).await,
        live,
        "the backfilled index lists every row"
    );
    assert_eq!(whole(&store, "t2", 10).await.len(), 2);
    assert_eq!(keys(&whole(&store, "big", 10).await), [("p0", "again")]);
}
