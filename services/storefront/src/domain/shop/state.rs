use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Attribution;
use crate::domain::Won;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub name: String,
    pub description: String,
    pub price: Won,
    /// Units on hand, including those reserved by open orders.
    pub stock: u64,
    /// Units held by placed orders.
    pub reserved: u64,
    pub published: bool,
    pub updated_at: DateTime<Utc>,
}

impl Product {
    /// Units that can still be ordered; `reserved <= stock` always holds.
    pub fn available(&self) -> u64 {
        self.stock.saturating_sub(self.reserved)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Voucher,
    Card,
}

/// AWAITING → REQUESTED (the buyer asked the voucher service to pay) → HELD
/// (the wallet holds the total) → PAID (captured on the merchant's
/// confirmation); VOIDED (released on cancellation) and DECLINED (with a code)
/// are the other endings. A declined payment may be requested again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    Awaiting,
    Requested,
    Held,
    Paid,
    Voided,
    Declined,
}

impl PaymentStatus {
    pub fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        matches!(
            (self, next),
            (Awaiting, Requested)
                | (Declined, Requested)
                | (Awaiting, Voided)
                | (Requested, Held)
                | (Requested, Declined)
                | (Held, Paid)
                | (Held, Voided)
                | (Held, Declined)
        )
    }
}

/// Why the voucher service declined a payment: its stable code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentDecline {
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    /// The voucher programme asked to pay, once requested.
    pub programme_id: Option<Uuid>,
    /// The current payment attempt; the voucher service's answers name it.
    pub payment_id: Option<Uuid>,
    /// Set while the payment is DECLINED.
    pub decline: Option<PaymentDecline>,
}

impl Payment {
    pub fn awaiting(method: PaymentMethod) -> Self {
        Payment {
            method,
            status: PaymentStatus::Awaiting,
            programme_id: None,
            payment_id: None,
            decline: None,
        }
    }
}

/// What the voucher service answered about a payment attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    Held,
    Declined(PaymentDecline),
    Paid,
    Voided,
}

impl PaymentOutcome {
    pub fn status(&self) -> PaymentStatus {
        match self {
            PaymentOutcome::Held => PaymentStatus::Held,
            PaymentOutcome::Declined(_) => PaymentStatus::Declined,
            PaymentOutcome::Paid => PaymentStatus::Paid,
            PaymentOutcome::Voided => PaymentStatus::Voided,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    pub product_id: Uuid,
    /// The product's name and price when the order was placed.
    pub name: String,
    pub unit_price: Won,
    pub quantity: u64,
}

impl OrderLine {
    /// Checked when the order is placed, so it never overflows afterwards.
    pub fn total(&self) -> Won {
        self.unit_price
            .times(self.quantity)
            .unwrap_or(Won(i64::MAX))
    }
}

/// Units of one order line that came back, and their worth at the order's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedLine {
    pub product_id: Uuid,
    pub quantity: u64,
    pub amount: Won,
}

/// Where the refund of a return stands: a card order's return is recorded
/// without one (NOT_APPLICABLE); a voucher order's is PENDING until the
/// voucher service answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refund {
    NotApplicable,
    Pending,
    Refunded {
        at: DateTime<Utc>,
    },
    Declined {
        code: String,
        reason: String,
        at: DateTime<Utc>,
    },
}

/// What the voucher service answered about refunding a return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Refunded { amount: Won },
    Declined(PaymentDecline),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderReturn {
    pub id: Uuid,
    pub lines: Vec<ReturnedLine>,
    pub amount: Won,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub refund: Refund,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: Uuid,
    pub merchant_id: Uuid,
    /// The buyer's subject.
    pub buyer: String,
    pub lines: Vec<OrderLine>,
    pub total: Won,
    pub payment: Payment,
    pub placed_at: DateTime<Utc>,
    /// When the merchant confirmed the order (a held voucher payment is then captured).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// `Some` once cancelled; the reservation is then released.
    pub cancellation: Option<Cancellation>,
    /// Returns of the confirmed order, oldest first.
    pub returns: Vec<OrderReturn>,
    /// Where the order came from, when a creator's code or a live was given.
    pub attribution: Option<Attribution>,
}

impl Order {
    /// Units of `product_id` already returned.
    pub fn returned(&self, product_id: Uuid) -> u64 {
        self.returns
            .iter()
            .flat_map(|r| &r.lines)
            .filter(|l| l.product_id == product_id)
            .map(|l| l.quantity)
            .sum()
    }
}

/// A shop's products and orders. `evolve` touches only the entities an event
/// names, so a projection may fold an event into a state holding just those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShopState {
    pub products: BTreeMap<Uuid, Product>,
    pub orders: BTreeMap<Uuid, Order>,
}
