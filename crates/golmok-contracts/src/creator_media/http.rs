//! The creator-media service's HTTP API: the request bodies it accepts
//! (camelCase JSON; unknown fields are refused) and the views it answers,
//! which it also stores as its read-model rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Platform;
use crate::api_codes;

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

// ---- collaborations ----

pub use super::{CollaborationMode, CollaborationParty, DelegatedActionKind, DelegationScope};

api_codes! {
    // Where a collaboration stands.
    CollaborationStatus { Proposed, Active, Declined, Ended, Expired }
}

api_codes! {
    // Whether an action taken on the merchant's behalf is done.
    AuditOutcome { Pending, Done, Refused }
}

/// A commission for one product, overriding the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductCommission {
    pub product_id: Uuid,
    pub bps: i64,
}

/// A merchant invites a creator (`creatorId`) or a creator applies to a
/// merchant (`merchantId`); the caller is the proposing party.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProposeCollaboration {
    pub merchant_id: Uuid,
    pub creator_id: Uuid,
    /// Storefront product ids; empty covers every product.
    #[serde(default)]
    pub products: Vec<Uuid>,
    pub commission_bps: i64,
    #[serde(default)]
    pub product_commissions: Vec<ProductCommission>,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    /// Default: 7 days from now, or `ends` if sooner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<DateTime<Utc>>,
    pub mode: CollaborationMode,
    /// Delegated selling only: scope names (`EDIT_LISTINGS`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Delegated selling only: won.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_floor: Option<i64>,
    /// Delegated selling only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_share_bps: Option<i64>,
}

/// An action the gateway is about to take on the merchant's behalf.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestDelegatedAction {
    pub action: DelegatedActionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    pub summary: String,
}

/// The outcome of a requested action: no code when it was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteDelegatedAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegationView {
    pub scopes: Vec<DelegationScope>,
    pub price_floor: i64,
    pub revenue_share_bps: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductCommissionView {
    pub product_id: Uuid,
    pub bps: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollaborationView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub creator_id: Uuid,
    pub proposed_by: CollaborationParty,
    pub status: CollaborationStatus,
    pub products: Vec<Uuid>,
    pub commission_bps: u32,
    pub product_commissions: Vec<ProductCommissionView>,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
    pub mode: CollaborationMode,
    pub delegation: Option<DelegationView>,
    pub proposed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One action taken on the merchant's behalf, in the collaboration's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    pub id: Uuid,
    pub collaboration_id: Uuid,
    pub action: DelegatedActionKind,
    pub product_id: Option<Uuid>,
    pub price: Option<i64>,
    pub summary: String,
    /// The creator's token subject.
    pub actor: String,
    pub at: DateTime<Utc>,
    pub outcome: AuditOutcome,
    pub error_code: Option<String>,
}
