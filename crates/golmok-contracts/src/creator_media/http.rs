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
mod videos;
pub use lives::*;
pub use matching::*;
pub use training::*;
pub use videos::*;

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
    /// Published by this collaboration of the merchant (either party may
    /// publish; it must be active and cover the products).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaboration_id: Option<Uuid>,
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

// ---- commissions ----

api_codes! {
    // Where an order's commission stands: held until the order's return
    // window ends, then payable, then paid out.
    CommissionStatus { Held, Payable, PaidOut }
}

/// What a creator is owed, in whole won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommissionAccountView {
    pub creator_id: Uuid,
    /// Accrued and still within the orders' return windows.
    pub held: i64,
    /// Due at the next payout (before clawbacks are deducted).
    pub payable: i64,
    /// Clawed back and not yet deducted from a payout.
    pub owed: i64,
    /// The net of every payout so far.
    pub paid_out: i64,
}

/// One line's share of an order's commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommissionLineView {
    pub product_id: Uuid,
    /// Whole won the buyer paid for the line.
    pub sales: i64,
    pub bps: u32,
    /// Whole won: `sales × bps / 10000`, rounded down.
    pub commission: i64,
    /// Whole won of it taken back by returns.
    pub taken_back: i64,
}

/// The commission of one order credited to the creator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommissionView {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub collaboration_id: Uuid,
    pub live_id: Option<Uuid>,
    pub status: CommissionStatus,
    /// Whole won accrued when the order was paid.
    pub accrued: i64,
    /// Whole won taken back by returns while it was held.
    pub reversed: i64,
    /// Whole won taken back by returns once it was payable or paid out.
    pub clawed_back: i64,
    pub accrued_at: DateTime<Utc>,
    /// When the order's return window ends.
    pub payable_at: DateTime<Utc>,
    /// The payout that settled it.
    pub payout_id: Option<Uuid>,
    pub lines: Vec<CommissionLineView>,
}

/// A creator's account and one page of its commissions, in accrual order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorCommissionsView {
    pub account: CommissionAccountView,
    pub items: Vec<CommissionView>,
    /// The `after` of the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A payout of a creator's payable commissions, less what was clawed back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutView {
    pub id: Uuid,
    pub creator_id: Uuid,
    /// The orders whose commissions it settled.
    pub orders: Vec<Uuid>,
    /// Whole won.
    pub payable: i64,
    /// Whole won deducted for clawbacks.
    pub clawed_back: i64,
    /// Whole won paid: `payable − clawedBack`.
    pub net: i64,
    pub at: DateTime<Utc>,
}
