//! Several consumers of one log into the same tables, each through its own
//! store (its own driver session, as separate processes have), race on every
//! event: the inbox is a compare-and-set, so each event has exactly one effect.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use golmok_kernel::conformance::sample_envelope;
use golmok_kernel::{
    AppendRequest, Consumer, EventHandler, EventLog, ExpectedVersion, HandleError, RecordedEvent,
    Tables, Transaction,
};
use golmok_scylla::{CqlStore, Settings, migrate};
use golmok_testkit::Cassandra;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const EVENTS: u64 = 120;
const CONSUMERS: usize = 3;

/// Counts events per stream in a read-model row: a second effect of one event
/// shows up as a count above the number of events.
struct Counter;

#[async_trait]
impl EventHandler for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let current = tx
            .get("counts", &event.envelope.subject, "n")
            .await?
            .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
            .unwrap_or(0);
        tx.put(
            "counts",
            &event.envelope.subject,
            "n",
            (current + 1).to_be_bytes().to_vec(),
        );
        tx.put("applied", "all", &event.envelope.id.to_string(), Vec::new());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_consumers_apply_each_event_once() {
    let node = Cassandra::shared();
    let settings = Settings::new(
        vec![node.contact_point()],
        &format!("consumers_{}", Uuid::now_v7().simple()),
    );
    migrate(&settings).await.expect("migrate");
    let mut stores = Vec::new();
    for _ in 0..CONSUMERS {
        stores.push(CqlStore::open(settings.clone()).await.expect("open"));
    }
    let stream = format!("counted-{}", Uuid::now_v7());
    let stop = CancellationToken::new();
    let mut handles = Vec::new();
    for store in &stores {
        let log: Arc<dyn EventLog> = store.clone();
        let tables: Arc<dyn Tables> = store.clone();
        handles.push(
            Consumer::new(log, tables, Arc::new(Counter))
                .spawn(stop.clone())
                .await
                .expect("start a consumer"),
        );
    }
    let mut head = 0;
    for n in 0..EVENTS {
        // Appends go through all three stores: three committers on one sequencer.
        let store = &stores[(n as usize) % CONSUMERS];
        let appended = store
            .append(AppendRequest {
                stream: stream.clone(),
                expected: ExpectedVersion::Any,
                events: vec![sample_envelope(&stream, &n.to_string())],
                idempotency: None,
            })
            .await
            .expect("append");
        head = head.max(appended.last_position);
    }
    assert_eq!(
        head, EVENTS,
        "positions of {EVENTS} appends through three stores"
    );
    for handle in &handles {
        assert!(
            handle.wait_for(head, Duration::from_secs(60)).await,
            "a consumer did not reach the head {head}"
        );
    }
    let count = stores[0]
        .get("counts", &stream, "n")
        .await
        .expect("read the count")
        .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
    assert_eq!(
        count,
        Some(EVENTS),
        "effects of {EVENTS} events by {CONSUMERS} racing consumers"
    );
    let applied = stores[0]
        .scan(
            "applied",
            "all",
            None,
            golmok_kernel::ScanOrder::Ascending,
            1_000,
        )
        .await
        .expect("scan");
    assert_eq!(applied.rows.len() as u64, EVENTS);
    stop.cancel();
    for handle in handles {
        handle.stopped().await;
    }
}
