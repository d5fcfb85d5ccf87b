//! The creator-media service's HTTP API: the request bodies it accepts
//! (camelCase JSON; unknown fields are refused) and the views it answers,
//! which it also stores as its read-model rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Platform;
use crate::api_codes;

mod lives;
mod matching;
mod training;
pub use lives::*;
pub use matching::*;
pub use training::*;

api_codes! {
    // Whether a booking holds its slot.
    BookingStatus { Booked, Cancelled }
}

// ---- request bodies ----

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Channel {
    pub platform: Platform,
    pub url: String,
    pub audience: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterCreator {
    pub handle: String,
    pub display_name: String,
    pub channels: Vec<Channel>,
    pub categories: Vec<String>,
    pub region: String,
    pub languages: Vec<String>,
}

/// Absent fields stay as they are; a list replaces the whole list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateCreator {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<Channel>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateStudio {
    pub name: String,
    pub region: String,
    pub slot_minutes: i64,
    /// First bookable hour (KST), 0 to 23.
    pub open_hour: i64,
    /// Hour the last slot ends (KST), after `open_hour`, at most 24.
    pub close_hour: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookSlot {
    pub creator_id: Uuid,
    pub start: DateTime<Utc>,
}

// ---- views ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub platform: Platform,
    pub url: String,
    pub audience: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorView {
    pub id: Uuid,
    pub handle: String,
    pub display_name: String,
    pub channels: Vec<ChannelView>,
    pub categories: Vec<String>,
    pub region: String,
    pub languages: Vec<String>,
    pub registered_at: DateTime<Utc>,
    /// The creator stream's version this view reflects.
    pub version: u64,
    #[serde(default = "new_tier")]
    pub tier: CreatorTier,
    /// The cohorts that certified the creator.
    #[serde(default)]
    pub certifications: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudioView {
    pub id: Uuid,
    pub name: String,
    pub region: String,
    pub slot_minutes: u16,
    pub open_hour: u8,
    pub close_hour: u8,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    pub id: Uuid,
    pub studio_id: Uuid,
    pub creator_id: Uuid,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    pub booked_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

// ---- promotions and event tie-ins ----

api_codes! {
    // Where a promotion stands: live from its publication until it is
    // withdrawn or expires.
    PromotionStatus { Live, Withdrawn, Expired }
}

/// An event tie-in, created by an official. Filter lists are normalised
/// (lower case, each entry once); an empty one does not restrict.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTieIn {
    pub name: String,
    /// The token subject of the partner allowed to read it.
    pub partner: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
}

/// A promotion of a merchant's products, public or restricted to one tie-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishPromotion {
    pub merchant_id: Uuid,
    pub title: String,
    /// 1 to 50 distinct storefront product ids.
    pub products: Vec<Uuid>,
    pub offer: super::OfferV1,
    pub starts: DateTime<Utc>,
    /// After `starts`, in the future.
    pub ends: DateTime<Utc>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    pub region: String,
    /// Restricts the promotion to this tie-in; absent for a public one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie_in: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TieInView {
    pub id: Uuid,
    pub name: String,
    pub partner: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaboration_id: Option<Uuid>,
    pub title: String,
    pub products: Vec<Uuid>,
    pub offer: super::OfferV1,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie_in: Option<Uuid>,
    pub status: PromotionStatus,
    pub published_at: DateTime<Utc>,
    /// When it was withdrawn or expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// The promotion stream's version this view reflects.
    pub version: u64,
}

impl TieInView {
    /// The tie-in as its event says it, for `TieInCreatedV1::includes`.
    pub fn as_created(&self) -> super::TieInCreatedV1 {
        super::TieInCreatedV1 {
            tie_in_id: self.id,
            name: self.name.clone(),
            partner: self.partner.clone(),
            starts: self.starts,
            ends: self.ends,
            tags: self.tags.clone(),
            categories: self.categories.clone(),
            regions: self.regions.clone(),
            at: self.created_at,
        }
    }
}

impl PromotionView {
    /// The promotion as its publication says it, for `TieInCreatedV1::includes`.
    pub fn as_published(&self) -> super::PromotionPublishedV1 {
        super::PromotionPublishedV1 {
            promotion_id: self.id,
            merchant_id: self.merchant_id,
            collaboration_id: self.collaboration_id,
            title: self.title.clone(),
            products: self.products.clone(),
            offer: self.offer.clone(),
            starts: self.starts,
            ends: self.ends,
            tags: self.tags.clone(),
            categories: self.categories.clone(),
            region: self.region.clone(),
            tie_in: self.tie_in,
            at: self.published_at,
        }
    }
}
