//! A merchant's order changes, for the merchant and operators.

use std::sync::Arc;

use async_graphql::{ID, Object, Result};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::feed_cursor;
use golmok_contracts::storefront::http::{OrderStatus, PaymentStatus};
use golmok_runtime::Actor;

use super::{forbidden, object_id};
use crate::feed::{FeedItem, OrderChange, OrderEvent, Subscribed};
use crate::relay::{GlobalId, NodeType};
use crate::schema::scalars::Won;

/// What a subscription to the order changes of `merchant` asks for, once
/// `actor` may read them: the merchant itself and operators, as for its
/// orders (another merchant, or a merchant's id that names none, is
/// FORBIDDEN alike).
pub(super) fn subscribed(
    actor: &Actor,
    merchant: &ID,
    after: u64,
) -> Result<Subscribed<OrderChange>> {
    let merchant = object_id(merchant, NodeType::Merchant)
        .filter(|merchant| actor.acts_for_merchant(*merchant))
        .ok_or_else(|| forbidden("a merchant's orders are read by the merchant and operators"))?;
    Ok(Subscribed {
        wants: Box::new(move |change: &OrderChange| change.merchant_id == merchant),
        after,
    })
}

/// One change of one of a merchant's orders.
pub(crate) struct OrderFeedItem(pub(super) Arc<FeedItem<OrderChange>>);

impl OrderFeedItem {
    fn change(&self) -> &OrderChange {
        &self.0.entry
    }
}

#[Object]
impl OrderFeedItem {
    /// Where this item sits in the feed: pass it as `after` to continue
    /// after it (the same on every gateway and across restarts).
    async fn cursor(&self) -> String {
        feed_cursor(self.0.position)
    }

    /// The order's global id.
    async fn order_id(&self) -> ID {
        GlobalId::new(NodeType::Order, self.change().order_id).to_id()
    }

    /// The merchant's global id.
    async fn merchant_id(&self) -> ID {
        GlobalId::new(NodeType::Merchant, self.change().merchant_id).to_id()
    }

    async fn event(&self) -> OrderEvent {
        self.change().event
    }

    /// The order's status after it.
    async fn status(&self) -> OrderStatus {
        self.change().status
    }

    /// Where the order's payment stands after it.
    async fn payment(&self) -> PaymentStatus {
        self.change().payment
    }

    /// The order's total.
    async fn total(&self) -> Won {
        Won(self.change().total)
    }

    /// What the returned lines were worth (LINES_RETURNED), what was
    /// refunded (REFUNDED) or asked of the voucher service
    /// (PAYMENT_REQUESTED); null otherwise.
    async fn amount(&self) -> Option<Won> {
        self.change().amount.map(Won)
    }

    /// The return's id (a UUID), for LINES_RETURNED, REFUNDED and
    /// REFUND_DECLINED.
    async fn return_id(&self) -> Option<ID> {
        self.change().return_id.map(|id| ID(id.to_string()))
    }

    /// Why: the cancellation's, the return's or the refusal's reason.
    async fn reason(&self) -> Option<&str> {
        self.change().reason.as_deref()
    }

    /// The stable code of a declined payment or refund.
    async fn code(&self) -> Option<&str> {
        self.change().code.as_deref()
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.change().at
    }
}
