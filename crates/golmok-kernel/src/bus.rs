use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{LetterBox, Mutation, RecordedEvent, StorageError, Tables};

/// One message taken from a bus, in the order the bus delivers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Where the message sits in its source: stable across redeliveries and
    /// unique within the source (the log tail uses the zero-padded position,
    /// Kafka `topic/partition/offset`). Dead letters are keyed by it.
    pub cursor: String,
    /// The event, or why the message could not be decoded into one.
    pub event: Result<RecordedEvent, String>,
}

/// A message a consumer gave up on, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub cursor: String,
    /// The event's attributes when the message decoded; `None` for an
    /// undecodable message.
    pub event_id: Option<Uuid>,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub subject: Option<String>,
    pub reason: String,
}

impl DeadLetter {
    /// The dead letter for `delivery`, which failed for `reason`.
    pub fn new(delivery: &Delivery, reason: &str) -> Self {
        let event = delivery.event.as_ref().ok().map(|e| &e.envelope);
        Self {
            cursor: delivery.cursor.clone(),
            event_id: event.map(|e| e.id),
            event_type: event.map(|e| e.event_type.clone()),
            subject: event.map(|e| e.subject.clone()),
            reason: reason.to_owned(),
        }
    }
}

/// The bus port: where a [`crate::Consumer`]'s events come from.
///
/// The consumer loop is the same for every source (see [`crate::Consumer`]):
/// it takes a batch, applies each event not yet in the inbox, and writes
/// effects, inbox entries, dead letters kept in tables and the source's
/// checkpoint writes in one atomic table write. Only then is the source told
/// the batch is done ([`EventSource::committed`]), so a source may redeliver
/// anything it was not told about; the inbox makes that harmless. A batch whose
/// write failed is retried by the consumer as it is, without asking the source
/// again. Failures are reported as [`StorageError`]: to the consumer a bus is
/// one more piece of storage to retry.
///
/// Adapters: [`crate::LogTail`] (in process, tails an [`crate::EventLog`]) and
/// the Kafka consumer of `golmok-kafka`. Both pass the `bus_*` suites of
/// [`crate::conformance`].
#[async_trait]
pub trait EventSource: Send + 'static {
    /// Positions the source at `consumer`'s durable progress and returns its
    /// progress mark (see [`EventSource::committed`]).
    async fn start(&mut self, consumer: &str, tables: &dyn Tables) -> Result<u64, StorageError>;

    /// Waits for the next deliveries and returns at least one, in order per
    /// stream. Dropping the future (on shutdown) loses nothing.
    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError>;

    /// Puts `letters` in the source's dead-letter place. Anything kept outside
    /// the consumer's tables is durable when this returns; returned writes are
    /// committed atomically with the batch's effects.
    async fn dead_letter(
        &mut self,
        consumer: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError>;

    /// Writes that record `batch` as consumed, committed atomically with its
    /// effects (the log tail's checkpoint); empty for a bus that keeps its own.
    fn checkpoint(&self, consumer: &str, batch: &[Delivery]) -> Vec<Mutation>;

    /// Called after `batch`'s effects are durable: the source may now forget
    /// it (Kafka commits its offsets). Returns the progress mark the
    /// consumer's [`crate::ConsumerHandle`] reports: the last applied position
    /// for the log tail, the number of messages applied since start for Kafka.
    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError>;

    /// How many events the source holds that the consumer has not yet
    /// applied, if the source can tell without I/O (the log tail: log head
    /// minus the last committed position). Reported as
    /// `golmok_consumer_lag_events` after every batch and retry.
    fn lag(&self) -> Option<u64> {
        None
    }

    /// Where this source keeps the dead letters, for an operator to list and
    /// replay them (`golmok dlq`); `None` when it keeps none to replay.
    fn letter_box(&self) -> Option<Arc<dyn LetterBox>> {
        None
    }
}
