//! The feed's consumer: creator-media's events, through their contract, into
//! the feed's tables. Every position it is given counts toward the
//! watermark, whatever the event, so the feed releases items only once
//! every earlier position has been seen (on Kafka, positions of different
//! streams arrive out of order across partitions).

use async_trait::async_trait;
use golmok_contracts::creator_media::{
    self as cm, PromotionExpiredV1, PromotionPublishedV1, PromotionWithdrawnV1, TieInCreatedV1,
};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction};

use super::store::{FeedKind, FeedWrites};

/// The creator-media events the feed reads.
const FOLLOWED: [&str; 4] = [
    "TieInCreated",
    "PromotionPublished",
    "PromotionWithdrawn",
    "PromotionExpired",
];

/// Feeds the feed's tables; its name is the consumer's (checkpoint, inbox,
/// Kafka consumer group).
pub(crate) struct FeedConsumer {
    pub(crate) name: &'static str,
}

#[async_trait]
impl EventHandler for FeedConsumer {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let mut writes = FeedWrites { tx };
        match record(event, &mut writes).await {
            Ok(()) => {}
            Err(HandleError::Permanent(reason)) => FeedEventSkipped {
                position: event.position,
                event_type: &event.envelope.event_type,
                reason: &reason,
            }
            .emit(),
            Err(storage) => return Err(storage),
        }
        writes.seen(event.position).await
    }
}

/// The item or tie-in `event` makes, if it is one the feed reads.
async fn record(event: &RecordedEvent, writes: &mut FeedWrites<'_, '_>) -> Result<(), HandleError> {
    let Some(name) = event.followed(cm::SERVICE, &FOLLOWED, cm::VERSION)? else {
        return Ok(());
    };
    let data = event.envelope.data.clone();
    let position = event.position;
    macro_rules! read {
        ($contract:ty) => {
            golmok_contracts::read::<$contract>(data).map_err(HandleError::permanent)?
        };
    }
    match name {
        "TieInCreated" => writes.tie_in(&read!(TieInCreatedV1)),
        "PromotionPublished" => writes.published(position, read!(PromotionPublishedV1)),
        "PromotionWithdrawn" => {
            let ended = read!(PromotionWithdrawnV1);
            ended_item(
                writes,
                position,
                FeedKind::Withdrawn,
                ended.promotion_id,
                ended.at,
            )
            .await?;
        }
        _ => {
            let ended = read!(PromotionExpiredV1);
            ended_item(
                writes,
                position,
                FeedKind::Expired,
                ended.promotion_id,
                ended.at,
            )
            .await?;
        }
    }
    Ok(())
}

async fn ended_item(
    writes: &mut FeedWrites<'_, '_>,
    position: u64,
    kind: FeedKind,
    promotion: uuid::Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), HandleError> {
    if writes.ended(position, kind, promotion, at).await? {
        Ok(())
    } else {
        Err(HandleError::permanent(format!(
            "promotion {promotion} ended but the feed never saw it published"
        )))
    }
}

/// An event of creator-media the feed could not turn into an item: logged
/// and counted in `golmok_gateway_feed_events_skipped_total`; its position
/// still counts toward the watermark, so the feed does not stall on it.
struct FeedEventSkipped<'a> {
    position: u64,
    event_type: &'a str,
    reason: &'a str,
}

impl FeedEventSkipped<'_> {
    fn emit(&self) {
        tracing::error!(
            position = self.position,
            event_type = self.event_type,
            reason = self.reason,
            "promotion feed skipped an event"
        );
        metrics::counter!("golmok_gateway_feed_events_skipped_total").increment(1);
    }
}
