//! The feed over a source that delivers positions out of order, as Kafka
//! does across partitions: nothing is released past a gap.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use futures::StreamExt;
use golmok_contracts::creator_media::{OfferV1, PromotionPublishedV1, TieInCreatedV1};
use golmok_contracts::storefront::http::{OrderStatus, PaymentStatus};
use golmok_kernel::{
    DeadLetter, Delivery, Envelope, EventSource, Mutation, RecordedEvent, StorageError, Tables,
};
use golmok_runtime::{Storage, StorageSettings};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{
    CreatorMedia, Feed, FeedFilter, FeedFollower, MediaEntry, OrderEvent, Producer, Storefront,
    Subscribed,
};

/// Delivers the batches a test sends it.
struct Scripted(mpsc::UnboundedReceiver<Vec<Delivery>>);

#[async_trait]
impl EventSource for Scripted {
    async fn start(&mut self, _: &str, _: &dyn Tables) -> Result<u64, StorageError> {
        Ok(0)
    }

    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        self.0.recv().await.ok_or(StorageError::Closed)
    }

    async fn dead_letter(
        &mut self,
        _: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        panic!("nothing is dead-lettered here: {letters:?}")
    }

    fn checkpoint(&self, _: &str, _: &[Delivery]) -> Vec<Mutation> {
        Vec::new()
    }

    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError> {
        Ok(batch.len() as u64)
    }
}

fn delivery(position: u64, name: &str, data: serde_json::Value) -> Vec<Delivery> {
    published("creator-media", position, name, data)
}

/// `service`'s event `name` (v1) at `position`, carrying `data`.
fn published(service: &str, position: u64, name: &str, data: serde_json::Value) -> Vec<Delivery> {
    let id = Uuid::now_v7();
    let envelope = Envelope {
        id,
        source: format!("/golmok/{service}"),
        event_type: format!("kr.golmok.{service}.{name}.v1"),
        subject: format!("stream-{position}"),
        time: Utc::now(),
        stream_version: 1,
        correlation_id: id,
        causation_id: id,
        traceparent: None,
        data,
    };
    vec![Delivery {
        cursor: format!("topic/{position}"),
        event: Ok(RecordedEvent { position, envelope }),
    }]
}

fn tie_in() -> TieInCreatedV1 {
    TieInCreatedV1 {
        tie_in_id: Uuid::now_v7(),
        name: "MAMA 2026".to_owned(),
        partner: "mama".to_owned(),
        starts: Utc::now() - TimeDelta::days(1),
        ends: Utc::now() + TimeDelta::days(1),
        tags: vec![],
        categories: vec![],
        regions: vec![],
        at: Utc::now(),
    }
}

fn promotion(title: &str) -> serde_json::Value {
    serde_json::to_value(PromotionPublishedV1 {
        promotion_id: Uuid::now_v7(),
        merchant_id: Uuid::now_v7(),
        collaboration_id: None,
        title: title.to_owned(),
        products: vec![],
        offer: OfferV1::Code {
            code: "MAMA-2026".to_owned(),
        },
        starts: Utc::now(),
        ends: Utc::now() + TimeDelta::hours(1),
        tags: vec![],
        categories: vec![],
        region: "seoul-mapo".to_owned(),
        tie_in: None,
        at: Utc::now(),
    })
    .expect("serializes")
}

/// A feed of `P` on a temporary store, following the batches sent.
async fn scripted<P: Producer>() -> (
    tempfile::TempDir,
    Feed<P>,
    mpsc::UnboundedSender<Vec<Delivery>>,
    FeedFollower,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = Storage::open("gateway", dir.path(), &StorageSettings::default())
        .await
        .expect("a store");
    let feed = Feed::<P>::open(Arc::clone(&storage.tables), "feed-test", 16)
        .await
        .expect("the feed");
    let (send, batches) = mpsc::unbounded_channel();
    let follower = feed.follow(Scripted(batches)).await.expect("follows");
    (dir, feed, send, follower)
}

#[tokio::test]
async fn items_are_released_in_position_order_only_once_no_position_is_missing() {
    let (_dir, feed, send, follower) = scripted::<CreatorMedia>().await;
    let tie_in = tie_in();
    send.send(delivery(
        1,
        "TieInCreated",
        serde_json::to_value(&tie_in).expect("json"),
    ))
    .expect("sent");
    let wait = |position: u64| {
        let feed = feed.clone();
        async move {
            for _ in 0..100 {
                if feed.store().watermark().await.expect("reads") >= position {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("the watermark never reached {position}");
        }
    };
    wait(1).await;
    let mut items = Box::pin(feed.subscribe(Subscribed {
        wants: Box::new(move |entry| FeedFilter::default().keeps(&tie_in, entry)),
        after: 0,
    }));

    // 4 and 3 arrive before 2: nothing is released.
    send.send(delivery(4, "PromotionPublished", promotion("fourth")))
        .expect("sent");
    send.send(delivery(3, "HandleClaimed", serde_json::json!({})))
        .expect("sent");
    let nothing = tokio::time::timeout(Duration::from_millis(300), items.next()).await;
    assert!(nothing.is_err(), "released past a gap: {nothing:?}");
    assert_eq!(feed.store().watermark().await.expect("reads"), 1);

    // 2 closes the gap: 2 then 4, in order.
    send.send(delivery(2, "PromotionPublished", promotion("second")))
        .expect("sent");
    let mut titles = Vec::new();
    for _ in 0..2 {
        let item = tokio::time::timeout(Duration::from_secs(5), items.next())
            .await
            .expect("released")
            .expect("an item")
            .expect("readable");
        let MediaEntry::Promotion(change) = &item.entry else {
            panic!("a promotion: {item:?}");
        };
        titles.push((item.position, change.promotion.title.clone()));
    }
    assert_eq!(titles, [(2, "second".to_owned()), (4, "fourth".to_owned())]);
    assert_eq!(feed.store().watermark().await.expect("reads"), 4);
    follower.stop().await;
}

/// The storefront's order events as the feed keeps them: the order's
/// status and payment after each; a change of an order it never saw placed
/// is skipped without stalling the feed; another merchant's orders are not
/// this merchant's.
#[tokio::test]
async fn order_changes_carry_the_status_and_payment_after_them() {
    let (_dir, feed, send, follower) = scripted::<Storefront>().await;
    let (merchant, order) = (Uuid::now_v7(), Uuid::now_v7());
    let placed = |order: Uuid, merchant: Uuid| {
        serde_json::json!({
            "orderId": order, "merchantId": merchant, "buyer": "kim",
            "lines": [{"productId": Uuid::now_v7(), "name": "소금빵", "unitPrice": 6000, "quantity": 2}],
            "total": 12000, "payment": "VOUCHER", "at": Utc::now(),
        })
    };
    let instant = |order: Uuid| serde_json::json!({"orderId": order, "at": Utc::now()});
    for batch in [
        published("storefront", 1, "OrderPlaced", placed(order, merchant)),
        published("storefront", 2, "PaymentCaptured", instant(Uuid::now_v7())),
        published(
            "storefront",
            3,
            "OrderPlaced",
            placed(Uuid::now_v7(), Uuid::now_v7()),
        ),
        published(
            "storefront",
            4,
            "OrderCancelled",
            serde_json::json!({"orderId": order, "reason": "품절", "at": Utc::now()}),
        ),
    ] {
        send.send(batch).expect("sent");
    }
    let mut items = Box::pin(feed.subscribe(Subscribed {
        wants: Box::new(move |change| change.merchant_id == merchant),
        after: 0,
    }));
    let mut changes = Vec::new();
    for _ in 0..2 {
        let item = tokio::time::timeout(Duration::from_secs(5), items.next())
            .await
            .expect("released")
            .expect("an item")
            .expect("readable");
        let change = &item.entry;
        changes.push((
            item.position,
            change.event,
            change.status,
            change.payment,
            change.total,
        ));
    }
    assert_eq!(
        changes,
        [
            (
                1,
                OrderEvent::Placed,
                OrderStatus::Placed,
                PaymentStatus::Awaiting,
                12_000
            ),
            (
                4,
                OrderEvent::Cancelled,
                OrderStatus::Cancelled,
                PaymentStatus::Voided,
                12_000
            ),
        ]
    );
    assert_eq!(feed.store().watermark().await.expect("reads"), 4);
    follower.stop().await;
}
