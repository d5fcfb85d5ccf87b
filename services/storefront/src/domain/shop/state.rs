use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

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

/// AWAITING → AUTHORIZED → CAPTURED, with VOIDED and FAILED as the other endings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    Awaiting,
    Authorized,
    Captured,
    Voided,
    Failed,
}

impl PaymentStatus {
    pub fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        matches!(
            (self, next),
            (Awaiting, Authorized)
                | (Awaiting, Failed)
                | (Awaiting, Voided)
                | (Authorized, Captured)
                | (Authorized, Voided)
                | (Authorized, Failed)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub method: PaymentMethod,
    pub status: PaymentStatus,
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
    /// `Some` once cancelled; the reservation is then released.
    pub cancellation: Option<Cancellation>,
}

/// A shop's products and orders. `evolve` touches only the entities an event
/// names, so a projection may fold an event into a state holding just those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShopState {
    pub products: BTreeMap<Uuid, Product>,
    pub orders: BTreeMap<Uuid, Order>,
}
