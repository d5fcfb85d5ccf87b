//! The voucher service's published events (`schemas/events/voucher/`): one
//! versioned wire struct per event type and the codes they carry. The
//! voucher's codec table maps its domain events onto these structs (and names
//! and versions them); other services read the voucher's events through them.
//! Its HTTP API's bodies and views are in [`http`].

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::wire_codes;

pub mod http;

/// The producer's name in `kr.golmok.voucher.<Event>.v<N>`.
pub const SERVICE: &str = "voucher";
/// The version every current voucher event is written in.
pub const VERSION: u32 = 1;

wire_codes! {
    /// Why a merchant may not accept a programme's vouchers.
    Ineligible: "Why a merchant may not accept a programme's vouchers." {
        OutsideRegion,
        CategoryNotEligible,
        Suspended,
    }
}
wire_codes! {
    /// The fraud (깡) rule that opened a case.
    #[cfg_attr(feature = "graphql", graphql(name = "FraudRule"))]
    Rule: "The fraud rule that opened a case." {
        VelocityAboveBaseline,
        RoundAmountBurst,
        NewMerchantVolume,
        RepeatedWallet,
    }
}

/// Why a redemption was declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeclineReason {
    InsufficientBalance,
    MerchantIneligible,
    OutsideValidity,
}

// ---- wire structs (v1) -------------------------------------------------------

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeTiersV1 {
    pub micro: u32,
    pub small: u32,
    pub medium: u32,
}

/// A local government's voucher programme and its terms.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgrammeCreatedV1 {
    pub programme_id: Uuid,
    pub issuer: String,
    pub name: String,
    pub region: String,
    pub districts: BTreeSet<String>,
    /// Whole won.
    pub face_values: BTreeSet<i64>,
    /// Basis points off the face value.
    pub discount_bps: u32,
    /// Whole won of face value per person per month (Asia/Seoul).
    pub monthly_cap: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub categories: BTreeSet<String>,
    /// Basis points per revenue tier.
    pub fee_tiers: FeeTiersV1,
    /// Whole won.
    pub budget: i64,
    pub at: DateTime<Utc>,
}

/// Subsidy reserved for, or given back by, a purchase.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubsidyV1 {
    pub purchase_id: Uuid,
    /// Whole won.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WalletOpenedV1 {
    pub wallet_id: Uuid,
    pub programme_id: Uuid,
    /// The citizen's subject.
    pub owner: String,
    pub at: DateTime<Utc>,
}

/// A purchase or its refund; whole won, `face = discount + paid`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PurchaseV1 {
    pub purchase_id: Uuid,
    pub face: i64,
    pub discount: i64,
    pub paid: i64,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HoldPlacedV1 {
    pub redemption_id: Uuid,
    pub merchant_id: Uuid,
    /// Whole won.
    pub amount: i64,
    pub expires_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// A movement of a redemption: capture, void, time-out, payment or refund.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedemptionV1 {
    pub redemption_id: Uuid,
    pub merchant_id: Uuid,
    /// Whole won.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedemptionDeclinedV1 {
    pub redemption_id: Uuid,
    pub merchant_id: Uuid,
    pub amount: i64,
    pub reason: DeclineReason,
    /// With INSUFFICIENT_BALANCE: what was available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// With MERCHANT_INELIGIBLE: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ineligible: Option<Ineligible>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BalanceExpiredV1 {
    pub amount: i64,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettlementLineV1 {
    pub redemption_id: Uuid,
    pub wallet_id: Uuid,
    pub captured_on: NaiveDate,
    /// Whole won, net of the merchant's refunds.
    pub amount: i64,
}

/// A merchant's daily batch (stream `settlement-<programme>-<merchant>`).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchSettledV1 {
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub business_date: NaiveDate,
    pub lines: Vec<SettlementLineV1>,
    pub gross: i64,
    pub fee_bps: u32,
    pub fee: i64,
    pub net: i64,
    pub payout_on: NaiveDate,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchPaidOutV1 {
    pub business_date: NaiveDate,
    pub amount: i64,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaseOpenedV1 {
    pub case_id: Uuid,
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub rule: Rule,
    pub evidence: String,
    pub at: DateTime<Utc>,
}

/// An official's decision on a case.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaseDecisionV1 {
    /// Subject of the official.
    pub official: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// The wallet holds a storefront order's total (the hold's redemption id is
/// `paymentId`).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPaymentHeldV1 {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    /// The storefront's payment attempt; the wallet's redemption id.
    pub payment_id: Uuid,
    pub wallet_id: Uuid,
    /// Whole won.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

/// A storefront order's payment attempt was declined.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPaymentDeclinedV1 {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub payment_id: Uuid,
    /// Stable code: INSUFFICIENT_BALANCE, MERCHANT_SUSPENDED, WALLET_NOT_FOUND, …
    pub code: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A storefront order's held payment was captured or voided.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPaymentV1 {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub payment_id: Uuid,
    pub at: DateTime<Utc>,
}

/// A storefront order's captured payment was partly or wholly refunded to
/// the wallet for a return (once per `returnId`).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPaymentRefundedV1 {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    /// The storefront's payment attempt; the wallet's redemption id.
    pub payment_id: Uuid,
    /// The storefront's return.
    pub return_id: Uuid,
    /// Whole won.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

/// The wallet refused to refund a storefront order's return.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPaymentRefundDeclinedV1 {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub payment_id: Uuid,
    pub return_id: Uuid,
    /// Stable code: REFUND_WINDOW_CLOSED, REFUND_TOO_LARGE, NOT_CAPTURED, …
    pub code: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}
