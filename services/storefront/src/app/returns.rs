//! Returns of confirmed orders: the buyer, or whoever acts for the merchant,
//! returns quantities of an order's lines within the return window; the
//! units become available again. A voucher order's amount is refunded by
//! the voucher service, whose answer is recorded on the return.

use chrono::Utc;
use golmok_kernel::CommandMeta;
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::views::OrderView;
use super::{AppError, Committed, Storefront, shop_stream};
use crate::domain::shop::{LineRequest, RefundOutcome, ShopCommand, ShopError};

impl Storefront {
    /// Returns `lines` of an order for its buyer or for whoever acts for the
    /// merchant; the return's id is derived from the idempotency key.
    pub async fn return_lines(
        &self,
        merchant_id: Uuid,
        order_id: Uuid,
        lines: Vec<LineRequest>,
        reason: String,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<OrderView>, AppError> {
        let (state, _) = self.shops.load(&shop_stream(merchant_id)).await?;
        let order = state
            .orders
            .get(&order_id)
            .ok_or(ShopError::OrderNotFound)?;
        // The buyer as the citizen (or operator) who placed it, never another
        // role that happens to carry the same subject.
        let buyer =
            order.buyer == actor.subject && matches!(actor.role, Role::Citizen | Role::Operator);
        if !buyer && !actor.acts_for_merchant(merchant_id) {
            return Err(AppError::Forbidden);
        }
        let command = ShopCommand::ReturnLines {
            order_id,
            return_id: meta.new_id(),
            lines,
            reason,
            window: self.return_window,
            at: Utc::now(),
        };
        self.order_command(merchant_id, command, meta).await
    }

    /// Records the voucher service's answer about refunding a return (issued
    /// by the consumer of its events; a redelivered answer changes nothing).
    pub(crate) async fn record_refund(
        &self,
        merchant_id: Uuid,
        order_id: Uuid,
        return_id: Uuid,
        outcome: RefundOutcome,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let command = ShopCommand::RecordRefund {
            order_id,
            return_id,
            outcome,
            at: Utc::now(),
        };
        self.shops
            .execute(&shop_stream(merchant_id), &command, meta)
            .await?;
        Ok(())
    }
}
