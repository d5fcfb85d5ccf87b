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
            checkpoint = self.step(checkpoint).await?;
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
            match self.step(checkpoint).await {
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
