//! The promotion feed of a tie-in, for its partner, officials and operators.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::{OfferV1, PromotionPublishedV1, TieInCreatedV1, feed_cursor};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::{object_id, signed_in, unreadable};
use crate::errors::coded;
use crate::feed::{FeedFilter, FeedItem, FeedKind, Feeds, MediaEntry, PromotionChange, Subscribed};
use crate::relay::{GlobalId, NodeType};
use crate::schema::scalars::Won;

/// What a subscription to the promotion feed of `tie_in` asks for, once the
/// caller may read it.
pub(super) async fn subscribed(
    ctx: &Context<'_>,
    feeds: &Feeds,
    tie_in: &ID,
    filter: Option<PromotionFeedFilter>,
    after: u64,
) -> Result<Subscribed<MediaEntry>> {
    let reader = Reading::of(signed_in(ctx)?)?;
    let tie_in = match tie_in_id(tie_in) {
        Some(id) => feeds
            .creator_media
            .store()
            .tie_in(id)
            .await
            .map_err(unreadable)?,
        None => None,
    };
    let tie_in = reader.may_read(tie_in)?;
    let filter = filter.map(FeedFilter::from).unwrap_or_default();
    Ok(Subscribed {
        wants: Box::new(move |entry| filter.keeps(&tie_in, entry)),
        after,
    })
}

/// Who reads a feed.
enum Reading<'a> {
    /// Only the tie-ins naming this subject.
    Partner(&'a str),
    /// Any tie-in.
    Programme,
}

impl<'a> Reading<'a> {
    fn of(actor: &'a Actor) -> Result<Reading<'a>> {
        match actor {
            actor if actor.is(Role::Partner) => Ok(Reading::Partner(&actor.subject)),
            actor if actor.is(Role::Official) || actor.is(Role::Operator) => Ok(Reading::Programme),
            _ => Err(coded(
                "FORBIDDEN",
                "promotion feeds are read by event partners, officials and operators",
            )),
        }
    }

    /// The tie-in if this reader may read it. A partner hears FORBIDDEN both
    /// for another partner's tie-in and for one that does not exist, so it
    /// cannot probe which tie-ins exist.
    fn may_read(&self, tie_in: Option<TieInCreatedV1>) -> Result<TieInCreatedV1> {
        match (self, tie_in) {
            (Reading::Programme, Some(tie_in)) => Ok(tie_in),
            (Reading::Partner(subject), Some(tie_in)) if tie_in.partner == *subject => Ok(tie_in),
            (Reading::Programme, None) => Err(coded("NOT_FOUND", "there is no such tie-in")),
            (Reading::Partner(_), _) => Err(coded(
                "FORBIDDEN",
                "this token may read only the tie-ins that name its partner",
            )),
        }
    }
}

/// Narrows a feed further: an empty or absent list does not restrict; a
/// promotion is kept when it shares a tag, a category and its region with
/// the lists given.
#[derive(InputObject, Default)]
pub(crate) struct PromotionFeedFilter {
    tags: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    regions: Option<Vec<String>>,
}

impl From<PromotionFeedFilter> for FeedFilter {
    fn from(filter: PromotionFeedFilter) -> Self {
        FeedFilter {
            tags: filter.tags.unwrap_or_default(),
            categories: filter.categories.unwrap_or_default(),
            regions: filter.regions.unwrap_or_default(),
        }
    }
}

/// What happened to the promotion of a feed item.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PromotionFeedKind {
    /// It was published.
    Published,
    /// Its merchant (or collaboration) took it back before it ended.
    Withdrawn,
    /// It reached its end.
    Expired,
}

impl From<FeedKind> for PromotionFeedKind {
    fn from(kind: FeedKind) -> Self {
        match kind {
            FeedKind::Published => PromotionFeedKind::Published,
            FeedKind::Withdrawn => PromotionFeedKind::Withdrawn,
            FeedKind::Expired => PromotionFeedKind::Expired,
        }
    }
}

/// One item of a promotion feed.
pub(crate) struct PromotionFeedItem {
    position: u64,
    change: PromotionChange,
}

impl PromotionFeedItem {
    /// The promotion feed's item `item` is, if it is one.
    pub(super) fn of(item: Arc<FeedItem<MediaEntry>>) -> Option<PromotionFeedItem> {
        match &item.entry {
            MediaEntry::Promotion(change) => Some(PromotionFeedItem {
                position: item.position,
                change: change.clone(),
            }),
            MediaEntry::Commission { .. } => None,
        }
    }
}

#[Object]
impl PromotionFeedItem {
    /// Where this item sits in the feed: pass it as `after` to continue
    /// after it (the same on every gateway and across restarts).
    async fn cursor(&self) -> String {
        feed_cursor(self.position)
    }

    async fn kind(&self) -> PromotionFeedKind {
        self.change.kind.into()
    }

    /// The promotion as it was published.
    async fn promotion(&self) -> FeedPromotion<'_> {
        FeedPromotion(&self.change.promotion)
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.change.at
    }
}

/// A promotion as a feed carries it.
pub(crate) struct FeedPromotion<'a>(&'a PromotionPublishedV1);

#[Object]
impl FeedPromotion<'_> {
    /// The promotion's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.0.promotion_id.to_string())
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The global id of the merchant whose promotion it is.
    async fn merchant_id(&self) -> ID {
        GlobalId::new(NodeType::Merchant, self.0.merchant_id).to_id()
    }

    /// Global ids of the merchant's products it applies to.
    async fn products(&self) -> Vec<ID> {
        self.0
            .products
            .iter()
            .map(|id| GlobalId::new(NodeType::Product, *id).to_id())
            .collect()
    }

    async fn offer(&self) -> FeedOffer<'_> {
        FeedOffer(&self.0.offer)
    }

    async fn starts(&self) -> DateTime<Utc> {
        self.0.starts
    }

    async fn ends(&self) -> DateTime<Utc> {
        self.0.ends
    }

    async fn tags(&self) -> &[String] {
        &self.0.tags
    }

    async fn categories(&self) -> &[String] {
        &self.0.categories
    }

    async fn region(&self) -> &str {
        &self.0.region
    }

    /// Whether it is restricted to this feed's tie-in (not public).
    async fn restricted(&self) -> bool {
        self.0.tie_in.is_some()
    }
}

/// What a promotion offers: exactly one of the amounts is set, as `kind` says.
pub(crate) struct FeedOffer<'a>(&'a OfferV1);

/// The kind of a promotion's offer.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedOfferKind {
    PercentOff,
    AmountOff,
    Code,
}

#[Object]
impl FeedOffer<'_> {
    async fn kind(&self) -> FeedOfferKind {
        match self.0 {
            OfferV1::PercentOff { .. } => FeedOfferKind::PercentOff,
            OfferV1::AmountOff { .. } => FeedOfferKind::AmountOff,
            OfferV1::Code { .. } => FeedOfferKind::Code,
        }
    }

    /// The percentage off in basis points (1,000 is 10%), for PERCENT_OFF.
    async fn bps(&self) -> Option<i32> {
        match self.0 {
            OfferV1::PercentOff { bps } => i32::try_from(*bps).ok(),
            _ => None,
        }
    }

    /// The amount off each unit, for AMOUNT_OFF.
    async fn amount(&self) -> Option<Won> {
        match self.0 {
            OfferV1::AmountOff { won } => i64::try_from(*won).ok().map(Won),
            _ => None,
        }
    }

    /// The code the buyer gives at checkout, for CODE.
    async fn code(&self) -> Option<&str> {
        match self.0 {
            OfferV1::Code { code } => Some(code),
            _ => None,
        }
    }
}

/// The tie-in `id` names: its global id (as `createTieIn` and `tieIn` answer
/// it) or its plain UUID (as the feed's items and the webhooks carry it).
fn tie_in_id(id: &ID) -> Option<Uuid> {
    object_id(id, NodeType::TieIn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tie_in_is_named_by_its_global_id_or_its_uuid() {
        let id = Uuid::now_v7();
        let global = GlobalId::new(NodeType::TieIn, id).to_id();
        assert_eq!(tie_in_id(&global), Some(id));
        assert_eq!(tie_in_id(&ID(id.to_string())), Some(id));
        let promotion = GlobalId::new(NodeType::Promotion, id).to_id();
        assert_eq!(
            tie_in_id(&promotion),
            None,
            "another node type's id names no tie-in"
        );
        assert_eq!(tie_in_id(&ID("mama".into())), None);
    }
}
