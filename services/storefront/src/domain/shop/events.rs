use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{OrderLine, PaymentMethod, ReturnedLine};
use crate::domain::Won;

#[derive(Debug, Clone, PartialEq)]
pub struct ProductAdded {
    pub product_id: Uuid,
    pub merchant_id: Uuid,
    pub name: String,
    pub description: String,
    pub price: Won,
    pub stock: u64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderPlaced {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub buyer: String,
    pub lines: Vec<OrderLine>,
    pub total: Won,
    pub payment: PaymentMethod,
    pub attribution: Option<Attribution>,
    pub at: DateTime<Utc>,
}

/// Where an order came from: a creator's code, a live session on air, or
/// both; `creator_id` is the creator credited (the code's, else the live's
/// host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub creator_id: Option<Uuid>,
    pub code: Option<String>,
    pub live_id: Option<Uuid>,
}

/// The buyer asked the voucher service to pay `amount` from their wallet in
/// `programme_id`; `payment_id` names the attempt (and the wallet's hold).
#[derive(Debug, Clone, PartialEq)]
pub struct VoucherPaymentRequested {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub buyer: String,
    pub programme_id: Uuid,
    pub payment_id: Uuid,
    pub amount: Won,
    pub at: DateTime<Utc>,
}

/// Quantities of a confirmed order's lines came back: their units are
/// available again, and `amount` (each line's unit price × quantity) is owed
/// back to the buyer.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLinesReturned {
    pub order_id: Uuid,
    pub return_id: Uuid,
    pub lines: Vec<ReturnedLine>,
    pub amount: Won,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShopEvent {
    ProductAdded(ProductAdded),
    /// Only the fields that changed are set.
    ProductEdited {
        product_id: Uuid,
        name: Option<String>,
        description: Option<String>,
        at: DateTime<Utc>,
    },
    PriceChanged {
        product_id: Uuid,
        price: Won,
        at: DateTime<Utc>,
    },
    StockAdjusted {
        product_id: Uuid,
        delta: i64,
        reason: String,
        at: DateTime<Utc>,
    },
    ProductPublished {
        product_id: Uuid,
        at: DateTime<Utc>,
    },
    ProductUnpublished {
        product_id: Uuid,
        at: DateTime<Utc>,
    },
    /// Reserves every line's quantity.
    OrderPlaced(OrderPlaced),
    /// Releases the order's reservation and voids a payment not yet captured.
    OrderCancelled {
        order_id: Uuid,
        reason: String,
        at: DateTime<Utc>,
    },
    PaymentAuthorized {
        order_id: Uuid,
        at: DateTime<Utc>,
    },
    PaymentCaptured {
        order_id: Uuid,
        at: DateTime<Utc>,
    },
    PaymentVoided {
        order_id: Uuid,
        at: DateTime<Utc>,
    },
    /// No longer written (payments are declined with a code); kept to read history.
    PaymentFailed {
        order_id: Uuid,
        reason: String,
        at: DateTime<Utc>,
    },
    VoucherPaymentRequested(VoucherPaymentRequested),
    PaymentDeclined {
        order_id: Uuid,
        code: String,
        reason: String,
        at: DateTime<Utc>,
    },
    OrderConfirmed {
        order_id: Uuid,
        at: DateTime<Utc>,
    },
    /// Releases the returned units (they are available again).
    OrderLinesReturned(OrderLinesReturned),
    /// The voucher service refunded a return's amount to the buyer's wallet.
    RefundRecorded {
        order_id: Uuid,
        return_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    /// The voucher service could not refund a return; `code` says why.
    RefundDeclined {
        order_id: Uuid,
        return_id: Uuid,
        code: String,
        reason: String,
        at: DateTime<Utc>,
    },
}

impl ShopEvent {
    /// The product or order the event is about (for an order, its products are
    /// found through its lines).
    pub fn subject(&self) -> ShopSubject {
        match self {
            ShopEvent::ProductAdded(ProductAdded { product_id, .. })
            | ShopEvent::ProductEdited { product_id, .. }
            | ShopEvent::PriceChanged { product_id, .. }
            | ShopEvent::StockAdjusted { product_id, .. }
            | ShopEvent::ProductPublished { product_id, .. }
            | ShopEvent::ProductUnpublished { product_id, .. } => ShopSubject::Product(*product_id),
            ShopEvent::OrderPlaced(OrderPlaced { order_id, .. })
            | ShopEvent::OrderCancelled { order_id, .. }
            | ShopEvent::PaymentAuthorized { order_id, .. }
            | ShopEvent::PaymentCaptured { order_id, .. }
            | ShopEvent::PaymentVoided { order_id, .. }
            | ShopEvent::PaymentFailed { order_id, .. }
            | ShopEvent::VoucherPaymentRequested(VoucherPaymentRequested { order_id, .. })
            | ShopEvent::PaymentDeclined { order_id, .. }
            | ShopEvent::OrderConfirmed { order_id, .. }
            | ShopEvent::OrderLinesReturned(OrderLinesReturned { order_id, .. })
            | ShopEvent::RefundRecorded { order_id, .. }
            | ShopEvent::RefundDeclined { order_id, .. } => ShopSubject::Order(*order_id),
        }
    }
}

/// What a shop event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopSubject {
    Product(Uuid),
    Order(Uuid),
}
