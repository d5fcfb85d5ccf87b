use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span};

use crate::telemetry::{
    BatchApplied, ConsumerLag, ConsumerRetrying, ConsumerStage, ConsumerStarted, DeadLettered,
    short_type_name,
};
use crate::{
    DeadLetter, Delivery, EventCodec, EventLog, EventSource, LogTail, Mutation, RecordedEvent,
    StorageError, Tables,
};

/// Table holding each consumer's checkpoint (partition = consumer, clustering = "").
pub const CHECKPOINTS: &str = "checkpoints";
/// Table of applied event ids (partition = consumer, clustering = event id).
pub const INBOX: &str = "inbox";
/// Table of events a consumer could not handle (partition = consumer, clustering = position).
pub const DEAD_LETTERS: &str = "dead_letters";

const RETRY_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The event can never be handled (undecodable, violates an invariant): it
    /// goes to the dead letters with this reason and the consumer moves on.
    #[error("cannot handle event: {0}")]
    Permanent(String),
    /// Try again later (a dependency is down); nothing of the batch is written.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl HandleError {
    /// An event that can never be handled, for the reason `error` gives.
    pub fn permanent(error: impl std::fmt::Display) -> Self {
        Self::Permanent(error.to_string())
    }
}

impl RecordedEvent {
    /// The event decoded by codec `C`; an event `C` cannot decode is a
    /// permanent error (dead-lettered).
    pub fn decode<C: EventCodec>(&self) -> Result<C::Event, HandleError> {
        let envelope = &self.envelope;
        C::decode_type(&envelope.event_type, envelope.data.clone()).map_err(HandleError::permanent)
    }

    /// The name of this event when it is one of `names` published by
    /// `service`, `None` for any other event. One of them in a version other
    /// than `version` is a permanent error: its shape is unknown here.
    pub fn followed<'a>(
        &'a self,
        service: &str,
        names: &[&str],
        version: u32,
    ) -> Result<Option<&'a str>, HandleError> {
        let envelope = &self.envelope;
        let published = envelope
            .event_type
            .strip_prefix("kr.golmok.")
            .and_then(|rest| rest.strip_prefix(service))
            .is_some_and(|rest| rest.starts_with('.'));
        match envelope.name_and_version() {
            Some((name, v)) if published && names.contains(&name) => {
                if v == version {
                    Ok(Some(name))
                } else {
                    Err(HandleError::permanent(format!(
                        "unknown event type {name} version {v}"
                    )))
                }
            }
            _ => Ok(None),
        }
    }
}

/// A read model or process manager fed by a log.
#[async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// Stable consumer name: keys its checkpoint, inbox and dead letters.
    fn name(&self) -> &'static str;

    /// Applies one event's effect to `tx`. Errors discard this event's writes.
    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError>;
}

type Key = (String, String, String);
/// Rows by (table, partition, clustering): `None` is a delete.
pub(crate) type Writes = BTreeMap<Key, Option<Vec<u8>>>;

/// The writes of one consumer batch, committed atomically together with the
/// checkpoint and inbox. Reads see the batch's own pending writes first.
pub struct Transaction<'a> {
    tables: &'a dyn Tables,
    /// An earlier batch's writes that may not be in `tables` yet (a rebuild
    /// applies a batch while the one before it is being written).
    earlier: Option<&'a Writes>,
    committed: Writes,
    current: Writes,
}

impl<'a> Transaction<'a> {
    pub(crate) fn new(tables: &'a dyn Tables) -> Self {
        Self::over(tables, None)
    }

    /// A transaction reading `earlier`'s writes before `tables`.
    pub(crate) fn over(tables: &'a dyn Tables, earlier: Option<&'a Writes>) -> Self {
        Self {
            tables,
            earlier,
            committed: BTreeMap::new(),
            current: BTreeMap::new(),
        }
    }

    pub async fn get(
        &self,
        table: &str,
        partition: &str,
        clustering: &str,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let key = (
            table.to_owned(),
            partition.to_owned(),
            clustering.to_owned(),
        );
        if let Some(value) = self
            .current
            .get(&key)
            .or_else(|| self.committed.get(&key))
            .or_else(|| self.earlier.and_then(|earlier| earlier.get(&key)))
        {
            return Ok(value.clone());
        }
        self.tables.get(table, partition, clustering).await
    }

    pub fn put(&mut self, table: &str, partition: &str, clustering: &str, value: Vec<u8>) {
        self.current.insert(
            (
                table.to_owned(),
                partition.to_owned(),
                clustering.to_owned(),
            ),
            Some(value),
        );
    }

    pub fn delete(&mut self, table: &str, partition: &str, clustering: &str) {
        self.current.insert(
            (
                table.to_owned(),
                partition.to_owned(),
                clustering.to_owned(),
            ),
            None,
        );
    }

    pub(crate) fn keep_current(&mut self) {
        let current = std::mem::take(&mut self.current);
        self.committed.extend(current);
    }

    pub(crate) fn drop_current(&mut self) {
        self.current.clear();
    }

    /// The batch's writes, the event in progress included.
    pub(crate) fn into_writes(mut self) -> Writes {
        self.keep_current();
        self.committed
    }

    pub(crate) fn into_mutations(self) -> Vec<Mutation> {
        self.into_writes()
            .into_iter()
            .map(|((table, partition, clustering), value)| match value {
                Some(value) => Mutation::Put {
                    table,
                    partition,
                    clustering,
                    value,
                },
                None => Mutation::Delete {
                    table,
                    partition,
                    clustering,
                },
            })
            .collect()
    }
}

/// Feeds an [`EventHandler`] from an [`EventSource`]: by default the
/// [`LogTail`] of the service's own log, or a bus such as Kafka.
///
/// Each batch's effects, the inbox entries, the dead letters the source keeps
/// in tables and the source's checkpoint are one atomic table write; the
/// source hears that the batch is done only after that write is durable. After
/// a crash the consumer resumes where its last write left it, and whatever the
/// source delivers again finds its event id in the inbox: no effect is lost or
/// applied twice.
///
/// A [`Consumer::derived`] one (a service's projections of its own log)
/// writes with [`Tables::write_derived`]: its batch rides in the store's next
/// durable commit instead of paying for one of its own; a crash before that
/// rolls the batch back with its checkpoint, and the events are applied again
/// from the log, which holds them durably.
pub struct Consumer<S = LogTail> {
    source: S,
    tables: Arc<dyn Tables>,
    handler: Arc<dyn EventHandler>,
    derived: bool,
}

/// A running consumer: its progress and its task.
pub struct ConsumerHandle {
    checkpoint: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

impl ConsumerHandle {
    /// The source's progress mark after the last applied batch: for the log
    /// tail, the position of the last event this consumer applied.
    pub fn checkpoint(&self) -> u64 {
        *self.checkpoint.borrow()
    }

    /// Waits until the progress mark reaches `position` (for the log tail:
    /// every event up to `position` is applied); false if it does not get
    /// there within `timeout`.
    pub async fn wait_for(&self, position: u64, timeout: Duration) -> bool {
        let mut checkpoint = self.checkpoint.clone();
        tokio::time::timeout(timeout, checkpoint.wait_for(|c| *c >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Waits for the consumer task to finish after its token was cancelled.
    pub async fn stopped(self) {
        let _ = self.task.await;
    }
}

impl Consumer<LogTail> {
    /// A consumer tailing `log` from `handler`'s checkpoint in `tables`.
    pub fn new(
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
        handler: Arc<dyn EventHandler>,
    ) -> Self {
        Self::with_source(LogTail::after(log, 0), tables, handler)
    }

    /// The durable checkpoint of `consumer` (0 before its first event).
    pub async fn stored_checkpoint(
        tables: &dyn Tables,
        consumer: &str,
    ) -> Result<u64, StorageError> {
        match tables.get(CHECKPOINTS, consumer, "").await? {
            None => Ok(0),
            Some(bytes) => {
                let bytes: [u8; 8] = bytes
                    .try_into()
                    .map_err(|_| StorageError::Corrupt(format!("checkpoint of {consumer}")))?;
                Ok(u64::from_be_bytes(bytes))
            }
        }
    }

    /// The write that sets `consumer`'s durable checkpoint to `position`.
    pub fn checkpoint_write(consumer: &str, position: u64) -> Mutation {
        Mutation::put(CHECKPOINTS, consumer, "", position.to_be_bytes().to_vec())
    }

    /// Applies every event up to the log's head, then returns the
    /// checkpoint reached (the persistence tests compare it with the live one).
    pub async fn catch_up(&self) -> Result<u64, StorageError> {
        let mut tail = self.source.clone();
        let mut checkpoint = tail
            .start(self.handler.name(), self.tables.as_ref())
            .await?;
        loop {
            let events = tail.poll_batch().await?;
            if events.is_empty() {
                return Ok(checkpoint);
            }
            checkpoint = apply(
                &mut tail,
                self.tables.as_ref(),
                self.handler.as_ref(),
                &events,
                self.derived,
            )
            .await?;
        }
    }
}

impl<S: EventSource> Consumer<S> {
    /// A consumer fed by `source`.
    pub fn with_source(source: S, tables: Arc<dyn Tables>, handler: Arc<dyn EventHandler>) -> Self {
        Self {
            source,
            tables,
            handler,
            derived: false,
        }
    }

    /// The same consumer writing with [`Tables::write_derived`]: only for a
    /// handler whose every effect is in its tables (or is idempotent) and
    /// whose events stay in a durable log it resumes from, so that a batch
    /// rolled back by a crash is simply applied again.
    pub fn derived(mut self) -> Self {
        self.derived = true;
        self
    }

    /// Starts the source and runs until `shutdown` is cancelled.
    pub async fn spawn(
        mut self,
        shutdown: CancellationToken,
    ) -> Result<ConsumerHandle, StorageError> {
        let name = self.handler.name();
        let start = self.source.start(name, self.tables.as_ref()).await?;
        ConsumerStarted {
            consumer: name,
            source: short_type_name::<S>(),
            mark: start,
        }
        .emit();
        report_lag(&self.source, name);
        let (tx, rx) = watch::channel(start);
        let task = tokio::spawn(async move { self.run(tx, shutdown).await });
        Ok(ConsumerHandle {
            checkpoint: rx,
            task,
        })
    }

    async fn run(mut self, progress: watch::Sender<u64>, shutdown: CancellationToken) {
        let name = self.handler.name();
        let mut failed: Option<Vec<Delivery>> = None;
        loop {
            let batch = match failed.take() {
                Some(batch) => batch,
                None => {
                    let next = tokio::select! {
                        _ = shutdown.cancelled() => return,
                        next = self.source.next_batch() => next,
                    };
                    match next {
                        Ok(batch) => batch,
                        Err(StorageError::Closed) => return,
                        Err(error) => {
                            ConsumerRetrying {
                                consumer: name,
                                stage: ConsumerStage::Read,
                                error: &error,
                            }
                            .emit();
                            if backoff(&shutdown).await.is_err() {
                                return;
                            }
                            continue;
                        }
                    }
                }
            };
            if shutdown.is_cancelled() {
                return;
            }
            match apply(
                &mut self.source,
                self.tables.as_ref(),
                self.handler.as_ref(),
                &batch,
                self.derived,
            )
            .await
            {
                Ok(mark) => {
                    progress.send_replace(mark);
                    report_lag(&self.source, name);
                }
                Err(error) => {
                    ConsumerRetrying {
                        consumer: name,
                        stage: ConsumerStage::Apply,
                        error: &error,
                    }
                    .emit();
                    report_lag(&self.source, name);
                    failed = Some(batch);
                    if backoff(&shutdown).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Sets the consumer's lag gauge when its source can tell it.
fn report_lag<S: EventSource>(source: &S, consumer: &'static str) {
    if let Some(lag) = source.lag() {
        ConsumerLag { consumer, lag }.emit();
    }
}

/// Sleeps before a retry; `Err` when shutdown came first.
async fn backoff(shutdown: &CancellationToken) -> Result<(), ()> {
    tokio::select! {
        _ = shutdown.cancelled() => Err(()),
        _ = tokio::time::sleep(RETRY_BACKOFF) => Ok(()),
    }
}

/// Applies one batch: effects, inbox, dead letters and checkpoint in one
/// atomic write (a derived one when `derived`), then tells the source.
/// Returns the source's progress mark. What the batch did is reported only
/// once it is written, so a batch that is retried is counted once.
async fn apply<S: EventSource>(
    source: &mut S,
    tables: &dyn Tables,
    handler: &dyn EventHandler,
    batch: &[Delivery],
    derived: bool,
) -> Result<u64, StorageError> {
    let name = handler.name();
    let mut tx = Transaction::new(tables);
    let mut letters = Vec::new();
    let mut applied = Vec::new();
    let mut report = BatchApplied::default();
    for delivery in batch {
        let event = match &delivery.event {
            Ok(event) => event,
            Err(reason) => {
                letters.push(DeadLetter::new(delivery, reason));
                continue;
            }
        };
        report.position = report.position.max(Some(event.position));
        let id = event.envelope.id.to_string();
        if tx.get(INBOX, name, &id).await?.is_some() {
            report.duplicates += 1;
            continue;
        }
        match handler
            .handle(event, &mut tx)
            .instrument(handling(name, event))
            .await
        {
            Ok(()) => {
                tx.keep_current();
                applied.push(event.envelope.time);
            }
            Err(HandleError::Permanent(reason)) => {
                tx.drop_current();
                letters.push(DeadLetter::new(delivery, &reason));
            }
            Err(HandleError::Storage(error)) => return Err(error),
        }
        tx.put(INBOX, name, &id, Vec::new());
        tx.keep_current();
    }
    let mut writes = tx.into_mutations();
    if !letters.is_empty() {
        writes.extend(source.dead_letter(name, &letters).await?);
    }
    writes.extend(source.checkpoint(name, batch));
    if derived {
        tables.write_derived(writes).await?;
    } else {
        tables.write(writes).await?;
    }
    let durable = chrono::Utc::now();
    report.applied = applied.len() as u64;
    report.dead_lettered = letters.len() as u64;
    report.delays = applied
        .iter()
        .map(|committed| delay_seconds(*committed, durable))
        .collect();
    report.emit(name);
    for letter in &letters {
        DeadLettered {
            consumer: name,
            cursor: &letter.cursor,
            event_id: letter.event_id.map(|id| id.to_string()),
            reason: &letter.reason,
        }
        .emit();
    }
    source.committed(batch).await
}

/// The consumer span of one event's handling, a child of the span the
/// event's `traceparent` names (the relay's publish over Kafka, the append
/// under the in-process bus); none while no trace is recorded.
fn handling(consumer: &'static str, event: &RecordedEvent) -> Span {
    if !crate::trace::recording() {
        return Span::none();
    }
    let span = tracing::info_span!(
        "consume",
        otel.name = %format_args!("{consumer} process"),
        otel.kind = "consumer",
        consumer,
        event_type = %event.envelope.event_type,
        position = event.position,
    );
    crate::trace::follow(&span, event.envelope.traceparent.as_deref());
    span
}

/// Seconds from `committed` to `applied`; 0 when the clocks disagree.
fn delay_seconds(
    committed: chrono::DateTime<chrono::Utc>,
    applied: chrono::DateTime<chrono::Utc>,
) -> f64 {
    (applied - committed)
        .to_std()
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::{AppendError, AppendRequest, Appended, IdempotencyRecord, Page, ScanOrder};

    /// A log whose head claims events that `read_all` never returns, as an
    /// adapter with lagging reads would.
    struct HeadAheadLog {
        head: watch::Sender<u64>,
        reads: AtomicU64,
    }

    #[async_trait]
    impl EventLog for HeadAheadLog {
        async fn append(&self, _: AppendRequest) -> Result<Appended, AppendError> {
            Err(AppendError::Storage(StorageError::Closed))
        }
        async fn read_stream(
            &self,
            _: &str,
            _: u64,
            _: usize,
        ) -> Result<Vec<RecordedEvent>, StorageError> {
            Ok(Vec::new())
        }
        async fn read_all(&self, _: u64, _: usize) -> Result<Vec<RecordedEvent>, StorageError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(Vec::new())
        }
        fn head(&self) -> watch::Receiver<u64> {
            self.head.subscribe()
        }
        async fn idempotency(&self, _: &str) -> Result<Option<IdempotencyRecord>, StorageError> {
            Ok(None)
        }
    }

    #[derive(Default)]
    struct MemoryTables(Mutex<BTreeMap<Key, Vec<u8>>>);

    #[async_trait]
    impl Tables for MemoryTables {
        async fn get(
            &self,
            table: &str,
            partition: &str,
            clustering: &str,
        ) -> Result<Option<Vec<u8>>, StorageError> {
            let key = (
                table.to_owned(),
                partition.to_owned(),
                clustering.to_owned(),
            );
            Ok(self.0.lock().expect("tables lock").get(&key).cloned())
        }
        async fn scan(
            &self,
            _: &str,
            _: &str,
            _: Option<&str>,
            _: ScanOrder,
            _: usize,
        ) -> Result<Page, StorageError> {
            Ok(Page {
                rows: Vec::new(),
                next: None,
            })
        }
        async fn write(&self, batch: Vec<Mutation>) -> Result<(), StorageError> {
            let mut rows = self.0.lock().expect("tables lock");
            for mutation in batch {
                match mutation {
                    Mutation::Put {
                        table,
                        partition,
                        clustering,
                        value,
                    } => {
                        rows.insert((table, partition, clustering), value);
                    }
                    Mutation::Delete {
                        table,
                        partition,
                        clustering,
                    } => {
                        rows.remove(&(table, partition, clustering));
                    }
                }
            }
            Ok(())
        }
    }

    struct Ignore;

    #[async_trait]
    impl EventHandler for Ignore {
        fn name(&self) -> &'static str {
            "ignore"
        }
        async fn handle(
            &self,
            _: &RecordedEvent,
            _: &mut Transaction<'_>,
        ) -> Result<(), HandleError> {
            Ok(())
        }
    }

    fn head_ahead() -> (Arc<HeadAheadLog>, Consumer) {
        let log = Arc::new(HeadAheadLog {
            head: watch::Sender::new(3),
            reads: AtomicU64::new(0),
        });
        let consumer = Consumer::new(
            log.clone(),
            Arc::new(MemoryTables::default()),
            Arc::new(Ignore),
        );
        (log, consumer)
    }

    /// Runs `test` on its own runtime; a task that never yields (the bug
    /// these tests guard against) fails the test instead of hanging it.
    fn bounded<F: Future<Output = ()> + Send + 'static>(test: F) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let outcome = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), tokio::spawn(test)).await
        });
        runtime.shutdown_background();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(panicked)) => std::panic::resume_unwind(panicked.into_panic()),
            Err(_) => panic!("the consumer spun without yielding"),
        }
    }

    #[test]
    fn catch_up_fails_when_the_head_is_ahead_of_readable_events() {
        bounded(async {
            let (_log, consumer) = head_ahead();
            let error = consumer.catch_up().await.expect_err("no event is readable");
            assert!(
                error.to_string().contains("no event after position 0"),
                "{error}"
            );
        });
    }

    #[test]
    fn a_running_consumer_backs_off_when_the_head_is_ahead() {
        bounded(async {
            let (log, consumer) = head_ahead();
            let shutdown = CancellationToken::new();
            let running = consumer.spawn(shutdown.clone()).await.expect("spawn");
            tokio::time::sleep(Duration::from_millis(500)).await;
            shutdown.cancel();
            running.stopped().await;
            let reads = log.reads.load(Ordering::SeqCst);
            assert!(
                (1..=5).contains(&reads),
                "{reads} reads in 500 ms: the consumer did not back off"
            );
        });
    }

    /// Fails event 2 once with a storage error (the batch is retried) and
    /// can never handle event 3.
    #[derive(Default)]
    struct Flaky {
        failed_once: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl EventHandler for Flaky {
        fn name(&self) -> &'static str {
            "flaky"
        }
        async fn handle(
            &self,
            event: &RecordedEvent,
            tx: &mut Transaction<'_>,
        ) -> Result<(), HandleError> {
            match event.position {
                2 if !self.failed_once.swap(true, Ordering::SeqCst) => {
                    Err(StorageError::Io("disk hiccup".into()).into())
                }
                3 => Err(HandleError::Permanent("cannot apply".into())),
                position => {
                    tx.put("effects", "flaky", &position.to_string(), Vec::new());
                    Ok(())
                }
            }
        }
    }

    /// The value of the sample `series` (`name{labels}`) in the exposition.
    fn sample(exposition: &str, series: &str) -> Option<f64> {
        exposition
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    /// A batch is reported once, after it is durable: the failed first try of
    /// a batch counts as a retry, not as applied events; the dead letter
    /// counts once; lag and position describe the durable state.
    #[test]
    fn a_retried_batch_is_counted_once_and_its_dead_letter_once() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let exposition = recorder.handle();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        metrics::with_local_recorder(&recorder, || {
            runtime.block_on(async {
                let log = crate::tail::tests::Numbered::new(3);
                let consumer = Consumer::new(
                    log,
                    Arc::new(MemoryTables::default()),
                    Arc::new(Flaky::default()),
                );
                let shutdown = CancellationToken::new();
                let running = consumer.spawn(shutdown.clone()).await.expect("spawn");
                assert!(running.wait_for(3, Duration::from_secs(5)).await);
                shutdown.cancel();
                running.stopped().await;
            });
        });
        let text = exposition.render();
        let flaky = |series: &str| sample(&text, series);
        assert_eq!(
            flaky(r#"golmok_consumer_events_total{consumer="flaky",outcome="applied"}"#),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            flaky(r#"golmok_consumer_events_total{consumer="flaky",outcome="dead_lettered"}"#),
            Some(1.0)
        );
        assert_eq!(
            flaky(r#"golmok_consumer_events_total{consumer="flaky",outcome="duplicate"}"#),
            Some(0.0)
        );
        assert_eq!(
            flaky(r#"golmok_dead_letters_total{consumer="flaky"}"#),
            Some(1.0)
        );
        assert_eq!(
            flaky(r#"golmok_consumer_retries_total{consumer="flaky",stage="apply"}"#),
            Some(1.0)
        );
        assert_eq!(
            flaky(r#"golmok_consumer_lag_events{consumer="flaky"}"#),
            Some(0.0)
        );
        assert_eq!(
            flaky(r#"golmok_projection_position{projection="flaky"}"#),
            Some(3.0)
        );
        assert_eq!(
            flaky(r#"golmok_projection_delay_seconds_count{projection="flaky"}"#),
            Some(2.0)
        );
    }
}
