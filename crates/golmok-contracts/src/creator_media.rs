//! The creator-media service's published events
//! (`schemas/events/creator-media/`): one versioned wire struct per event
//! type and the codes they carry. Its HTTP API's bodies and views are in
//! [`http`].

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::wire_codes;

pub mod http;

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
