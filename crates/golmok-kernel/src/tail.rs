use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

use crate::consumer::DEAD_LETTERS;
use crate::{
    Consumer, DeadLetter, Delivery, EventLog, EventSource, Mutation, RecordedEvent, StorageError,
    Tables,
};

/// Events read from the log per batch.
const BATCH: usize = 512;

/// Follows an [`EventLog`] in position order from a position: the in-process
/// bus. The relay and every in-process [`Consumer`] tail the log through it.
///
/// As an [`EventSource`] it keeps the consumer's checkpoint and dead letters
/// in the consumer's tables, written atomically with the effects, so it never
/// redelivers after a restart.
#[derive(Clone)]
pub struct LogTail {
    log: Arc<dyn EventLog>,
    head: watch::Receiver<u64>,
    position: u64,
}

impl LogTail {
    /// A tail that next reads the event after `position` (0 = from the start).
    pub fn after(log: Arc<dyn EventLog>, position: u64) -> Self {
        let head = log.head();
        Self {
            log,
            head,
            position,
        }
    }

    /// The events after the tail's position (at most a batch) without
    /// waiting; empty when the tail has reached the head. Fails when the head
    /// is ahead but the log returns nothing, instead of spinning.
    pub async fn poll(&mut self) -> Result<Vec<RecordedEvent>, StorageError> {
        let head = *self.head.borrow_and_update();
        if head <= self.position {
            return Ok(Vec::new());
        }
        let events = self.log.read_all(self.position + 1, BATCH).await?;
        let Some(last) = events.last() else {
            return Err(StorageError::Io(format!(
                "log head is {head} but no event after position {} is readable",
                self.position
            )));
        };
        self.position = last.position;
        Ok(events)
    }

    /// [`LogTail::poll`] as deliveries.
    pub(crate) async fn poll_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        Ok(deliveries(self.poll().await?))
    }

    /// Waits until there are events after the tail's position and returns
    /// them (at most a batch). Cancel-safe. `Closed` when the log is gone.
    pub async fn next(&mut self) -> Result<Vec<RecordedEvent>, StorageError> {
        loop {
            let events = self.poll().await?;
            if !events.is_empty() {
                return Ok(events);
            }
            self.head
                .changed()
                .await
                .map_err(|_| StorageError::Closed)?;
        }
    }
}

/// The deliveries of events read from the log; the cursor is the zero-padded position.
fn deliveries(events: Vec<RecordedEvent>) -> Vec<Delivery> {
    events
        .into_iter()
        .map(|event| Delivery {
            cursor: format!("{:020}", event.position),
            event: Ok(event),
        })
        .collect()
}

#[async_trait]
impl EventSource for LogTail {
    async fn start(&mut self, consumer: &str, tables: &dyn Tables) -> Result<u64, StorageError> {
        self.position = Consumer::stored_checkpoint(tables, consumer).await?;
        Ok(self.position)
    }

    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        Ok(deliveries(self.next().await?))
    }

    async fn dead_letter(
        &mut self,
        consumer: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        letters
            .iter()
            .map(|letter| {
                let body = serde_json::to_vec(letter)
                    .map_err(|e| StorageError::Io(format!("dead letter: {e}")))?;
                Ok(Mutation::put(DEAD_LETTERS, consumer, &letter.cursor, body))
            })
            .collect()
    }

    fn checkpoint(&self, consumer: &str, batch: &[Delivery]) -> Vec<Mutation> {
        batch
            .iter()
            .filter_map(|d| d.event.as_ref().ok().map(|e| e.position))
            .max()
            .map(|last| Consumer::checkpoint_write(consumer, last))
            .into_iter()
            .collect()
    }

    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError> {
        let last = batch
            .iter()
            .filter_map(|d| d.event.as_ref().ok().map(|e| e.position))
            .max();
        Ok(last.unwrap_or(self.position))
    }
}
