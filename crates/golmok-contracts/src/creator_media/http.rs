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

// ---- webhooks ----

api_codes! {
    // Whether deliveries are enqueued for a webhook.
    WebhookStatus { Enabled, Disabled }
}

api_codes! {
    // Where a delivery stands: waiting for its next attempt, accepted by the
    // receiver (a 2xx answer), or given up after the last attempt.
    WebhookDeliveryStatus { Pending, Delivered, Failed }
}

api_codes! {
    // What happened to a promotion in a tie-in's feed.
    WebhookItemType { PromotionPublished, PromotionWithdrawn, PromotionExpired }
}

impl WebhookItemType {
    /// The item's `type` in a webhook's body.
    pub fn payload_type(self) -> &'static str {
        match self {
            WebhookItemType::PromotionPublished => "promotion.published",
            WebhookItemType::PromotionWithdrawn => "promotion.withdrawn",
            WebhookItemType::PromotionExpired => "promotion.expired",
        }
    }
}

/// A partner's endpoint for the promotion feed of one of its tie-ins.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterWebhook {
    pub tie_in: Uuid,
    /// `https://`, or `http://` to 127.0.0.1, [::1] or localhost.
    pub url: String,
    #[serde(default)]
    pub description: String,
}

/// Enqueue again every item of the webhook's tie-in after `after` (a feed
/// cursor), with the same event ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayWebhook {
    pub after: String,
}

/// A webhook; its secret is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: Uuid,
    pub tie_in: Uuid,
    pub partner: String,
    pub url: String,
    pub description: String,
    pub status: WebhookStatus,
    pub created_at: DateTime<Utc>,
    /// The webhook stream's version this view reflects.
    pub version: u64,
}

/// The answer to a registration or a rotation: the only time the secret
/// (32 random bytes, base64url without padding) is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookWithSecret {
    pub webhook: WebhookView,
    pub secret: String,
}

/// How many items a replay enqueued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayView {
    pub webhook_id: Uuid,
    pub after: String,
    pub enqueued: u64,
}

/// One POST of a delivery to the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    /// 1 for the first attempt.
    pub number: u32,
    pub at: DateTime<Utc>,
    /// The receiver's status code; absent when no answer came.
    pub status_code: Option<u16>,
    /// Why no answer came (connection refused, timeout, …).
    pub error: Option<String>,
    pub duration_ms: u64,
    /// When the next attempt is due; absent after the last one.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// One feed item enqueued for a webhook, with every attempt to deliver it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The stable event id (`golmok-webhook-id`): the same for a retry and a replay.
    pub event_id: Uuid,
    /// The item's feed cursor.
    pub cursor: String,
    #[serde(rename = "type")]
    pub item_type: WebhookItemType,
    pub status: WebhookDeliveryStatus,
    pub attempts: Vec<AttemptView>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// True when a replay enqueued it.
    pub replayed: bool,
}

/// The JSON body POSTed to a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookPayload {
    /// The stable event id, also in the `golmok-webhook-id` header.
    pub id: Uuid,
    /// The feed cursor of the item (`replay` and the GraphQL feed's `after:`).
    pub cursor: String,
    /// `promotion.published`, `promotion.withdrawn` or `promotion.expired`.
    #[serde(rename = "type")]
    pub item_type: String,
    pub tie_in: Uuid,
    /// The promotion as published (for a withdrawal or an expiry too).
    pub promotion: super::PromotionPublishedV1,
    /// When it happened.
    pub at: DateTime<Utc>,
}
