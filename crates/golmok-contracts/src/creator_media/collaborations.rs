//! Collaborations between a merchant and a creator (stream
//! `collaboration-<id>`): the proposal and its answer, the end, and the audit
//! trail of every action a creator takes on the merchant's behalf in the
//! delegated-selling mode. Event types
//! `kr.golmok.creator-media.<Name>.v1`, `Name` the struct name without `V1`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::wire_codes;

wire_codes! {
    /// One side of a collaboration.
    CollaborationParty: "One side of a collaboration." {
        /// The merchant (a merchant token for it).
        Merchant,
        /// The creator (the creator token that registered it).
        Creator,
    }
}

wire_codes! {
    /// What a collaboration lets the creator do.
    CollaborationMode: "What a collaboration lets the creator do." {
        /// The creator promotes the products for a commission.
        Promotion,
        /// The creator also manages the merchant's listings within scopes.
        DelegatedSelling,
    }
}

wire_codes! {
    /// What a creator may do for the merchant in delegated selling.
    DelegationScope: "What a creator may do for the merchant in delegated selling." {
        /// Create listings and change their name or description.
        EditListings,
        /// Change prices, never below the price floor.
        ChangePrices,
        /// Add or remove stock.
        AdjustStock,
        /// Publish and unpublish listings.
        PublishListings,
        /// Run live sessions.
        RunLives,
    }
}

wire_codes! {
    /// An action a creator takes on the merchant's behalf.
    DelegatedActionKind: "An action a creator takes on the merchant's behalf." {
        CreateProduct,
        UpdateProduct,
        ChangePrice,
        AdjustStock,
        PublishProduct,
        UnpublishProduct,
        ScheduleLive,
        StartLive,
        PinLiveProduct,
        EndLive,
        CancelLive,
    }
}

/// A commission for one product, overriding the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductCommissionV1 {
    pub product_id: Uuid,
    #[schemars(range(max = 10000))]
    pub bps: u32,
}

/// The delegated-selling terms: what the creator may do, the lowest price it
/// may set and its share of the revenue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DelegationV1 {
    pub scopes: Vec<DelegationScope>,
    /// Won; the creator never sets a price below it.
    pub price_floor: i64,
    #[schemars(range(max = 10000))]
    pub revenue_share_bps: u32,
}

/// A merchant invited a creator, or a creator applied to a merchant; the other
/// party answers by `respond_by`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollaborationProposedV1 {
    pub collaboration_id: Uuid,
    pub merchant_id: Uuid,
    pub creator_id: Uuid,
    /// The token subject of the creator's owner, when it registered itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_owner: Option<String>,
    pub proposed_by: CollaborationParty,
    /// Storefront product ids; empty covers every product of the merchant.
    pub products: Vec<Uuid>,
    #[schemars(range(max = 10000))]
    pub commission_bps: u32,
    pub product_commissions: Vec<ProductCommissionV1>,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
    pub mode: CollaborationMode,
    /// Present exactly in the delegated-selling mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<DelegationV1>,
    pub at: DateTime<Utc>,
}

/// The other party accepted: the collaboration is active.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollaborationAcceptedV1 {
    pub by: CollaborationParty,
    pub at: DateTime<Utc>,
}

/// The other party declined the proposal.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollaborationDeclinedV1 {
    pub by: CollaborationParty,
    pub at: DateTime<Utc>,
}

/// Either party ended the active collaboration.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollaborationEndedV1 {
    pub by: CollaborationParty,
    pub at: DateTime<Utc>,
}

/// A proposal was not answered by `respond_by`, or an active collaboration
/// reached `ends`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollaborationExpiredV1 {
    pub at: DateTime<Utc>,
}

/// The gateway is about to act on the merchant's behalf for the creator:
/// written before the storefront is called, so an action is never unrecorded.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DelegatedActionRequestedV1 {
    pub entry_id: Uuid,
    pub action: DelegatedActionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<Uuid>,
    /// The price asked for, in won, when the action sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    /// What was asked, in a line.
    pub summary: String,
    /// The creator's token subject.
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// The outcome of a requested action: done, or refused with the storefront's code.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DelegatedActionCompletedV1 {
    pub entry_id: Uuid,
    /// Absent when the action succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub at: DateTime<Utc>,
}
