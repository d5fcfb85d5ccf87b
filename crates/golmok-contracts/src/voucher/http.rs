//! The voucher service's HTTP API (`docs/voucher-http.md`): the request
//! bodies it accepts (camelCase JSON; unknown fields are refused) and the
//! views it answers. The voucher service reads the bodies and writes the
//! views, the gateway the other way round; the service also stores most
//! views as its read-model rows.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Rule;
use crate::api_codes;

// ---- codes of the views ----

api_codes! {
    /// Where a redemption stands.
    RedemptionStatus {
        /// Reserved until captured, voided or timed out.
        Held,
        Captured,
        Voided,
        TimedOut,
        /// Refused; `declineCode` says why.
        Declined,
    }
}
api_codes! {
    /// Where a fraud case stands.
    #[cfg_attr(feature = "graphql", graphql(name = "FraudCaseStatus"))]
    CaseStatus { Open, MerchantSuspended, Dismissed, MerchantReinstated }
}
api_codes! {
    /// A merchant's annual revenue band (drives its fee tier).
    RevenueTier { Micro, Small, Medium }
}

// ---- request bodies ----

/// The body of `POST /programmes`. Its rates are read as any integer so that
/// a negative or huge rate is refused by the programme's own rule
/// (RATE_OUT_OF_RANGE, naming the field) rather than by the JSON parser.
/// Its lists are kept as sent (the service makes sets of them), so a client
/// sends them in its own order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Programme {
    pub issuer: String,
    pub name: String,
    pub region: String,
    pub districts: Vec<String>,
    pub face_values: Vec<i64>,
    pub discount_bps: i64,
    pub monthly_cap: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub categories: Vec<String>,
    pub fee_tiers: FeeTiers,
    pub budget: i64,
}

/// Basis points per revenue tier, as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeTiers {
    pub micro: i64,
    pub small: i64,
    pub medium: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Purchase {
    pub face_value: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Redeem {
    pub merchant_id: Uuid,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Amount {
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settle {
    pub business_date: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

// ---- views ----

/// Merchant fees per revenue tier, in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "VoucherFeeTiers")
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeTiersView {
    pub micro: u32,
    pub small: u32,
    pub medium: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeView {
    pub id: Uuid,
    pub issuer: String,
    pub name: String,
    pub region: String,
    pub districts: BTreeSet<String>,
    pub face_values: BTreeSet<i64>,
    pub discount_bps: u32,
    pub monthly_cap: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub categories: BTreeSet<String>,
    pub fee_tiers: FeeTiersView,
    /// Subsidy budget, committed to purchases, and what remains (whole won).
    pub budget: i64,
    pub budget_committed: i64,
    pub budget_remaining: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseView {
    pub id: Uuid,
    pub face: i64,
    pub discount: i64,
    pub paid: i64,
    pub at: DateTime<Utc>,
    pub refunded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedemptionView {
    pub id: Uuid,
    pub wallet_id: Uuid,
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub amount: i64,
    pub status: RedemptionStatus,
    /// Given back by the merchant after capture.
    pub refunded: i64,
    /// Set when declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// Set while held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// A wallet as of an instant (holds whose time is up reserve nothing). Its
/// redemptions are a paged list of their own (`GET /wallets/{id}/redemptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletView {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub owner: String,
    /// Face value in the wallet, open holds included (whole won).
    pub balance: i64,
    pub held: i64,
    pub available: i64,
    pub expired: i64,
    /// Face value bought in the current month (Asia/Seoul).
    pub purchased_this_month: i64,
    pub purchases: Vec<PurchaseView>,
    pub as_of: DateTime<Utc>,
}

/// The answer of a wallet command: the wallet and what the command was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletReply {
    pub wallet: WalletView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase: Option<PurchaseView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption: Option<RedemptionView>,
}

/// A captured redemption not yet in a settlement batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsettledLine {
    pub redemption_id: Uuid,
    pub wallet_id: Uuid,
    pub captured_on: NaiveDate,
    /// Net of the merchant's refunds (whole won).
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchView {
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub business_date: NaiveDate,
    pub lines: Vec<UnsettledLine>,
    pub gross: i64,
    pub fee_bps: u32,
    pub fee: i64,
    pub net: i64,
    pub payout_on: NaiveDate,
    pub settled_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseView {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub rule: Rule,
    pub evidence: String,
    pub status: CaseStatus,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
}

/// A merchant as the voucher service knows it from the storefront.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantEntry {
    pub id: Uuid,
    pub name: String,
    pub district: String,
    pub category: String,
    pub revenue_tier: RevenueTier,
    pub registered_on: NaiveDate,
    /// Suspended in the storefront.
    pub suspended: bool,
}

/// A merchant and the programmes that suspended it after a fraud case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantStanding {
    #[serde(flatten)]
    pub merchant: MerchantEntry,
    pub voucher_suspended_in: Vec<Uuid>,
}

/// An account's totals (whole won); `balance` is credits minus debits, posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub code: String,
    #[serde(flatten)]
    pub totals: Totals,
    pub balance: i64,
    pub available: i64,
}

/// How a transfer moved value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransferMode {
    Posted,
    Pending,
    PostPending,
    VoidPending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    pub id: String,
    pub programme_id: Uuid,
    /// Account codes.
    pub debit: String,
    pub credit: String,
    pub amount: i64,
    pub mode: TransferMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_id: Option<String>,
    /// The event that caused it.
    pub event_id: Uuid,
    pub at: DateTime<Utc>,
}
