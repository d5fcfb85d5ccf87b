use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

use crate::replay::TableRow;
use crate::{
    Consumer, DeadLetter, Delivery, EventLog, EventSource, LetterBox, Mutation, RecordedEvent,
    StorageError, TableLetters, Tables,
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
    /// The last position a consumer committed (as an [`EventSource`]).
    applied: u64,
}

impl LogTail {
    /// A tail that next reads the event after `position` (0 = from the start).
    pub fn after(log: Arc<dyn EventLog>, position: u64) -> Self {
        let head = log.head();
        Self {
            log,
            head,
            position,
            applied: position,
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
        self.applied = self.position;
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
            .map(|letter| TableRow::write(consumer, letter))
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
        if let Some(last) = last {
            self.applied = self.applied.max(last);
        }
        Ok(last.unwrap_or(self.position))
    }

    fn lag(&self) -> Option<u64> {
        Some(self.head.borrow().saturating_sub(self.applied))
    }

    fn letter_box(&self) -> Option<Arc<dyn LetterBox>> {
        Some(Arc::new(TableLetters::new(Arc::clone(&self.log))))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use uuid::Uuid;

    use super::*;
    use crate::{AppendError, AppendRequest, Appended, Envelope, IdempotencyRecord};

    /// A log of `len` events whose head can run ahead of what the tail read.
    pub(crate) struct Numbered {
        pub(crate) head: watch::Sender<u64>,
        events: Mutex<Vec<RecordedEvent>>,
    }

    impl Numbered {
        pub(crate) fn new(len: u64) -> Arc<Self> {
            let events = (1..=len)
                .map(|position| RecordedEvent {
                    position,
                    envelope: Envelope {
                        id: Uuid::now_v7(),
                        source: "/golmok/test".into(),
                        event_type: "kr.golmok.test.Happened.v1".into(),
                        subject: "stream-1".into(),
                        time: chrono::Utc::now(),
                        stream_version: position,
                        correlation_id: Uuid::now_v7(),
                        causation_id: Uuid::now_v7(),
                        traceparent: None,
                        data: serde_json::json!({}),
                    },
                })
                .collect();
            Arc::new(Self {
                head: watch::Sender::new(len),
                events: Mutex::new(events),
            })
        }
    }

    #[async_trait]
    impl EventLog for Numbered {
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
        async fn read_all(
            &self,
            from: u64,
            limit: usize,
        ) -> Result<Vec<RecordedEvent>, StorageError> {
            let events = self.events.lock().expect("events lock");
            Ok(events
                .iter()
                .filter(|e| e.position >= from)
                .take(limit)
                .cloned()
                .collect())
        }
        fn head(&self) -> watch::Receiver<u64> {
            self.head.subscribe()
        }
        async fn idempotency(&self, _: &str) -> Result<Option<IdempotencyRecord>, StorageError> {
            Ok(None)
        }
    }

    /// Lag counts what is committed but not yet applied: a batch that was
    /// read but whose write failed (and will be retried) is still lag.
    #[tokio::test]
    async fn lag_is_the_log_head_minus_the_last_committed_position() {
        let log = Numbered::new(3);
        let mut tail = LogTail::after(log.clone(), 1);
        assert_eq!(tail.lag(), Some(2), "a tail from a checkpoint");

        let batch = tail.next_batch().await.expect("events 2 and 3");
        assert_eq!(batch.len(), 2);
        assert_eq!(tail.lag(), Some(2), "read is not applied");

        tail.committed(&batch[..1]).await.expect("committed");
        assert_eq!(tail.lag(), Some(1));
        tail.committed(&batch).await.expect("committed");
        assert_eq!(tail.lag(), Some(0));

        log.head.send_replace(10);
        assert_eq!(tail.lag(), Some(7), "a commit elsewhere is lag at once");
        tail.committed(&batch[..1]).await.expect("a redelivery");
        assert_eq!(
            tail.lag(),
            Some(7),
            "lag never grows back from a redelivery"
        );
    }
}
