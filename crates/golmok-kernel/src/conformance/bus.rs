//! The bus port: any [`EventSource`] adapter, driven by the kernel's
//! [`Consumer`]. Delivery in order per stream, no second effect after a
//! redelivery, a source told about a batch only once its effects are durable,
//! dead letters with a reason and a consumer that keeps going.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::handler::{CountingHandler, assert_applied_once, effect, in_inbox};
use super::support::{request, sample_envelope, unique, within};
use crate::{
    Consumer, ConsumerHandle, DeadLetter, Delivery, Envelope, EventHandler, EventLog, EventSource,
    ExpectedVersion, Mutation, RecordedEvent, StorageError, Tables,
};

/// How long a consumer may take to apply what was published (a Kafka
/// consumer first joins its group).
const WAIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

/// A bus under test: a producing service's log whose events reach
/// consumers through the adapter's [`EventSource`].
#[async_trait]
pub trait BusFixture: Send + Sync + 'static {
    type Source: EventSource;

    /// The consuming service's tables (effects, inbox, checkpoints).
    fn tables(&self) -> Arc<dyn Tables>;

    /// Commits `events` in order to the producing log (each to the stream in
    /// its `subject`) and makes them available on the bus; returns them as
    /// recorded by the log.
    async fn publish(&self, events: Vec<Envelope>) -> Vec<RecordedEvent>;

    /// Puts a message no source can decode on the bus, ordered with
    /// `stream`'s events published so far. False when the bus cannot carry
    /// one (the log tail holds only well-formed envelopes).
    async fn publish_undecodable(&self, stream: &str) -> bool;

    /// A new source, as a restarted process would open it.
    async fn source(&self) -> Self::Source;

    /// The dead letters kept for `consumer` so far.
    async fn dead_letters(&self, consumer: &str) -> Vec<DeadLetter>;
}

/// The in-process bus: a [`crate::LogTail`] of `log`, consumers writing to
/// `tables` (normally the same store).
pub struct LogTailBus {
    pub log: Arc<dyn EventLog>,
    pub tables: Arc<dyn Tables>,
}

#[async_trait]
impl BusFixture for LogTailBus {
    type Source = crate::LogTail;

    fn tables(&self) -> Arc<dyn Tables> {
        Arc::clone(&self.tables)
    }

    async fn publish(&self, events: Vec<Envelope>) -> Vec<RecordedEvent> {
        append_each(self.log.as_ref(), events).await
    }

    async fn publish_undecodable(&self, _stream: &str) -> bool {
        false
    }

    async fn source(&self) -> Self::Source {
        crate::LogTail::after(Arc::clone(&self.log), 0)
    }

    async fn dead_letters(&self, consumer: &str) -> Vec<DeadLetter> {
        let page = self
            .tables
            .scan(
                crate::consumer::DEAD_LETTERS,
                consumer,
                None,
                crate::ScanOrder::Ascending,
                1_000,
            )
            .await
            .expect("scan dead letters");
        page.rows
            .iter()
            .map(|row| serde_json::from_slice(&row.value).expect("a JSON dead letter"))
            .collect()
    }
}

/// Appends each event to the stream named by its subject and returns the
/// events as the log recorded them. For fixtures whose bus starts at a log.
pub async fn append_each(log: &dyn EventLog, events: Vec<Envelope>) -> Vec<RecordedEvent> {
    let mut recorded = Vec::with_capacity(events.len());
    for event in events {
        let stream = event.subject.clone();
        let id = event.id;
        let appended = log
            .append(request(&stream, ExpectedVersion::Any, vec![event]))
            .await
            .unwrap_or_else(|e| panic!("append to {stream} failed: {e}"));
        let mut read = log
            .read_all(appended.first_position, 1)
            .await
            .expect("read the appended event back");
        let event = read.pop().expect("the appended event is readable");
        assert_eq!(event.envelope.id, id, "read back another event");
        recorded.push(event);
    }
    recorded
}

/// What the wrapped source saw.
#[derive(Default)]
struct Seen {
    /// Deliveries per event id.
    deliveries: HashMap<Uuid, u64>,
    /// The cursor each event was last delivered at.
    cursors: HashMap<Uuid, String>,
    /// Cursors of the batches the source was told are done.
    committed: HashSet<String>,
    /// Events of a committed batch whose effect was not durable yet.
    violations: Vec<String>,
}

/// How the wrapped source ends.
#[derive(Clone)]
enum Ending {
    /// Runs until shut down.
    Shutdown,
    /// Dies at the first commit: the batch's effects are written but the
    /// source never hears of it, as when a process is killed in between.
    KilledBeforeFirstCommit(CancellationToken),
}

/// An [`EventSource`] wrapper that counts deliveries, and at each commit
/// checks that the batch's effects are already durable.
struct Watched<S> {
    inner: S,
    tables: Arc<dyn Tables>,
    consumer: &'static str,
    seen: Arc<Mutex<Seen>>,
    ending: Ending,
}

#[async_trait]
impl<S: EventSource> EventSource for Watched<S> {
    async fn start(&mut self, consumer: &str, tables: &dyn Tables) -> Result<u64, StorageError> {
        self.inner.start(consumer, tables).await
    }

    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        let batch = self.inner.next_batch().await?;
        let mut seen = self.seen.lock().expect("seen lock");
        for delivery in &batch {
            if let Ok(event) = &delivery.event {
                *seen.deliveries.entry(event.envelope.id).or_default() += 1;
                seen.cursors
                    .insert(event.envelope.id, delivery.cursor.clone());
            }
        }
        Ok(batch)
    }

    async fn dead_letter(
        &mut self,
        consumer: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        self.inner.dead_letter(consumer, letters).await
    }

    fn checkpoint(&self, consumer: &str, batch: &[Delivery]) -> Vec<Mutation> {
        self.inner.checkpoint(consumer, batch)
    }

    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError> {
        let mut not_durable = Vec::new();
        for delivery in batch {
            if let Ok(event) = &delivery.event
                && !in_inbox(self.tables.as_ref(), self.consumer, event.envelope.id).await
            {
                not_durable.push(format!(
                    "{} was committed before its effect was written",
                    delivery.cursor
                ));
            }
        }
        {
            let mut seen = self.seen.lock().expect("seen lock");
            seen.violations.extend(not_durable);
            if let Ending::KilledBeforeFirstCommit(token) = &self.ending {
                token.cancel();
                return Ok(0);
            }
            seen.committed
                .extend(batch.iter().map(|d| d.cursor.clone()));
        }
        self.inner.committed(batch).await
    }
}

struct Running {
    handle: ConsumerHandle,
    shutdown: CancellationToken,
    seen: Arc<Mutex<Seen>>,
}

impl Running {
    /// Stops the consumer and returns what its source saw.
    async fn stop(self) -> Seen {
        self.shutdown.cancel();
        within("consumer shutdown", self.handle.stopped()).await;
        std::mem::take(&mut *self.seen.lock().expect("seen lock"))
    }
}

async fn start<F: BusFixture>(bus: &F, handler: &Arc<CountingHandler>, ending: Ending) -> Running {
    let shutdown = match &ending {
        Ending::Shutdown => CancellationToken::new(),
        Ending::KilledBeforeFirstCommit(token) => token.clone(),
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let source = Watched {
        inner: bus.source().await,
        tables: bus.tables(),
        consumer: handler.name,
        seen: Arc::clone(&seen),
        ending,
    };
    let handle = within(
        "consumer start",
        Consumer::with_source(
            source,
            bus.tables(),
            Arc::clone(handler) as Arc<dyn EventHandler>,
        )
        .spawn(shutdown.clone()),
    )
    .await
    .expect("start the consumer");
    Running {
        handle,
        shutdown,
        seen,
    }
}

/// Waits until every event of `events` is in `handler`'s inbox.
async fn wait_applied(tables: &dyn Tables, handler: &CountingHandler, events: &[RecordedEvent]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    for event in events {
        while !in_inbox(tables, handler.name, event.envelope.id).await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the event at position {} ({}) was not applied within {WAIT:?}",
                event.position,
                event.envelope.id
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

fn labelled(stream: &str, labels: &[&str]) -> Vec<Envelope> {
    labels
        .iter()
        .map(|label| {
            let mut event = sample_envelope(stream, label);
            if *label == "poison" {
                event.data = serde_json::json!({ "poison": true });
            }
            event
        })
        .collect()
}

fn numbered(stream: &str, range: std::ops::Range<usize>) -> Vec<Envelope> {
    range
        .map(|n| sample_envelope(stream, &format!("event {n}")))
        .collect()
}

/// Events of several streams, published interleaved and partly while the
/// consumer runs, are handled once each and, per stream, in the order they
/// were committed.
pub async fn bus_delivers_in_order_per_stream<F: BusFixture>(bus: &F) {
    let streams: Vec<String> = (0..3).map(|_| unique("ordered")).collect();
    let interleaved = |round: std::ops::Range<usize>| -> Vec<Envelope> {
        round
            .flat_map(|n| {
                streams
                    .iter()
                    .map(move |s| sample_envelope(s, &format!("event {n}")))
            })
            .collect()
    };
    let handler = CountingHandler::new();
    let tables = bus.tables();
    let mut published = bus.publish(interleaved(0..6)).await;
    let running = start(bus, &handler, Ending::Shutdown).await;
    for round in [6..9, 9..12] {
        published.extend(bus.publish(interleaved(round)).await);
    }
    wait_applied(tables.as_ref(), &handler, &published).await;
    running.stop().await;

    assert_applied_once(tables.as_ref(), &handler, &published).await;
    let mut expected: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
    for event in &published {
        expected
            .entry(event.envelope.subject.as_str())
            .or_default()
            .push(event.envelope.id);
    }
    let mut handled: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for event in handler.order() {
        handled
            .entry(event.envelope.subject.clone())
            .or_default()
            .push(event.envelope.id);
    }
    for (stream, ids) in &expected {
        assert_eq!(
            handled.get(*stream),
            Some(ids),
            "stream {stream} was not handled exactly once each, in commit order"
        );
    }
    for event in handler.order() {
        let sent = published
            .iter()
            .find(|p| p.envelope.id == event.envelope.id)
            .expect("a published event");
        assert_eq!(
            unchanged(&event.envelope, &sent.envelope),
            sent.envelope,
            "the event was altered on the bus"
        );
    }
}

/// `received` with the trace context the bus may add to an event that had
/// none removed again; a bus must not change anything else.
fn unchanged(received: &Envelope, sent: &Envelope) -> Envelope {
    let mut received = received.clone();
    if sent.traceparent.is_none() {
        received.traceparent = None;
    }
    received
}

/// What [`bus_redelivery_has_no_second_effect`] observed, for the adapter's
/// own assertions (a bus that commits in the same write as the effects, like
/// the log tail, redelivers nothing; Kafka must redeliver the first batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redelivery {
    /// Events published.
    pub events: usize,
    /// Events whose effect was durable before the kill and that the
    /// restarted consumer was given again.
    pub redelivered: usize,
}

/// A consumer killed after its first batch's effects were written but before
/// its source heard of it is restarted and more events follow: whatever the
/// source delivers again has no second effect and is not handled again;
/// everything is applied once.
pub async fn bus_redelivery_has_no_second_effect<F: BusFixture>(bus: &F) -> Redelivery {
    let stream = unique("redelivered");
    let handler = CountingHandler::new();
    let tables = bus.tables();
    let mut published = bus.publish(numbered(&stream, 0..10)).await;

    let killed = CancellationToken::new();
    let first = start(
        bus,
        &handler,
        Ending::KilledBeforeFirstCommit(killed.clone()),
    )
    .await;
    within("the first batch", killed.cancelled()).await;
    within("the killed consumer to stop", first.handle.stopped()).await;
    let mut applied_before = HashSet::new();
    for event in &published {
        if in_inbox(tables.as_ref(), handler.name, event.envelope.id).await {
            applied_before.insert(event.envelope.id);
        }
    }
    assert!(
        !applied_before.is_empty(),
        "the killed consumer wrote no effect before it was told to commit"
    );

    let restarted = start(bus, &handler, Ending::Shutdown).await;
    // Events after the restart prove the restarted consumer got going.
    published.extend(bus.publish(numbered(&stream, 10..15)).await);
    wait_applied(tables.as_ref(), &handler, &published).await;
    let seen = restarted.stop().await;
    assert!(
        seen.violations.is_empty(),
        "{:?}",
        &seen.violations[..seen.violations.len().min(5)]
    );
    assert_applied_once(tables.as_ref(), &handler, &published).await;
    for event in &published {
        assert_eq!(
            handler.calls(event.envelope.id),
            1,
            "the event at position {} was handled again after the restart",
            event.position
        );
    }
    Redelivery {
        events: published.len(),
        redelivered: applied_before
            .iter()
            .filter(|id| seen.deliveries.contains_key(id))
            .count(),
    }
}

/// The source hears that a batch is done only after the batch's effects and
/// inbox entries are durable. A batch failing with a storage error is not
/// committed, writes nothing, and is retried until it succeeds; the consumer
/// then goes on with the events after it.
pub async fn bus_commits_only_durable_effects<F: BusFixture>(bus: &F) {
    let stream = unique("durable");
    let handler = CountingHandler::new();
    let tables = bus.tables();
    let published = bus
        .publish(labelled(&stream, &["a", "b", "c", "d", "e", "f"]))
        .await;
    let failing = &published[3];
    handler.fail_at.store(failing.position, Ordering::SeqCst);

    let running = start(bus, &handler, Ending::Shutdown).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while handler.calls(failing.envelope.id) < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the failing batch was not retried within {WAIT:?}"
        );
        tokio::time::sleep(POLL).await;
    }
    for event in &published[3..] {
        let id = event.envelope.id;
        assert_eq!(
            effect(tables.as_ref(), &handler, &id.to_string()).await,
            0,
            "a failing batch wrote the effect of the event at position {}",
            event.position
        );
        assert!(
            !in_inbox(tables.as_ref(), handler.name, id).await,
            "a failing batch wrote an inbox entry"
        );
    }
    {
        let seen = running.seen.lock().expect("seen lock");
        for event in &published[3..] {
            let committed = seen
                .cursors
                .get(&event.envelope.id)
                .is_some_and(|cursor| seen.committed.contains(cursor));
            assert!(
                !committed,
                "the source was told the failing batch with position {} is done",
                event.position
            );
        }
    }
    handler.fail_at.store(0, Ordering::SeqCst);
    wait_applied(tables.as_ref(), &handler, &published).await;
    let seen = running.stop().await;
    assert!(
        seen.violations.is_empty(),
        "{:?}",
        &seen.violations[..seen.violations.len().min(5)]
    );
    assert_applied_once(tables.as_ref(), &handler, &published).await;
    assert!(
        handler.calls(failing.envelope.id) >= 2,
        "the failed event was not retried"
    );
    assert!(
        published
            .iter()
            .all(|e| seen.deliveries.contains_key(&e.envelope.id)),
        "an event was applied without being delivered"
    );
}

/// An event the handler rejects for good and a message that cannot be
/// decoded go to the dead-letter place with their reasons; the rejected
/// event's partial effect is dropped and it is not retried; the consumer goes
/// on with the events after them.
pub async fn bus_dead_letters_and_continues<F: BusFixture>(bus: &F) {
    let stream = unique("dead-lettered");
    let handler = CountingHandler::new();
    let tables = bus.tables();
    let mut published = bus.publish(labelled(&stream, &["before", "poison"])).await;
    let undecodable = bus.publish_undecodable(&stream).await;
    published.extend(bus.publish(labelled(&stream, &["after", "later"])).await);
    let poison = published[1].clone();
    let healthy: Vec<RecordedEvent> = published
        .iter()
        .filter(|e| e.envelope.id != poison.envelope.id)
        .cloned()
        .collect();

    let running = start(bus, &handler, Ending::Shutdown).await;
    wait_applied(tables.as_ref(), &handler, &published).await;
    running.stop().await;

    let expected_letters = if undecodable { 2 } else { 1 };
    let deadline = tokio::time::Instant::now() + WAIT;
    let letters = loop {
        let letters = bus.dead_letters(handler.name).await;
        if letters.len() >= expected_letters || tokio::time::Instant::now() >= deadline {
            break letters;
        }
        tokio::time::sleep(POLL).await;
    };
    assert_eq!(letters.len(), expected_letters, "dead letters: {letters:?}");
    let letter = letters
        .iter()
        .find(|l| l.event_id == Some(poison.envelope.id))
        .unwrap_or_else(|| panic!("the rejected event has no dead letter: {letters:?}"));
    assert!(
        letter.reason.contains("poisoned event"),
        "dead letter without the handler's reason: {letter:?}"
    );
    assert_eq!(
        letter.event_type.as_deref(),
        Some(poison.envelope.event_type.as_str())
    );
    assert_eq!(letter.subject.as_deref(), Some(stream.as_str()));
    if undecodable {
        let garbage = letters
            .iter()
            .find(|l| l.event_id.is_none())
            .unwrap_or_else(|| panic!("the undecodable message has no dead letter: {letters:?}"));
        assert!(
            !garbage.reason.is_empty() && !garbage.cursor.is_empty(),
            "the undecodable message's dead letter has no reason or cursor: {garbage:?}"
        );
    }
    assert_eq!(
        effect(tables.as_ref(), &handler, &poison.envelope.id.to_string()).await,
        0,
        "the partial effect of a dead-lettered event was kept"
    );
    assert_eq!(
        handler.calls(poison.envelope.id),
        1,
        "the rejected event was retried"
    );
    assert_applied_once(tables.as_ref(), &handler, &healthy).await;
}
