//! The creator-media service's published events
//! (`schemas/events/creator-media/`): one versioned wire struct per event
//! type and the codes they carry. Its HTTP API's bodies and views are in
//! [`http`].

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::wire_codes;

mod collaborations;
mod commissions;
pub mod http;
mod lives;
mod training;
mod videos;
pub use lives::*;
pub use training::*;
pub use videos::*;

pub use collaborations::*;
pub use commissions::*;
mod webhooks;

pub use webhooks::*;

/// The producer's name in `kr.golmok.creator-media.<Event>.v<N>`.
pub const SERVICE: &str = "creator-media";
/// The version every current creator-media event is written in.
pub const VERSION: u32 = 1;

wire_codes! {
    /// Where a creator publishes.
    Platform: "The platform of a creator's channel." {
        Youtube,
        Instagram,
        Tiktok,
        NaverBlog,
        Chzzk,
        /// Any other platform, named by its URL.
        Other,
    }
}

// ---- wire structs (v1) ----

/// One channel of a creator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelV1 {
    pub platform: Platform,
    /// An `http(s)://` URL.
    pub url: String,
    /// Followers or subscribers.
    pub audience: u64,
}

/// A creator registered under a handle it claimed (`HandleClaimed`).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatorRegisteredV1 {
    pub creator_id: Uuid,
    /// Lower case, `[a-z0-9_.]`, 3 to 30 characters.
    pub handle: String,
    /// The subject of the creator who registered itself; absent when an
    /// operator registered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub display_name: String,
    pub channels: Vec<ChannelV1>,
    pub categories: Vec<String>,
    pub region: String,
    /// ISO 639 language codes.
    pub languages: Vec<String>,
    pub at: DateTime<Utc>,
}

/// Profile fields that changed; absent fields did not change.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatorProfileUpdatedV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<ChannelV1>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    pub at: DateTime<Utc>,
}

/// The handle is the creator's (stream `creator-handle-<handle>`).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandleClaimedV1 {
    pub handle: String,
    pub creator_id: Uuid,
    pub at: DateTime<Utc>,
}

/// A shared studio, booked by slots of `slot_minutes` between its opening
/// hours (Korea Standard Time).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StudioCreatedV1 {
    pub studio_id: Uuid,
    pub name: String,
    pub region: String,
    pub slot_minutes: u16,
    #[schemars(range(max = 23))]
    pub open_hour: u8,
    #[schemars(range(min = 1, max = 24))]
    pub close_hour: u8,
    pub at: DateTime<Utc>,
}

/// A slot of a studio is booked for a creator (stream
/// `studio-day-<studio>-<KST date>`).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlotBookedV1 {
    pub booking_id: Uuid,
    pub studio_id: Uuid,
    pub creator_id: Uuid,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// A booking was cancelled; its slot is free again.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookingCancelledV1 {
    pub booking_id: Uuid,
    pub studio_id: Uuid,
    pub start: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

// ---- promotions and event tie-ins (v1) ----

/// What a promotion offers on its products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", tag = "kind", deny_unknown_fields)]
pub enum OfferV1 {
    /// A percentage off, in basis points (1 to 10,000).
    PercentOff { bps: u32 },
    /// A fixed amount off each unit, in won.
    AmountOff { won: u64 },
    /// A code the buyer gives at checkout (upper case `[A-Z0-9-]`, 4 to 20).
    Code { code: String },
}

/// An event tie-in (e.g. "MAMA 2026"): the promotions of its period that
/// match its filter, read by the one partner it names. An empty filter list
/// does not restrict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TieInCreatedV1 {
    pub tie_in_id: Uuid,
    pub name: String,
    /// The token subject of the event partner allowed to read it.
    pub partner: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    pub at: DateTime<Utc>,
}

/// A promotion is live from `starts` until `ends`, withdrawn or expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromotionPublishedV1 {
    pub promotion_id: Uuid,
    pub merchant_id: Uuid,
    /// Set when a collaboration (merchant and creator together) published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaboration_id: Option<Uuid>,
    pub title: String,
    /// Storefront product ids of the merchant.
    pub products: Vec<Uuid>,
    pub offer: OfferV1,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub region: String,
    /// Restricted to this tie-in; absent for a public promotion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie_in: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// The merchant (or its collaboration) took the promotion back before it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromotionWithdrawnV1 {
    pub promotion_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The promotion reached its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromotionExpiredV1 {
    pub promotion_id: Uuid,
    pub at: DateTime<Utc>,
}

impl TieInCreatedV1 {
    /// Whether `promotion` belongs to this tie-in's feed: one restricted to
    /// it always does, one restricted to another never does, and a public one
    /// does when its validity overlaps the period and it matches every
    /// non-empty filter list (a shared tag, a shared category, its region).
    /// The one rule the gateway's feed and the webhooks both apply.
    pub fn includes(&self, promotion: &PromotionPublishedV1) -> bool {
        match promotion.tie_in {
            Some(tie_in) => tie_in == self.tie_in_id,
            None => {
                let shares = |filter: &[String], values: &[String]| {
                    filter.is_empty() || filter.iter().any(|f| values.contains(f))
                };
                promotion.starts < self.ends
                    && self.starts < promotion.ends
                    && shares(&self.tags, &promotion.tags)
                    && shares(&self.categories, &promotion.categories)
                    && shares(&self.regions, std::slice::from_ref(&promotion.region))
            }
        }
    }
}

/// The cursor of a promotion feed item: the opaque form of the producer's
/// log position, the same for the gateway's feed and the webhooks, for every
/// replica and across restarts.
pub fn feed_cursor(position: u64) -> String {
    format!("feed:{position:016x}")
}

/// The position a [`feed_cursor`] names; `None` for anything else.
pub fn parse_feed_cursor(cursor: &str) -> Option<u64> {
    let hex = cursor.strip_prefix("feed:")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0)
            .single()
            .expect("a date")
    }

    fn mama() -> TieInCreatedV1 {
        TieInCreatedV1 {
            tie_in_id: Uuid::from_u128(1),
            name: "MAMA 2026".to_owned(),
            partner: "mama".to_owned(),
            starts: at(10),
            ends: at(20),
            tags: vec!["kpop".to_owned()],
            categories: vec![],
            regions: vec!["seoul-mapo".to_owned(), "seoul-jung".to_owned()],
            at: at(1),
        }
    }

    fn promotion(tags: &[&str], region: &str, starts: u32, ends: u32) -> PromotionPublishedV1 {
        PromotionPublishedV1 {
            promotion_id: Uuid::from_u128(2),
            merchant_id: Uuid::from_u128(3),
            collaboration_id: None,
            title: "Fan kit".to_owned(),
            products: vec![Uuid::from_u128(4)],
            offer: OfferV1::PercentOff { bps: 1_000 },
            starts: at(starts),
            ends: at(ends),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            categories: vec!["food".to_owned()],
            region: region.to_owned(),
            tie_in: None,
            at: at(1),
        }
    }

    #[test]
    fn a_public_promotion_joins_a_tie_in_it_matches_in_its_period() {
        let tie_in = mama();
        assert!(tie_in.includes(&promotion(&["kpop", "snack"], "seoul-mapo", 5, 11)));
        // No shared tag, another region, outside the period: each excludes it.
        assert!(!tie_in.includes(&promotion(&["snack"], "seoul-mapo", 5, 11)));
        assert!(!tie_in.includes(&promotion(&["kpop"], "busan-jung", 5, 11)));
        assert!(!tie_in.includes(&promotion(&["kpop"], "seoul-mapo", 1, 10)));
        assert!(!tie_in.includes(&promotion(&["kpop"], "seoul-mapo", 20, 25)));
    }

    #[test]
    fn a_feed_cursor_reads_back_and_nothing_else_does() {
        for position in [0, 1, 42, u64::MAX] {
            assert_eq!(parse_feed_cursor(&feed_cursor(position)), Some(position));
        }
        for forged in [
            "",
            "feed:",
            "feed:12",
            "feed:zzzzzzzzzzzzzzzz",
            "cursor:0000000000000001",
        ] {
            assert_eq!(parse_feed_cursor(forged), None, "{forged:?}");
        }
    }

    #[test]
    fn a_restricted_promotion_belongs_to_its_tie_in_only() {
        let tie_in = mama();
        let mut mine = promotion(&[], "busan-jung", 1, 2);
        mine.tie_in = Some(tie_in.tie_in_id);
        assert!(
            tie_in.includes(&mine),
            "restricted to it: filter and period do not apply"
        );
        let mut other = promotion(&["kpop"], "seoul-mapo", 11, 12);
        other.tie_in = Some(Uuid::from_u128(9));
        assert!(
            !tie_in.includes(&other),
            "another tie-in's, even though it matches"
        );
    }
}
