//! Creator-media's feed: promotion and tie-in events (the promotion feed
//! partners follow) and a creator's commission events (the commission
//! changes its creator follows), in one feed because they share
//! creator-media's log positions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::{
    self as cm, CommissionAccruedV1, CommissionPayableV1, CommissionReturnedV1,
    CommissionsPaidOutV1, CreatorRegisteredV1, PromotionExpiredV1, PromotionPublishedV1,
    PromotionWithdrawnV1, TieInCreatedV1,
};
use golmok_kernel::{HandleError, RecordedEvent, RowError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::consumer::{Producer, read};
use super::store::{FeedStore, FeedTables, FeedWrites};

const TIE_INS: &str = "feed_tie_ins";
const PROMOTIONS: &str = "feed_promotions";
/// A creator's owner (the subject that registered it), by creator id.
const CREATORS: &str = "feed_creators";

/// The creator-media events the feed reads.
const FOLLOWED: [&str; 10] = [
    "TieInCreated",
    "PromotionPublished",
    "PromotionWithdrawn",
    "PromotionExpired",
    "CreatorRegistered",
    "CommissionAccrued",
    "CommissionPayable",
    "CommissionReversed",
    "CommissionClawedBack",
    "CommissionsPaidOut",
];

/// Creator-media as the producer of a feed.
pub(crate) struct CreatorMedia;

/// What an item of creator-media's feed says happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum MediaEntry {
    Promotion(PromotionChange),
    Commission { commission: CommissionChange },
}

/// What happened to the promotion an item carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum FeedKind {
    Published,
    Withdrawn,
    Expired,
}

/// An item of the promotion feed: what happened, the promotion as
/// published, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PromotionChange {
    pub(crate) kind: FeedKind,
    pub(crate) promotion: PromotionPublishedV1,
    pub(crate) at: DateTime<Utc>,
}

/// What happened to a creator's commission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "CommissionFeedKind")]
pub(crate) enum CommissionKind {
    /// An order credited to the creator was paid: `amount` is held until `payableAt`.
    Accrued,
    /// The order's return window ended: `amount` is payable.
    Payable,
    /// Lines came back while the commission was held: `amount` is reversed.
    Reversed,
    /// Lines came back once it was payable or paid: `amount` is deducted
    /// from the next payout.
    ClawedBack,
    /// Payable commissions were paid out: `amount` is the net paid.
    PaidOut,
}

/// An item of a creator's commission changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommissionChange {
    pub(crate) creator_id: Uuid,
    pub(crate) kind: CommissionKind,
    /// The order, for all but a payout.
    pub(crate) order_id: Option<Uuid>,
    /// Whole won: the commission accrued or payable, the share reversed or
    /// clawed back, or a payout's net.
    pub(crate) amount: i64,
    /// The storefront's return, for a reversal or clawback.
    pub(crate) return_id: Option<Uuid>,
    /// When the accrued commission becomes payable.
    pub(crate) payable_at: Option<DateTime<Utc>>,
    /// A payout's id, the orders it settles, and its payable and clawed
    /// back amounts.
    pub(crate) payout: Option<CommissionsPaidOutV1>,
    pub(crate) at: DateTime<Utc>,
}

#[async_trait]
impl Producer for CreatorMedia {
    type Entry = MediaEntry;
    const FEED: &'static str = "creator-media feed";
    const TABLES: FeedTables = FeedTables {
        items: "feed_items",
        pending: "feed_pending",
        watermark: "feed_watermark",
    };

    async fn record(
        event: &RecordedEvent,
        writes: &mut FeedWrites<'_, '_, MediaEntry>,
    ) -> Result<(), HandleError> {
        let Some(name) = event.followed(cm::SERVICE, &FOLLOWED, cm::VERSION)? else {
            return Ok(());
        };
        let position = event.position;
        let entry = match name {
            "TieInCreated" => {
                let tie_in: TieInCreatedV1 = read(event)?;
                writes
                    .tx
                    .put_json(TIE_INS, &tie_in.tie_in_id.to_string(), "", &tie_in);
                return Ok(());
            }
            "CreatorRegistered" => {
                let creator: CreatorRegisteredV1 = read(event)?;
                if let Some(owner) = &creator.owner {
                    writes
                        .tx
                        .put_json(CREATORS, &creator.creator_id.to_string(), "", owner);
                }
                return Ok(());
            }
            "PromotionPublished" => {
                let promotion: PromotionPublishedV1 = read(event)?;
                writes.tx.put_json(
                    PROMOTIONS,
                    &promotion.promotion_id.to_string(),
                    "",
                    &promotion,
                );
                MediaEntry::Promotion(PromotionChange {
                    kind: FeedKind::Published,
                    at: promotion.at,
                    promotion,
                })
            }
            "PromotionWithdrawn" => {
                let ended: PromotionWithdrawnV1 = read(event)?;
                ended_item(writes, FeedKind::Withdrawn, ended.promotion_id, ended.at).await?
            }
            "PromotionExpired" => {
                let ended: PromotionExpiredV1 = read(event)?;
                ended_item(writes, FeedKind::Expired, ended.promotion_id, ended.at).await?
            }
            _ => MediaEntry::Commission {
                commission: commission(name, event)?,
            },
        };
        writes.item(position, entry);
        Ok(())
    }
}

/// The item of a withdrawal or expiry of `promotion`; an error when the feed
/// never saw it published.
async fn ended_item(
    writes: &mut FeedWrites<'_, '_, MediaEntry>,
    kind: FeedKind,
    promotion: Uuid,
    at: DateTime<Utc>,
) -> Result<MediaEntry, HandleError> {
    let Some(promotion) = writes
        .tx
        .row::<PromotionPublishedV1>(PROMOTIONS, &promotion.to_string(), "")
        .await?
    else {
        return Err(HandleError::permanent(format!(
            "promotion {promotion} ended but the feed never saw it published"
        )));
    };
    Ok(MediaEntry::Promotion(PromotionChange {
        kind,
        promotion,
        at,
    }))
}

/// The commission change the commission event `name` reports.
fn commission(name: &str, event: &RecordedEvent) -> Result<CommissionChange, HandleError> {
    let change = |creator_id, kind, order_id, amount, at| CommissionChange {
        creator_id,
        kind,
        order_id: Some(order_id),
        amount,
        return_id: None,
        payable_at: None,
        payout: None,
        at,
    };
    Ok(match name {
        "CommissionAccrued" => {
            let accrued: CommissionAccruedV1 = read(event)?;
            CommissionChange {
                payable_at: Some(accrued.payable_at),
                ..change(
                    accrued.creator_id,
                    CommissionKind::Accrued,
                    accrued.order_id,
                    accrued.amount,
                    accrued.at,
                )
            }
        }
        "CommissionPayable" => {
            let payable: CommissionPayableV1 = read(event)?;
            change(
                payable.creator_id,
                CommissionKind::Payable,
                payable.order_id,
                payable.amount,
                payable.at,
            )
        }
        "CommissionReversed" | "CommissionClawedBack" => {
            let returned: CommissionReturnedV1 = read(event)?;
            let kind = if name == "CommissionReversed" {
                CommissionKind::Reversed
            } else {
                CommissionKind::ClawedBack
            };
            CommissionChange {
                return_id: Some(returned.return_id),
                ..change(
                    returned.creator_id,
                    kind,
                    returned.order_id,
                    returned.amount,
                    returned.at,
                )
            }
        }
        _ => {
            let paid: CommissionsPaidOutV1 = read(event)?;
            CommissionChange {
                creator_id: paid.creator_id,
                kind: CommissionKind::PaidOut,
                order_id: None,
                amount: paid.net,
                return_id: None,
                payable_at: None,
                at: paid.at,
                payout: Some(paid),
            }
        }
    })
}

impl FeedStore<MediaEntry> {
    /// The tie-in `id`, `None` when the feed has not seen it.
    pub(crate) async fn tie_in(&self, id: Uuid) -> Result<Option<TieInCreatedV1>, RowError> {
        self.tables().get_json(TIE_INS, &id.to_string(), "").await
    }

    /// The subject that registered the creator `id`; `None` when the feed
    /// has not seen it registered or an operator registered it.
    pub(crate) async fn creator_owner(&self, id: Uuid) -> Result<Option<String>, RowError> {
        self.tables().get_json(CREATORS, &id.to_string(), "").await
    }
}

/// Narrows a tie-in's feed: an empty list does not restrict, a non-empty one
/// keeps the promotions that share a value with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct FeedFilter {
    pub(crate) tags: Vec<String>,
    pub(crate) categories: Vec<String>,
    pub(crate) regions: Vec<String>,
}

impl FeedFilter {
    /// Whether the promotion feed of `tie_in` narrowed by this filter carries `entry`.
    pub(crate) fn keeps(&self, tie_in: &TieInCreatedV1, entry: &MediaEntry) -> bool {
        let MediaEntry::Promotion(change) = entry else {
            return false;
        };
        let promotion = &change.promotion;
        let shares = |filter: &[String], values: &[String]| {
            filter.is_empty() || filter.iter().any(|f| values.contains(f))
        };
        tie_in.includes(promotion)
            && shares(&self.tags, &promotion.tags)
            && shares(&self.categories, &promotion.categories)
            && shares(&self.regions, std::slice::from_ref(&promotion.region))
    }
}
