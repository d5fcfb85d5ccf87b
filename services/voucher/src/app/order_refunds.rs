//! Refunding storefront returns: a return of a voucher order's lines
//! refunds its amount to the buyer's wallet through the wallet's refund of
//! the captured redemption (whose id is the storefront's payment id), and
//! the outcome is recorded on the order's payment stream for the storefront
//! to follow. The wallet's refund is keyed by the return id, so a
//! redelivered return never refunds twice, even when it arrives after the
//! refund but before its outcome was recorded.

use chrono::{DateTime, Utc};
use golmok_contracts::storefront::OrderLinesReturnedV1;
use golmok_kernel::{CommandError, CommandMeta, Idempotency};

use super::{AppError, Voucher, order_payment_stream, wallet_stream};
use crate::domain::Won;
use crate::domain::order_payment::PaymentCommand;
use crate::domain::wallet::WalletCommand;

impl Voucher {
    /// Refunds a return's amount once and records the outcome (refunded, or
    /// declined with the wallet's code, e.g. REFUND_WINDOW_CLOSED). A return
    /// of an order not paid by voucher, or not captured, is not ours to refund.
    pub(crate) async fn refund_return(
        &self,
        returned: &OrderLinesReturnedV1,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let order_id = returned.order_id;
        let (state, _) = self.payments.load(&order_payment_stream(order_id)).await?;
        if state.refunds.contains_key(&returned.return_id) {
            return Ok(());
        }
        let Some((payment_id, wallet_id)) = state
            .captured()
            .and_then(|a| a.wallet_id.map(|wallet| (a.payment_id, wallet)))
        else {
            return Ok(());
        };
        let amount = Won(returned.amount);
        let refund = WalletCommand::RefundRedemption {
            redemption_id: payment_id,
            amount,
            at: now,
        };
        let keyed = CommandMeta {
            idempotency: Some(Idempotency {
                key: format!("voucher.order-return-refund:{}", returned.return_id),
                fingerprint: format!("{payment_id}:{}", amount.0),
            }),
            ..meta.clone()
        };
        let stream = wallet_stream(wallet_id);
        let (state, _) = self.wallets.load(&stream).await?;
        let refund = self.recalling(wallet_id, &state, refund).await?;
        let command = match self.wallets.execute(&stream, &refund, &keyed).await {
            Ok(_) => PaymentCommand::RecordRefund {
                order_id,
                payment_id,
                return_id: returned.return_id,
                amount,
                at: now,
            },
            Err(CommandError::Rejected(error)) => PaymentCommand::RecordRefundDecline {
                order_id,
                payment_id,
                return_id: returned.return_id,
                code: error.code().to_owned(),
                reason: error.to_string(),
                at: now,
            },
            Err(error) => return Err(error.into()),
        };
        self.record_payment(order_id, command, meta).await
    }
}
