//! A creator's commissions (stream `commissions-<creator id>`), as published:
//! accrued when an attributed order is paid, held until the storefront's
//! return window ends, then payable; a return reverses the returned lines'
//! share, and once the commission was payable (or paid out) the reversal is a
//! clawback deducted from the creator's next payout.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One order line's share of a commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommissionLineV1 {
    pub product_id: Uuid,
    /// Whole won: what the buyer paid for the line.
    pub sales: i64,
    /// The collaboration's rate for the product.
    #[schemars(range(max = 10000))]
    pub bps: u32,
    /// Whole won: `sales × bps / 10000`, rounded down.
    pub commission: i64,
}

/// An order credited to the creator was paid: its commission is held until
/// `payableAt` (the end of the order's return window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommissionAccruedV1 {
    pub creator_id: Uuid,
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub collaboration_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_id: Option<Uuid>,
    pub lines: Vec<CommissionLineV1>,
    /// Whole won: the sum of the lines' commissions.
    pub amount: i64,
    pub payable_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// The order's return window ended: what is left of its commission is
/// payable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommissionPayableV1 {
    pub creator_id: Uuid,
    pub order_id: Uuid,
    /// Whole won.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

/// Lines of a credited order came back. While the commission is held its
/// share is reversed (`CommissionReversed`); once payable or paid out it is
/// clawed back from the next payout (`CommissionClawedBack`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommissionReturnedV1 {
    pub creator_id: Uuid,
    pub order_id: Uuid,
    /// The storefront's return.
    pub return_id: Uuid,
    /// The returned lines that earned a commission: `sales` is the returned
    /// amount, `commission` its share taken back (never more than what is
    /// left of the line's commission).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<CommissionLineV1>,
    /// Whole won: the returned lines' share of the commission.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

/// The creator's payable commissions were paid out, less what was clawed
/// back; a clawback larger than the payable amount carries over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommissionsPaidOutV1 {
    pub creator_id: Uuid,
    pub payout_id: Uuid,
    /// The orders whose payable commissions this payout settles.
    pub orders: Vec<Uuid>,
    /// Whole won: the payable commissions settled.
    pub payable: i64,
    /// Whole won: clawbacks deducted.
    pub clawed_back: i64,
    /// Whole won: `payable − clawedBack`, never below 0.
    pub net: i64,
    pub at: DateTime<Utc>,
}
