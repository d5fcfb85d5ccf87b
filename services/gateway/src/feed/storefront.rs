//! The storefront's feed: every change of an order, as its merchant follows
//! it (`orderStatus`), with the order's status and payment after it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use golmok_contracts::storefront::http::{OrderStatus, PaymentStatus};
use golmok_contracts::storefront::{
    self as sf, OrderInstantV1, OrderLinesReturnedV1, OrderPlacedV1, OrderReasonV1,
    OrderRefundDeclinedV1, OrderRefundRecordedV1, PaymentDeclinedV1, VoucherPaymentRequestedV1,
};
use golmok_kernel::{HandleError, RecordedEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::consumer::{Producer, read};
use super::store::{FeedTables, FeedWrites};

/// Each order's merchant, total, status and payment, by order id.
const ORDERS: &str = "order_feed_orders";

/// The storefront's order events the feed reads.
const FOLLOWED: [&str; 12] = [
    "OrderPlaced",
    "VoucherPaymentRequested",
    "PaymentAuthorized",
    "PaymentCaptured",
    "PaymentVoided",
    "PaymentFailed",
    "PaymentDeclined",
    "OrderConfirmed",
    "OrderCancelled",
    "OrderLinesReturned",
    "OrderRefundRecorded",
    "OrderRefundDeclined",
];

/// The storefront as the producer of a feed.
pub(crate) struct Storefront;

/// What happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "OrderFeedEvent")]
pub(crate) enum OrderEvent {
    /// The buyer placed it.
    Placed,
    /// The buyer asked the voucher service to pay it.
    PaymentRequested,
    /// The buyer's wallet holds its total until the merchant confirms.
    PaymentHeld,
    /// Its payment was captured.
    Paid,
    /// Its payment was released (it was cancelled).
    PaymentVoided,
    PaymentFailed,
    /// The voucher service refused to pay it; `code` says why.
    PaymentDeclined,
    /// The merchant accepted it.
    Confirmed,
    Cancelled,
    /// Lines came back; `amount` is what they were worth.
    LinesReturned,
    /// A return was refunded; `amount` is the refund.
    Refunded,
    /// A return's refund was refused; `code` says why.
    RefundDeclined,
}

/// An order as the feed keeps it between its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderState {
    merchant_id: Uuid,
    total: i64,
    status: OrderStatus,
    payment: PaymentStatus,
}

/// An item of a merchant's order changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderChange {
    pub(crate) merchant_id: Uuid,
    pub(crate) order_id: Uuid,
    pub(crate) event: OrderEvent,
    /// The order's status after the event.
    pub(crate) status: OrderStatus,
    /// Where its payment stands after the event.
    pub(crate) payment: PaymentStatus,
    /// Whole won: the order's total.
    pub(crate) total: i64,
    /// Whole won: what was returned, or refunded.
    pub(crate) amount: Option<i64>,
    /// The return, for a return and its refund.
    pub(crate) return_id: Option<Uuid>,
    /// Why a payment or refund was declined, or why the order was
    /// cancelled or lines returned.
    pub(crate) reason: Option<String>,
    /// The code of a declined payment or refund.
    pub(crate) code: Option<String>,
    pub(crate) at: DateTime<Utc>,
}

/// What an order event changes, before the order's state is applied.
struct Happened {
    order_id: Uuid,
    event: OrderEvent,
    amount: Option<i64>,
    return_id: Option<Uuid>,
    reason: Option<String>,
    code: Option<String>,
    at: DateTime<Utc>,
}

impl Happened {
    fn new(order_id: Uuid, event: OrderEvent, at: DateTime<Utc>) -> Happened {
        Happened {
            order_id,
            event,
            amount: None,
            return_id: None,
            reason: None,
            code: None,
            at,
        }
    }
}

#[async_trait]
impl Producer for Storefront {
    type Entry = OrderChange;
    const FEED: &'static str = "order feed";
    const TABLES: FeedTables = FeedTables {
        items: "order_feed_items",
        pending: "order_feed_pending",
        watermark: "order_feed_watermark",
    };

    async fn record(
        event: &RecordedEvent,
        writes: &mut FeedWrites<'_, '_, OrderChange>,
    ) -> Result<(), HandleError> {
        let Some(name) = event.followed(sf::SERVICE, &FOLLOWED, sf::VERSION)? else {
            return Ok(());
        };
        if name == "OrderPlaced" {
            let placed: OrderPlacedV1 = read(event)?;
            let state = OrderState {
                merchant_id: placed.merchant_id,
                total: placed.total,
                status: OrderStatus::Placed,
                payment: PaymentStatus::Awaiting,
            };
            let happened = Happened::new(placed.order_id, OrderEvent::Placed, placed.at);
            return apply(writes, event.position, state, happened);
        }
        let happened = happened(name, event)?;
        let key = happened.order_id.to_string();
        let Some(mut state) = writes.tx.row::<OrderState>(ORDERS, &key, "").await? else {
            return Err(HandleError::permanent(format!(
                "order {key} changed but the feed never saw it placed"
            )));
        };
        match happened.event {
            OrderEvent::PaymentRequested => state.payment = PaymentStatus::Requested,
            OrderEvent::PaymentHeld => state.payment = PaymentStatus::Held,
            OrderEvent::Paid => state.payment = PaymentStatus::Paid,
            OrderEvent::PaymentVoided => state.payment = PaymentStatus::Voided,
            OrderEvent::PaymentFailed | OrderEvent::PaymentDeclined => {
                state.payment = PaymentStatus::Declined;
            }
            OrderEvent::Confirmed => state.status = OrderStatus::Confirmed,
            OrderEvent::Cancelled => {
                state.status = OrderStatus::Cancelled;
                // A payment never asked for ends with the order (as the
                // storefront's order says).
                if state.payment == PaymentStatus::Awaiting {
                    state.payment = PaymentStatus::Voided;
                }
            }
            OrderEvent::Placed
            | OrderEvent::LinesReturned
            | OrderEvent::Refunded
            | OrderEvent::RefundDeclined => {}
        }
        apply(writes, event.position, state, happened)
    }
}

/// Keeps the order's `state` and writes the item of what `happened` to it.
fn apply(
    writes: &mut FeedWrites<'_, '_, OrderChange>,
    position: u64,
    state: OrderState,
    happened: Happened,
) -> Result<(), HandleError> {
    writes
        .tx
        .put_json(ORDERS, &happened.order_id.to_string(), "", &state);
    writes.item(
        position,
        OrderChange {
            merchant_id: state.merchant_id,
            order_id: happened.order_id,
            event: happened.event,
            status: state.status,
            payment: state.payment,
            total: state.total,
            amount: happened.amount,
            return_id: happened.return_id,
            reason: happened.reason,
            code: happened.code,
            at: happened.at,
        },
    );
    Ok(())
}

/// What the order event `name` (any but `OrderPlaced`) says happened.
fn happened(name: &str, event: &RecordedEvent) -> Result<Happened, HandleError> {
    let instant = |kind| -> Result<Happened, HandleError> {
        let instant: OrderInstantV1 = read(event)?;
        Ok(Happened::new(instant.order_id, kind, instant.at))
    };
    let with_reason = |kind| -> Result<Happened, HandleError> {
        let reasoned: OrderReasonV1 = read(event)?;
        Ok(Happened {
            reason: Some(reasoned.reason),
            ..Happened::new(reasoned.order_id, kind, reasoned.at)
        })
    };
    Ok(match name {
        "VoucherPaymentRequested" => {
            let requested: VoucherPaymentRequestedV1 = read(event)?;
            Happened {
                amount: Some(requested.amount),
                ..Happened::new(
                    requested.order_id,
                    OrderEvent::PaymentRequested,
                    requested.at,
                )
            }
        }
        "PaymentAuthorized" => instant(OrderEvent::PaymentHeld)?,
        "PaymentCaptured" => instant(OrderEvent::Paid)?,
        "PaymentVoided" => instant(OrderEvent::PaymentVoided)?,
        "OrderConfirmed" => instant(OrderEvent::Confirmed)?,
        "PaymentFailed" => with_reason(OrderEvent::PaymentFailed)?,
        "OrderCancelled" => with_reason(OrderEvent::Cancelled)?,
        "PaymentDeclined" => {
            let declined: PaymentDeclinedV1 = read(event)?;
            Happened {
                reason: Some(declined.reason),
                code: Some(declined.code),
                ..Happened::new(declined.order_id, OrderEvent::PaymentDeclined, declined.at)
            }
        }
        "OrderLinesReturned" => {
            let returned: OrderLinesReturnedV1 = read(event)?;
            Happened {
                amount: Some(returned.amount),
                return_id: Some(returned.return_id),
                reason: Some(returned.reason),
                ..Happened::new(returned.order_id, OrderEvent::LinesReturned, returned.at)
            }
        }
        "OrderRefundRecorded" => {
            let refunded: OrderRefundRecordedV1 = read(event)?;
            Happened {
                amount: Some(refunded.amount),
                return_id: Some(refunded.return_id),
                ..Happened::new(refunded.order_id, OrderEvent::Refunded, refunded.at)
            }
        }
        _ => {
            let declined: OrderRefundDeclinedV1 = read(event)?;
            Happened {
                return_id: Some(declined.return_id),
                reason: Some(declined.reason),
                code: Some(declined.code),
                ..Happened::new(declined.order_id, OrderEvent::RefundDeclined, declined.at)
            }
        }
    })
}
