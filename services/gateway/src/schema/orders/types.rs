use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::relay::{GlobalId, NodeType};
use crate::schema::creator_media::{Creator, LiveSession, find_creator, find_live};
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::products::{Product, find_product};
use crate::schema::scalars::{Won, int};
use crate::upstream::model::{self, OrderStatus, Payment, Refund};

/// An order of products from one merchant.
pub(crate) struct Order(pub(crate) model::Order);

#[Object]
impl Order {
    /// The order's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Order, self.0.id).to_id()
    }

    /// The merchant the order was placed with.
    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    /// The subject of the buyer who placed the order.
    async fn buyer(&self) -> &str {
        &self.0.buyer
    }

    async fn lines(&self) -> Vec<OrderLine<'_>> {
        self.0.lines.iter().map(OrderLine).collect()
    }

    async fn total(&self) -> Won {
        Won(self.0.total)
    }

    async fn status(&self) -> OrderStatus {
        self.0.status
    }

    async fn payment(&self) -> &Payment {
        &self.0.payment
    }

    async fn placed_at(&self) -> DateTime<Utc> {
        self.0.placed_at
    }

    /// When the merchant confirmed the order.
    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.confirmed_at
    }

    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }

    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    /// Returns of the confirmed order, oldest first.
    async fn returns(&self) -> Vec<OrderReturn<'_>> {
        self.0.returns.iter().map(OrderReturn).collect()
    }

    /// Where the order came from, when it was placed with a creator's code
    /// or during a live session; null otherwise.
    async fn attribution(&self) -> Option<OrderAttribution<'_>> {
        self.0.attribution.as_ref().map(OrderAttribution)
    }
}

/// Where an order came from: a creator's code, a live session, or both.
pub(crate) struct OrderAttribution<'a>(&'a model::Attribution);

#[Object]
impl OrderAttribution<'_> {
    /// The creator code the buyer gave, as given.
    async fn creator_code(&self) -> Option<&str> {
        self.0.creator_code.as_deref()
    }

    /// The global id of the creator credited: the code's creator, else the
    /// live's host; null when neither.
    async fn creator_id(&self) -> Option<ID> {
        self.0
            .creator_id
            .map(|id| GlobalId::new(NodeType::Creator, id).to_id())
    }

    /// The creator credited.
    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<Creator>> {
        match self.0.creator_id {
            Some(id) => find_creator(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The global id of the live session the order was placed during.
    async fn live_id(&self) -> Option<ID> {
        self.0
            .live_id
            .map(|id| GlobalId::new(NodeType::LiveSession, id).to_id())
    }

    /// The live session the order was placed during.
    async fn live(&self, ctx: &Context<'_>) -> Result<Option<LiveSession>> {
        match self.0.live_id {
            Some(id) => find_live(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// Units of a confirmed order that came back: available again, their
/// amount owed back to the buyer (refunded to the wallet for a voucher order).
pub(crate) struct OrderReturn<'a>(&'a model::OrderReturn);

#[Object]
impl OrderReturn<'_> {
    /// The return's id (not a node: read it from its order).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn lines(&self) -> Vec<ReturnedLine<'_>> {
        self.0.lines.iter().map(ReturnedLine).collect()
    }

    /// Each line's unit price on the order × its quantity, summed.
    async fn amount(&self) -> Won {
        Won(self.0.amount)
    }

    async fn reason(&self) -> &str {
        &self.0.reason
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// NOT_APPLICABLE for a card order; for a voucher order PENDING until
    /// the voucher service refunds the wallet (REFUNDED) or refuses (DECLINED).
    async fn refund(&self) -> &Refund {
        &self.0.refund
    }
}

/// Units of one product that came back.
pub(crate) struct ReturnedLine<'a>(&'a model::ReturnedLine);

#[Object]
impl ReturnedLine<'_> {
    /// The product's global id.
    async fn product_id(&self) -> ID {
        GlobalId::new(NodeType::Product, self.0.product_id).to_id()
    }

    /// The product as it is now; null when the caller may no longer see it.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        find_product(ctx, self.0.product_id).await
    }

    async fn quantity(&self) -> Result<i32> {
        int(self.0.quantity)
    }

    /// The unit price on the order × `quantity`.
    async fn amount(&self) -> Won {
        Won(self.0.amount)
    }
}

/// One product of an order, at the price it was ordered for.
pub(crate) struct OrderLine<'a>(&'a model::OrderLine);

#[Object]
impl OrderLine<'_> {
    /// The product's global id.
    async fn product_id(&self) -> ID {
        GlobalId::new(NodeType::Product, self.0.product_id).to_id()
    }

    /// The product as it is now; null when the caller may no longer see it.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        find_product(ctx, self.0.product_id).await
    }

    /// The product's name when it was ordered.
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn unit_price(&self) -> Won {
        Won(self.0.unit_price)
    }

    async fn quantity(&self) -> Result<i32> {
        int(self.0.quantity)
    }

    async fn line_total(&self) -> Won {
        Won(self.0.line_total)
    }
}
