//! Several consumers with one name writing into the same tables, each through
//! its own store (its own driver session, as separate processes have).
//!
//! - Racing on every event of one log: the inbox is a compare-and-set, so
//!   each event has exactly one effect.
//! - Sharing the events out, as the members of a Kafka consumer group share
//!   the partitions: each event reaches one consumer, the inbox entries never
//!   collide, and yet their handlers read and write the same row. The
//!   consumer's write sequence (every consumer write is conditional on the
//!   sequence its batch began from) makes those read-modify-writes
//!   serializable; without it, two members read the same total and one
//!   increment is lost.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use golmok_kernel::conformance::sample_envelope;
use golmok_kernel::{
    AppendRequest, Consumer, DeadLetter, Delivery, EventHandler, EventLog, EventSource,
    ExpectedVersion, HandleError, Mutation, RecordedEvent, StorageError, Tables, Transaction,
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

/// Events per member in the partitioned test, and per batch.
const SHARE: u64 = 24;
const PER_BATCH: usize = 3;

/// One member's share of the events (its partitions), delivered a few at a
/// time; progress is kept by the bus, as Kafka keeps offsets.
struct Share {
    batches: VecDeque<Vec<Delivery>>,
    applied: u64,
}

impl Share {
    fn new(member: u64) -> Share {
        let events: Vec<Delivery> = (0..SHARE)
            .map(|n| {
                let position = member * SHARE + n + 1;
                let stream = format!("shared-{position}");
                Delivery {
                    cursor: format!("share-{member}/{n}"),
                    event: Ok(RecordedEvent {
                        position,
                        envelope: sample_envelope(&stream, "e"),
                    }),
                }
            })
            .collect();
        Share {
            batches: events.chunks(PER_BATCH).map(<[Delivery]>::to_vec).collect(),
            applied: 0,
        }
    }
}

#[async_trait]
impl EventSource for Share {
    async fn start(&mut self, _: &str, _: &dyn Tables) -> Result<u64, StorageError> {
        Ok(0)
    }

    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        match self.batches.pop_front() {
            Some(batch) => Ok(batch),
            None => std::future::pending().await,
        }
    }

    async fn dead_letter(
        &mut self,
        _: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        Err(StorageError::Io(format!(
            "unexpected dead letters {letters:?}"
        )))
    }

    fn checkpoint(&self, _: &str, _: &[Delivery]) -> Vec<Mutation> {
        Vec::new()
    }

    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError> {
        self.applied += batch.len() as u64;
        Ok(self.applied)
    }
}

/// Counts every event in one row all members update, and marks each event:
/// a lost update shows as a total below the number of marks. It reads, then
/// takes a moment before writing, as a handler doing real work does, so the
/// members' batches overlap.
struct Total;

#[async_trait]
impl EventHandler for Total {
    fn name(&self) -> &'static str {
        "total"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let current = tx
            .get("totals", "all", "n")
            .await?
            .map_or(0, |b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])));
        tokio::time::sleep(Duration::from_millis(15)).await;
        tx.put("totals", "all", "n", (current + 1).to_be_bytes().to_vec());
        tx.put("marks", "all", &event.envelope.id.to_string(), Vec::new());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_sharing_out_events_never_lose_an_update_of_a_shared_row() {
    let node = Cassandra::shared();
    let settings = Settings::new(
        vec![node.contact_point()],
        &format!("shares_{}", Uuid::now_v7().simple()),
    );
    migrate(&settings).await.expect("migrate");
    let stop = CancellationToken::new();
    let mut members = Vec::new();
    for member in 0..CONSUMERS as u64 {
        let store = CqlStore::open(settings.clone()).await.expect("open");
        let tables: Arc<dyn Tables> = store.clone();
        let handle = Consumer::with_source(Share::new(member), tables, Arc::new(Total))
            .spawn(stop.clone())
            .await
            .expect("start a member");
        members.push((store, handle));
    }
    for (_, handle) in &members {
        assert!(
            handle.wait_for(SHARE, Duration::from_secs(120)).await,
            "a member did not apply its {SHARE} events"
        );
    }
    let store = &members[0].0;
    let marks = store
        .scan(
            "marks",
            "all",
            None,
            golmok_kernel::ScanOrder::Ascending,
            1_000,
        )
        .await
        .expect("scan the marks");
    let total = store
        .get("totals", "all", "n")
        .await
        .expect("read the total")
        .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
    let events = SHARE * CONSUMERS as u64;
    assert_eq!(marks.rows.len() as u64, events, "every event applied once");
    assert_eq!(
        total,
        Some(events),
        "the shared total after {events} increments by {CONSUMERS} members"
    );
    stop.cancel();
    for (_, handle) in members {
        handle.stopped().await;
    }
}
