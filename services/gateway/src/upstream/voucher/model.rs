//! The voucher service's JSON, as `docs/voucher-http.md` describes it. The
//! enums are shared with the GraphQL schema: their SCREAMING_SNAKE values are
//! the contract's.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a redemption stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum RedemptionStatus {
    /// Reserved until captured, voided or timed out.
    Held,
    Captured,
    Voided,
    TimedOut,
    /// Refused; `declineCode` says why.
    Declined,
}

/// The fraud (깡) rule that opened a case.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum FraudRule {
    VelocityAboveBaseline,
    RoundAmountBurst,
    NewMerchantVolume,
    RepeatedWallet,
}

/// Where a fraud case stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum FraudCaseStatus {
    Open,
    MerchantSuspended,
    Dismissed,
    MerchantReinstated,
}

/// Merchant fees per revenue tier, in basis points.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[graphql(name = "VoucherFeeTiers")]
pub(crate) struct FeeTiers {
    pub(crate) micro: i32,
    pub(crate) small: i32,
    pub(crate) medium: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Programme {
    pub(crate) id: Uuid,
    pub(crate) issuer: String,
    pub(crate) name: String,
    pub(crate) region: String,
    pub(crate) districts: Vec<String>,
    pub(crate) face_values: Vec<i64>,
    pub(crate) discount_bps: i32,
    pub(crate) monthly_cap: i64,
    pub(crate) valid_from: NaiveDate,
    pub(crate) valid_until: NaiveDate,
    pub(crate) categories: Vec<String>,
    pub(crate) fee_tiers: FeeTiers,
    pub(crate) budget: i64,
    pub(crate) budget_committed: i64,
    pub(crate) budget_remaining: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Purchase {
    pub(crate) id: Uuid,
    pub(crate) face: i64,
    pub(crate) discount: i64,
    pub(crate) paid: i64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) refunded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Redemption {
    pub(crate) id: Uuid,
    pub(crate) wallet_id: Uuid,
    pub(crate) programme_id: Uuid,
    pub(crate) merchant_id: Uuid,
    pub(crate) amount: i64,
    pub(crate) status: RedemptionStatus,
    pub(crate) refunded: i64,
    #[serde(default)]
    pub(crate) decline_code: Option<String>,
    #[serde(default)]
    pub(crate) expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) captured_at: Option<DateTime<Utc>>,
    pub(crate) at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Wallet {
    pub(crate) id: Uuid,
    pub(crate) programme_id: Uuid,
    pub(crate) owner: String,
    pub(crate) balance: i64,
    pub(crate) held: i64,
    pub(crate) available: i64,
    pub(crate) expired: i64,
    pub(crate) purchased_this_month: i64,
    pub(crate) purchases: Vec<Purchase>,
    pub(crate) redemptions: Vec<Redemption>,
}

/// The answer of a wallet command.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WalletReply {
    pub(crate) wallet: Wallet,
    #[serde(default)]
    pub(crate) purchase: Option<Purchase>,
    #[serde(default)]
    pub(crate) redemption: Option<Redemption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Batch {
    pub(crate) programme_id: Uuid,
    pub(crate) merchant_id: Uuid,
    pub(crate) business_date: NaiveDate,
    pub(crate) gross: i64,
    pub(crate) fee_bps: i32,
    pub(crate) fee: i64,
    pub(crate) net: i64,
    pub(crate) payout_on: NaiveDate,
    pub(crate) settled_at: DateTime<Utc>,
    #[serde(default)]
    pub(crate) paid_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Case {
    pub(crate) id: Uuid,
    pub(crate) programme_id: Uuid,
    pub(crate) merchant_id: Uuid,
    pub(crate) rule: FraudRule,
    pub(crate) evidence: String,
    pub(crate) status: FraudCaseStatus,
    pub(crate) opened_at: DateTime<Utc>,
    #[serde(default)]
    pub(crate) decided_by: Option<String>,
    #[serde(default)]
    pub(crate) reason: Option<String>,
}
