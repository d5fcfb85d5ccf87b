use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{EventLog, Mutation, RecordedEvent, StorageError, Tables};

/// Table holding each consumer's checkpoint (partition = consumer, clustering = "").
pub const CHECKPOINTS: &str = "checkpoints";
/// Table of applied event ids (partition = consumer, clustering = event id).
pub const INBOX: &str = "inbox";
/// Table of events a consumer could not handle (partition = consumer, clustering = position).
pub const DEAD_LETTERS: &str = "dead_letters";

const BATCH: usize = 512;
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

/// The writes of one consumer batch, committed atomically together with the
/// checkpoint and inbox. Reads see the batch's own pending writes first.
pub struct Transaction<'a> {
    tables: &'a dyn Tables,
    committed: BTreeMap<Key, Option<Vec<u8>>>,
    current: BTreeMap<Key, Option<Vec<u8>>>,
}

impl<'a> Transaction<'a> {
    fn new(tables: &'a dyn Tables) -> Self {
        Self {
            tables,
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
        if let Some(value) = self.current.get(&key).or_else(|| self.committed.get(&key)) {
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

    fn keep_current(&mut self) {
        let current = std::mem::take(&mut self.current);
        self.committed.extend(current);
    }

    fn drop_current(&mut self) {
        self.current.clear();
    }

    fn into_mutations(mut self) -> Vec<Mutation> {
        self.keep_current();
        self.committed
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

/// Tails a log from a durable checkpoint and feeds an [`EventHandler`].
///
/// Each batch's effects, the inbox entries and the new checkpoint are one
/// atomic table write: after a crash the consumer resumes exactly where its
/// last write left it, so no effect is lost or applied twice.
pub struct Consumer {
    log: Arc<dyn EventLog>,
    tables: Arc<dyn Tables>,
    handler: Arc<dyn EventHandler>,
}

/// A running consumer: its checkpoint and its task.
pub struct ConsumerHandle {
    checkpoint: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

impl ConsumerHandle {
    /// The position of the last event this consumer applied.
    pub fn checkpoint(&self) -> u64 {
        *self.checkpoint.borrow()
    }

    /// Waits until the consumer has applied every event up to `position`;
    /// false if it does not get there within `timeout`.
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

impl Consumer {
    pub fn new(
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
        handler: Arc<dyn EventHandler>,
    ) -> Self {
        Self {
            log,
            tables,
            handler,
        }
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

    /// Applies every event up to the log's current head, then returns the
    /// checkpoint reached. Used by `golmok replay` and by tests.
    pub async fn catch_up(&self) -> Result<u64, StorageError> {
        let head = *self.log.head().borrow();
        let mut checkpoint =
            Self::stored_checkpoint(self.tables.as_ref(), self.handler.name()).await?;
        while checkpoint < head {
            let next = self.step(checkpoint).await?;
            if next == checkpoint {
                // The log advertised events it cannot read: fail instead of spinning.
                return Err(StorageError::Io(format!(
                    "log head is {head} but no event after position {checkpoint} is readable"
                )));
            }
            checkpoint = next;
        }
        Ok(checkpoint)
    }

    /// Runs until `shutdown` is cancelled.
    pub async fn spawn(self, shutdown: CancellationToken) -> Result<ConsumerHandle, StorageError> {
        let start = Self::stored_checkpoint(self.tables.as_ref(), self.handler.name()).await?;
        let (tx, rx) = watch::channel(start);
        let task = tokio::spawn(async move { self.run(start, tx, shutdown).await });
        Ok(ConsumerHandle {
            checkpoint: rx,
            task,
        })
    }

    async fn run(
        self,
        mut checkpoint: u64,
        progress: watch::Sender<u64>,
        shutdown: CancellationToken,
    ) {
        let mut head = self.log.head();
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            if *head.borrow_and_update() <= checkpoint {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    changed = head.changed() => if changed.is_err() { return },
                }
                continue;
            }
            let stepped = match self.step(checkpoint).await {
                // The head is ahead of what the log lets us read: back off, do not spin.
                Ok(next) if next == checkpoint => Err(StorageError::Io(format!(
                    "log head is past {checkpoint} but no later event is readable"
                ))),
                stepped => stepped,
            };
            match stepped {
                Ok(next) => {
                    checkpoint = next;
                    progress.send_replace(checkpoint);
                }
                Err(error) => {
                    tracing::warn!(consumer = self.handler.name(), %error, "consumer batch failed; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(RETRY_BACKOFF) => {}
                    }
                }
            }
        }
    }

    /// Applies one batch after `checkpoint` and returns the new checkpoint.
    async fn step(&self, checkpoint: u64) -> Result<u64, StorageError> {
        let events = self.log.read_all(checkpoint + 1, BATCH).await?;
        let Some(last) = events.last().map(|e| e.position) else {
            return Ok(checkpoint);
        };
        let name = self.handler.name();
        let mut tx = Transaction::new(self.tables.as_ref());
        for event in &events {
            let id = event.envelope.id.to_string();
            if tx.get(INBOX, name, &id).await?.is_some() {
                continue;
            }
            match self.handler.handle(event, &mut tx).await {
                Ok(()) => tx.keep_current(),
                Err(HandleError::Permanent(reason)) => {
                    tx.drop_current();
                    tracing::error!(consumer = name, position = event.position, event_id = %id, %reason, "event dead-lettered");
                    let letter = serde_json::json!({
                        "eventId": id,
                        "type": event.envelope.event_type,
                        "subject": event.envelope.subject,
                        "reason": reason,
                    });
                    tx.put(
                        DEAD_LETTERS,
                        name,
                        &format!("{:020}", event.position),
                        letter.to_string().into_bytes(),
                    );
                    tx.keep_current();
                }
                Err(HandleError::Storage(error)) => return Err(error),
            }
            tx.put(INBOX, name, &id, Vec::new());
            tx.keep_current();
        }
        tx.put(CHECKPOINTS, name, "", last.to_be_bytes().to_vec());
        self.tables.write(tx.into_mutations()).await?;
        Ok(last)
    }
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
}
