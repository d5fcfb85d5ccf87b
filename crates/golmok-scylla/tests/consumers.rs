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
//! - A batch whose effects are written late (its process paused after its
//!   conditional write, or a second process rolling the same intent forward)
//!   must not undo what later batches wrote on top of them.

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

/// Counts events per stream in a read-model row and marks each event: a
/// second effect of one event shows up as a count above the number of
/// events, a lost update as a count below the number of marks. It reads,
/// then takes a moment before writing, as a handler doing real work does, so
/// the consumers' batches overlap.
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
        tokio::time::sleep(Duration::from_millis(15)).await;
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

/// A fresh keyspace on the shared node and one store per consumer on it.
async fn stores(prefix: &str) -> Vec<Arc<CqlStore>> {
    keyspace(prefix).await.1
}

async fn keyspace(prefix: &str) -> (Settings, Vec<Arc<CqlStore>>) {
    let node = Cassandra::shared();
    let settings = Settings::new(
        vec![node.contact_point()],
        &format!("{prefix}_{}", Uuid::now_v7().simple()),
    );
    migrate(&settings).await.expect("migrate");
    let mut stores = Vec::new();
    for _ in 0..CONSUMERS {
        stores.push(CqlStore::open(settings.clone()).await.expect("open"));
    }
    (settings, stores)
}

/// Checks that the `events` events of `stream` were each applied once and
/// counted once.
async fn assert_counted_once(store: &CqlStore, stream: &str, events: u64) {
    let count = store
        .get("counts", stream, "n")
        .await
        .expect("read the count")
        .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
    let applied = store
        .scan(
            "applied",
            "all",
            None,
            golmok_kernel::ScanOrder::Ascending,
            1_000,
        )
        .await
        .expect("scan");
    assert_eq!(applied.rows.len() as u64, events, "events applied");
    assert_eq!(
        count,
        Some(events),
        "effects of {events} events by {CONSUMERS} consumers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_consumers_apply_each_event_once() {
    let stores = stores("consumers").await;
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
    assert_counted_once(&stores[0], &stream, EVENTS).await;
    stop.cancel();
    for handle in handles {
        handle.stopped().await;
    }
}

/// Events per member in the partitioned test, and per batch.
const SHARE: u64 = 24;
const PER_BATCH: usize = 3;
/// The one stream of the partitioned test: every member updates its count.
const SHARED: &str = "shared";

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
                Delivery {
                    cursor: format!("share-{member}/{n}"),
                    event: Ok(RecordedEvent {
                        position,
                        envelope: sample_envelope(SHARED, &position.to_string()),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_sharing_out_events_never_lose_an_update_of_a_shared_row() {
    let stop = CancellationToken::new();
    let mut handles = Vec::new();
    let stores = stores("shares").await;
    for (member, store) in stores.iter().enumerate() {
        let tables: Arc<dyn Tables> = store.clone();
        let handle = Consumer::with_source(Share::new(member as u64), tables, Arc::new(Counter))
            .spawn(stop.clone())
            .await
            .expect("start a member");
        handles.push(handle);
    }
    for handle in &handles {
        assert!(
            handle.wait_for(SHARE, Duration::from_secs(120)).await,
            "a member did not apply its {SHARE} events"
        );
    }
    assert_counted_once(&stores[0], SHARED, SHARE * CONSUMERS as u64).await;
    stop.cancel();
    for handle in handles {
        handle.stopped().await;
    }
}

/// One consumer batch through the table port, as the kernel consumer writes
/// it: the inbox read that begins the batch, then inbox entry and effect in
/// one write. The effect sets the count of `SHARED` to `count`.
async fn counted(store: &CqlStore, id: &str, count: u64) {
    assert!(store.get("inbox", "counter", id).await.unwrap().is_none());
    store
        .write(vec![
            Mutation::put("inbox", "counter", id, Vec::new()),
            Mutation::put("counts", SHARED, "n", count.to_be_bytes().to_vec()),
        ])
        .await
        .expect("a consumer batch");
}

async fn shared_count(store: &CqlStore) -> Option<u64> {
    store
        .get("counts", SHARED, "n")
        .await
        .expect("read the count")
        .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")))
}

/// The late write of an intent. Batch 2 is applied; a process that still
/// holds its intent (it paused between its conditional write and its
/// effects, or read it to roll it forward just before another process did)
/// writes its effects only after batch 3 was applied on top. White box: the
/// late writer is played by putting batch 2's intent back as the pending row
/// (as that process read it) and letting another store roll it forward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intent_written_late_does_not_undo_later_batches() {
    let (settings, stores) = keyspace("late").await;
    let (first, second, late) = (&stores[0], &stores[1], &stores[2]);
    counted(first, "event-1", 1).await;
    counted(first, "event-2", 2).await;
    let session = scylla::client::session_builder::SessionBuilder::new()
        .known_node(&settings.contact_points[0])
        .build()
        .await
        .expect("a session");
    let state = format!("{}.consumer_state", settings.keyspace);
    let (sequence,) = session
        .query_unpaged(
            format!("SELECT value FROM {state} WHERE consumer = 'counter' AND key = 's'"),
            (),
        )
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .first_row::<(Vec<u8>,)>()
        .expect("the consumer's write sequence");
    let sequence = i64::from_be_bytes(sequence.try_into().expect("8 bytes"));
    // Batch 2's intent as its process built it (the adapter's pending-row
    // format: docs/adr/0007-cql-storage.md).
    let intent = serde_json::json!({
        "id": Uuid::now_v7(),
        "timestamp": sequence,
        "effects": [{
            "table": "counts",
            "partition": SHARED,
            "clustering": "n",
            "value": 2u64.to_be_bytes().to_vec(),
        }],
    });
    counted(second, "event-3", 3).await;
    assert_eq!(shared_count(second).await, Some(3));

    session
        .query_unpaged(
            format!("INSERT INTO {state} (consumer, key, value) VALUES ('counter', 'p', ?)"),
            (serde_json::to_vec(&intent).unwrap(),),
        )
        .await
        .expect("put batch 2's intent back");
    // Reading a checkpoint finishes a pending intent first.
    late.get("checkpoints", "counter", "").await.unwrap();
    assert_eq!(
        shared_count(late).await,
        Some(3),
        "batch 2's effects, written after batch 3's, replaced them"
    );
}
