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
