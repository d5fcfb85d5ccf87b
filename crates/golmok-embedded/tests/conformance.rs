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
async fn derived_consumer_applies_each_event_once() {
    let (_dir, store) = fresh();
    let before = store.stats();
    conformance::derived_consumer_applies_each_event_once(store.clone(), store.clone()).await;
    assert!(
        store.stats().derived_commits > before.derived_commits,
        "the derived consumer's batches were all synced on their own"
    );
}

/// A projection keeping each event's position by its id.
struct Positions;

#[async_trait::async_trait]
impl golmok_kernel::EventHandler for Positions {
    fn name(&self) -> &'static str {
        "positions"
    }

    async fn handle(
        &self,
        event: &golmok_kernel::RecordedEvent,
        tx: &mut golmok_kernel::Transaction<'_>,
    ) -> Result<(), golmok_kernel::HandleError> {
        let id = event.envelope.id.to_string();
        tx.put(
            "positions",
            "all",
            &id,
            event.position.to_be_bytes().to_vec(),
        );
        Ok(())
    }
}

/// A projection of the store's own log writes its batches without a sync of
/// their own; closing the store makes them durable, so after a reopen the
/// checkpoint is where the projection left it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_writes_are_durable_after_a_clean_close() {
    let (dir, store) = fresh();
    let path = dir.path().join("golmok.redb");
    let handler: Arc<dyn golmok_kernel::EventHandler> = Arc::new(Positions);
    let name = handler.name();
    let projections = golmok_kernel::Projections::start_handlers(
        store.clone(),
        store.clone(),
        vec![handler],
        std::time::Duration::from_secs(30),
    )
    .await
    .expect("start the projection");
    let stream = "closed-cleanly";
    let mut last = 0;
    for n in 0..20 {
        let appended = store
            .append(golmok_kernel::AppendRequest {
                stream: stream.into(),
                expected: golmok_kernel::ExpectedVersion::Any,
                events: vec![conformance::sample_envelope(stream, &n.to_string())],
                idempotency: None,
            })
            .await
            .expect("append");
        last = appended.last_position;
        assert!(projections.settle(last).await, "the projection lagged");
    }
    projections.stop().await;
    assert!(
        store.stats().derived_commits > 0,
        "no batch of the projection was committed without a sync"
    );
    drop(projections);
    drop(store);
    let reopened = reopen(&path);
    assert_eq!(
        golmok_kernel::Consumer::stored_checkpoint(reopened.as_ref(), name)
            .await
            .expect("read the checkpoint"),
        last,
        "the projection's last batch was lost by a clean close"
    );
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
