use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::{OrderSource, PaymentMethod, PaymentOutcome, RefundOutcome, ShopSubject};
use crate::domain::merchant::MerchantStanding;

#[derive(Debug, Clone, PartialEq)]
pub struct NewProduct {
    pub product_id: Uuid,
    pub merchant_id: Uuid,
    /// The merchant's standing when the command was issued.
    pub merchant: MerchantStanding,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub stock: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineRequest {
    pub product_id: Uuid,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderRequest {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    /// The merchant's standing when the command was issued.
    pub merchant: MerchantStanding,
    pub buyer: String,
    pub lines: Vec<LineRequest>,
    pub payment: PaymentMethod,
    /// The creator code and live session the buyer gave, resolved.
    pub source: OrderSource,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShopCommand {
    AddProduct(NewProduct),
    /// Fields left `None` stay as they are.
    EditProduct {
        product_id: Uuid,
        name: Option<String>,
        description: Option<String>,
        at: DateTime<Utc>,
    },
    ChangePrice {
        product_id: Uuid,
        price: i64,
        at: DateTime<Utc>,
    },
    AdjustStock {
        product_id: Uuid,
        delta: i64,
        reason: String,
        at: DateTime<Utc>,
    },
    Publish {
        product_id: Uuid,
        at: DateTime<Utc>,
    },
    Unpublish {
        product_id: Uuid,
        at: DateTime<Utc>,
    },
    PlaceOrder(OrderRequest),
    CancelOrder {
        order_id: Uuid,
        reason: String,
        at: DateTime<Utc>,
    },
    /// The buyer asks the voucher service to pay the order from their
    /// wallet in `programme_id`; `payment_id` names this attempt.
    RequestVoucherPayment {
        order_id: Uuid,
        programme_id: Uuid,
        payment_id: Uuid,
        at: DateTime<Utc>,
    },
    /// The voucher service's answer about attempt `payment_id`; an answer
    /// about an earlier attempt or one already recorded changes nothing.
    RecordPayment {
        order_id: Uuid,
        payment_id: Uuid,
        outcome: PaymentOutcome,
        at: DateTime<Utc>,
    },
    /// The merchant accepts the order; a held voucher payment is then captured.
    ConfirmOrder {
        order_id: Uuid,
        at: DateTime<Utc>,
    },
    /// Returns quantities of a confirmed order's lines within `window` of
    /// its confirmation; `return_id` names the return (a repeat changes nothing).
    ReturnLines {
        order_id: Uuid,
        return_id: Uuid,
        lines: Vec<LineRequest>,
        reason: String,
        window: TimeDelta,
        at: DateTime<Utc>,
    },
    /// The voucher service's answer about refunding return `return_id`; an
    /// answer already recorded changes nothing.
    RecordRefund {
        order_id: Uuid,
        return_id: Uuid,
        outcome: RefundOutcome,
        at: DateTime<Utc>,
    },
}

impl ShopCommand {
    /// The product or order the command is about.
    pub fn subject(&self) -> ShopSubject {
        match self {
            ShopCommand::AddProduct(NewProduct { product_id, .. })
            | ShopCommand::EditProduct { product_id, .. }
            | ShopCommand::ChangePrice { product_id, .. }
            | ShopCommand::AdjustStock { product_id, .. }
            | ShopCommand::Publish { product_id, .. }
            | ShopCommand::Unpublish { product_id, .. } => ShopSubject::Product(*product_id),
            ShopCommand::PlaceOrder(OrderRequest { order_id, .. })
            | ShopCommand::CancelOrder { order_id, .. }
            | ShopCommand::RequestVoucherPayment { order_id, .. }
            | ShopCommand::RecordPayment { order_id, .. }
            | ShopCommand::ConfirmOrder { order_id, .. }
            | ShopCommand::ReturnLines { order_id, .. }
            | ShopCommand::RecordRefund { order_id, .. } => ShopSubject::Order(*order_id),
        }
    }
}
