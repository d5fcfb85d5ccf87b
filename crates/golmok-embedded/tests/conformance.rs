//! Every kernel conformance suite against [`EmbeddedStore`], each on a fresh
//! store file in its own temporary directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{EventLog, Tables, conformance};
use tempfile::TempDir;

fn fresh() -> (TempDir, Arc<EmbeddedStore>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = EmbeddedStore::open(&dir.path().join("golmok.redb")).expect("open a new store");
    (dir, store)
}

fn reopen(path: &Path) -> Arc<EmbeddedStore> {
    EmbeddedStore::open(path).expect("reopen the store")
}

macro_rules! suite {
    ($($suite:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $suite() {
            let (_dir, store) = fresh();
            conformance::$suite(store).await;
        }
    )+};
}

suite!(
    append_and_read_round_trip,
    expected_version_semantics,
    concurrent_writers_one_stream,
    duplicate_event_id_stored_once,
    idempotency_atomic_with_append,
    read_all_contiguous,
    tailing_never_skips,
);

suite!(
    tables_get_put_delete,
    tables_scan_order_and_paging,
    tables_batch_atomic,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_applies_each_event_once() {
    let (_dir, store) = fresh();
    conformance::consumer_applies_each_event_once(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_dead_letters_and_continues() {
    let (_dir, store) = fresh();
    conformance::consumer_dead_letters_and_continues(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_replays_dead_letters_once() {
    let (_dir, store) = fresh();
    conformance::consumer_replays_dead_letters_once(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_survives_reopen() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path: PathBuf = dir.path().join("golmok.redb");
    conformance::log_survives_reopen(|| {
        let store = reopen(&path);
        async move { store as Arc<dyn EventLog> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_survive_reopen() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path: PathBuf = dir.path().join("golmok.redb");
    conformance::tables_survive_reopen(|| {
        let store = reopen(&path);
        async move { store as Arc<dyn Tables> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_equals_live() {
    let (_dir, store) = fresh();
    conformance::rebuild_equals_live(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_refuses_undeclared_tables() {
    let (_dir, store) = fresh();
    conformance::rebuild_refuses_undeclared_tables(store).await;
}
