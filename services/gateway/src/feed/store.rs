//! The feed's tables in the gateway's own store: tie-ins by id, the last
//! published form of each promotion, the feed items by the producer's log
//! position, and the watermark up to which every position has been seen.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::{PromotionPublishedV1, TieInCreatedV1};
use golmok_kernel::{HandleError, RowError, ScanOrder, StorageError, Tables, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const TIE_INS: &str = "feed_tie_ins";
const PROMOTIONS: &str = "feed_promotions";
/// Partition [`ALL`], clustering the zero-padded position.
const ITEMS: &str = "feed_items";
/// Positions seen above the watermark (partition [`ALL`], clustering the zero-padded position).
const PENDING: &str = "feed_pending";
/// The watermark (partition [`ALL`], no clustering), big-endian `u64`.
const WATERMARK: &str = "feed_watermark";
const ALL: &str = "all";

/// What happened to the promotion an item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum FeedKind {
    Published,
    Withdrawn,
    Expired,
}

/// One item of the feed: the producer's log position (its cursor), what
/// happened, the promotion as published, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FeedItem {
    pub(crate) position: u64,
    pub(crate) kind: FeedKind,
    pub(crate) promotion: PromotionPublishedV1,
    pub(crate) at: DateTime<Utc>,
}

/// The clustering key of a position: zero-padded, so that keys sort as numbers.
fn key(position: u64) -> String {
    format!("{position:020}")
}

/// Reads of the feed's tables.
#[derive(Clone)]
pub(crate) struct FeedStore {
    tables: Arc<dyn Tables>,
}

impl FeedStore {
    pub(crate) fn new(tables: Arc<dyn Tables>) -> FeedStore {
        FeedStore { tables }
    }

    /// The tie-in `id`, `None` when the feed has not seen it.
    pub(crate) async fn tie_in(&self, id: Uuid) -> Result<Option<TieInCreatedV1>, RowError> {
        self.tables.get_json(TIE_INS, &id.to_string(), "").await
    }

    /// Every position up to it has been seen: items up to it may be released.
    pub(crate) async fn watermark(&self) -> Result<u64, StorageError> {
        decode_watermark(self.tables.get(WATERMARK, ALL, "").await?)
    }

    /// Up to `limit` items after position `after`, in position order.
    pub(crate) async fn items_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<FeedItem>, StorageError> {
        let page = self
            .tables
            .scan(ITEMS, ALL, Some(&key(after)), ScanOrder::Ascending, limit)
            .await?;
        page.rows
            .iter()
            .map(|row| {
                serde_json::from_slice(&row.value).map_err(|e| {
                    StorageError::Corrupt(format!("feed item {}: {e}", row.clustering))
                })
            })
            .collect()
    }
}

fn decode_watermark(bytes: Option<Vec<u8>>) -> Result<u64, StorageError> {
    match bytes {
        None => Ok(0),
        Some(bytes) => {
            let bytes: [u8; 8] = bytes
                .try_into()
                .map_err(|_| StorageError::Corrupt("the feed's watermark".to_owned()))?;
            Ok(u64::from_be_bytes(bytes))
        }
    }
}

/// The feed's writes inside a consumer batch.
pub(crate) struct FeedWrites<'t, 'a> {
    pub(crate) tx: &'t mut Transaction<'a>,
}

impl FeedWrites<'_, '_> {
    /// Records that `position` was seen and moves the watermark over every
    /// position now seen without a gap. Positions at or below the watermark
    /// were seen already.
    pub(crate) async fn seen(&mut self, position: u64) -> Result<(), HandleError> {
        let mut watermark = decode_watermark(self.tx.get(WATERMARK, ALL, "").await?)?;
        if position <= watermark {
            return Ok(());
        }
        self.tx.put(PENDING, ALL, &key(position), Vec::new());
        while self
            .tx
            .get(PENDING, ALL, &key(watermark + 1))
            .await?
            .is_some()
        {
            watermark += 1;
            self.tx.delete(PENDING, ALL, &key(watermark));
        }
        self.tx
            .put(WATERMARK, ALL, "", watermark.to_be_bytes().to_vec());
        Ok(())
    }

    pub(crate) fn tie_in(&mut self, tie_in: &TieInCreatedV1) {
        self.tx
            .put_json(TIE_INS, &tie_in.tie_in_id.to_string(), "", tie_in);
    }

    pub(crate) fn published(&mut self, position: u64, promotion: PromotionPublishedV1) {
        self.tx.put_json(
            PROMOTIONS,
            &promotion.promotion_id.to_string(),
            "",
            &promotion,
        );
        let at = promotion.at;
        self.item(FeedItem {
            position,
            kind: FeedKind::Published,
            promotion,
            at,
        });
    }

    /// The item of a withdrawal or expiry of `promotion`; `false` when the
    /// feed never saw it published.
    pub(crate) async fn ended(
        &mut self,
        position: u64,
        kind: FeedKind,
        promotion: Uuid,
        at: DateTime<Utc>,
    ) -> Result<bool, HandleError> {
        let Some(promotion) = self
            .tx
            .row::<PromotionPublishedV1>(PROMOTIONS, &promotion.to_string(), "")
            .await?
        else {
            return Ok(false);
        };
        self.item(FeedItem {
            position,
            kind,
            promotion,
            at,
        });
        Ok(true)
    }

    fn item(&mut self, item: FeedItem) {
        self.tx.put_json(ITEMS, ALL, &key(item.position), &item);
    }
}
