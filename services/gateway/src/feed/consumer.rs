//! A feed's consumer: a producer's events, through their contract, into the
//! feed's tables. Every position it is given counts toward the watermark,
//! whatever the event, so the feed releases items only once every earlier
//! position has been seen (on Kafka, positions of different streams arrive
//! out of order across partitions).

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::staged::Staged;
use super::store::{FeedTables, FeedWrites};

/// A service whose published events a feed follows: what its items carry,
/// where they are kept and how its events become them.
#[async_trait]
pub(crate) trait Producer: Send + Sync + 'static {
    /// What one item says happened.
    type Entry: Serialize + DeserializeOwned + Debug + Send + Sync + 'static;
    /// The feed's name in logs ("creator-media feed").
    const FEED: &'static str;
    const TABLES: FeedTables;

    /// Writes the item (and the feed's own state) `event` makes, if it is
    /// one the feed reads. A permanent error skips the event.
    async fn record(
        event: &RecordedEvent,
        writes: &mut FeedWrites<'_, '_, Self::Entry>,
    ) -> Result<(), HandleError>;
}

/// Feeds a feed's tables; its name is the consumer's (checkpoint, inbox,
/// Kafka consumer group).
pub(crate) struct FeedConsumer<P: Producer> {
    pub(crate) name: &'static str,
    /// Where the items written are kept for the publisher.
    pub(crate) staged: Arc<Staged<P::Entry>>,
}

#[async_trait]
impl<P: Producer> EventHandler for FeedConsumer<P> {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let mut writes = FeedWrites::new(tx, &P::TABLES);
        match P::record(event, &mut writes).await {
            Ok(()) => {}
            Err(HandleError::Permanent(reason)) => FeedEventSkipped {
                feed: P::FEED,
                position: event.position,
                event_type: &event.envelope.event_type,
                reason: &reason,
            }
            .emit(),
            Err(storage) => return Err(storage),
        }
        let watermark = writes.seen(event.position).await?;
        self.staged
            .handled(event.position, writes.written.take(), watermark);
        Ok(())
    }
}

/// Reads a contract struct from an event's data; a malformed one is a
/// permanent error (the event is skipped).
pub(crate) fn read<T: DeserializeOwned + schemars::JsonSchema>(
    event: &RecordedEvent,
) -> Result<T, HandleError> {
    golmok_contracts::read::<T>(event.envelope.data.clone()).map_err(HandleError::permanent)
}

/// An event a feed could not turn into an item: logged and counted in
/// `golmok_gateway_feed_events_skipped_total`; its position still counts
/// toward the watermark, so the feed does not stall on it.
struct FeedEventSkipped<'a> {
    feed: &'static str,
    position: u64,
    event_type: &'a str,
    reason: &'a str,
}

impl FeedEventSkipped<'_> {
    fn emit(&self) {
        tracing::error!(
            feed = self.feed,
            position = self.position,
            event_type = self.event_type,
            reason = self.reason,
            "a feed skipped an event"
        );
        metrics::counter!("golmok_gateway_feed_events_skipped_total").increment(1);
    }
}
