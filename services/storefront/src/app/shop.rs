use std::sync::Arc;

use chrono::Utc;
use golmok_kernel::CommandMeta;
use golmok_runtime::Actor;
use uuid::Uuid;

use super::views::{OrderView, ProductView};
use super::{AppError, Committed, Storefront, shop_stream};
use crate::domain::shop::{
    LineRequest, NewProduct, OrderRequest, PaymentMethod, PaymentOutcome, ShopCommand, ShopError,
    ShopState, ShopSubject,
};

/// A new product as entered.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDraft {
    pub name: String,
    pub description: String,
    pub price: i64,
    pub stock: i64,
}

/// An order as entered by its buyer.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDraft {
    pub buyer: String,
    pub lines: Vec<LineRequest>,
    pub payment: PaymentMethod,
    /// A creator's code (the creator's handle), as given.
    pub creator_code: Option<String>,
    /// A live session of the merchant that should be on air.
    pub live_id: Option<Uuid>,
}

impl Storefront {
    pub async fn add_product(
        &self,
        merchant_id: Uuid,
        draft: ProductDraft,
        meta: &CommandMeta,
    ) -> Result<Committed<ProductView>, AppError> {
        let command = ShopCommand::AddProduct(NewProduct {
            product_id: Uuid::now_v7(),
            merchant_id,
            merchant: self.standing(merchant_id).await?,
            name: draft.name,
            description: draft.description,
            price: draft.price,
            stock: draft.stock,
            at: Utc::now(),
        });
        self.product_command(merchant_id, command, meta).await
    }

    pub async fn place_order(
        &self,
        merchant_id: Uuid,
        draft: OrderDraft,
        meta: &CommandMeta,
    ) -> Result<Committed<OrderView>, AppError> {
        let command = ShopCommand::PlaceOrder(OrderRequest {
            order_id: Uuid::now_v7(),
            merchant_id,
            merchant: self.standing(merchant_id).await?,
            buyer: draft.buyer,
            lines: draft.lines,
            payment: draft.payment,
            source: self.order_source(draft.creator_code, draft.live_id).await?,
            at: Utc::now(),
        });
        self.order_command(merchant_id, command, meta).await
    }

    /// Cancels an order for its buyer or for whoever acts for the merchant.
    pub async fn cancel_order(
        &self,
        merchant_id: Uuid,
        order_id: Uuid,
        reason: String,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<OrderView>, AppError> {
        let (state, _) = self.shops.load(&shop_stream(merchant_id)).await?;
        let order = state
            .orders
            .get(&order_id)
            .ok_or(ShopError::OrderNotFound)?;
        if order.buyer != actor.subject && !actor.acts_for_merchant(merchant_id) {
            return Err(AppError::Forbidden);
        }
        let command = ShopCommand::CancelOrder {
            order_id,
            reason,
            at: Utc::now(),
        };
        self.order_command(merchant_id, command, meta).await
    }

    /// The buyer asks the voucher service to pay the order from their wallet
    /// in `programme_id`. The answer arrives as an event of the voucher
    /// service and moves the payment to HELD or DECLINED.
    pub async fn request_voucher_payment(
        &self,
        merchant_id: Uuid,
        order_id: Uuid,
        programme_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<OrderView>, AppError> {
        let (state, _) = self.shops.load(&shop_stream(merchant_id)).await?;
        let order = state
            .orders
            .get(&order_id)
            .ok_or(ShopError::OrderNotFound)?;
        if order.buyer != actor.subject {
            return Err(AppError::Forbidden);
        }
        let command = ShopCommand::RequestVoucherPayment {
            order_id,
            programme_id,
            payment_id: Uuid::now_v7(),
            at: Utc::now(),
        };
        self.order_command(merchant_id, command, meta).await
    }

    /// The merchant accepts the order; a held voucher payment is then captured.
    pub async fn confirm_order(
        &self,
        merchant_id: Uuid,
        order_id: Uuid,
        meta: &CommandMeta,
    ) -> Result<Committed<OrderView>, AppError> {
        let command = ShopCommand::ConfirmOrder {
            order_id,
            at: Utc::now(),
        };
        self.order_command(merchant_id, command, meta).await
    }

    /// Records the voucher service's answer about a payment attempt (issued
    /// by the consumer of its events; a redelivered answer changes nothing).
    pub(crate) async fn record_payment(
        &self,
        merchant_id: Uuid,
        order_id: Uuid,
        payment_id: Uuid,
        outcome: PaymentOutcome,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let command = ShopCommand::RecordPayment {
            order_id,
            payment_id,
            outcome,
            at: Utc::now(),
        };
        self.shops
            .execute(&shop_stream(merchant_id), &command, meta)
            .await?;
        Ok(())
    }

    /// Executes a command about a product and answers the product.
    pub async fn product_command(
        &self,
        merchant_id: Uuid,
        command: ShopCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<ProductView>, AppError> {
        let (state, subject, position) = self.shop_command(merchant_id, command, meta).await?;
        let product = match subject {
            ShopSubject::Product(id) => state.products.get(&id),
            ShopSubject::Order(_) => None,
        };
        let view = ProductView::from(product.ok_or(ShopError::ProductNotFound)?);
        Ok(self.projections.committed(view, position).await)
    }

    /// Executes a command about an order and answers the order.
    pub async fn order_command(
        &self,
        merchant_id: Uuid,
        command: ShopCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<OrderView>, AppError> {
        let (state, subject, position) = self.shop_command(merchant_id, command, meta).await?;
        let order = match subject {
            ShopSubject::Order(id) => state.orders.get(&id),
            ShopSubject::Product(_) => None,
        };
        let view = OrderView::from(order.ok_or(ShopError::OrderNotFound)?);
        Ok(self.projections.committed(view, position).await)
    }

    /// The shop after the command, what the command was about, and the log
    /// position to wait for. A replay answers the state and subject of the
    /// first execution (its subject is read from the event it wrote).
    async fn shop_command(
        &self,
        merchant_id: Uuid,
        command: ShopCommand,
        meta: &CommandMeta,
    ) -> Result<(Arc<ShopState>, ShopSubject, u64), AppError> {
        let stream = shop_stream(merchant_id);
        let executed = self.shops.execute(&stream, &command, meta).await?;
        let subject = if executed.replayed {
            self.shops
                .event_at(&stream, executed.stream_version)
                .await?
                .map_or_else(|| command.subject(), |event| event.subject())
        } else {
            command.subject()
        };
        Ok((executed.state, subject, executed.position))
    }
}
