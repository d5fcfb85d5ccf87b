//! Paying storefront orders from citizens' wallets: a process fed by the
//! storefront's order events (in-process: its log; distributed: its Kafka
//! topic). A payment request holds the order's total on the buyer's wallet,
//! the merchant's confirmation captures the hold, a cancellation voids it,
//! a return refunds its amount (`order_refunds`);
//! each outcome is recorded on the order's payment stream, whose events the
//! storefront follows. The wallet's redemption id is the storefront's payment
//! id, so a redelivered request finds its hold instead of holding twice.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use golmok_contracts::storefront::{
    self as sf, OrderInstantV1, OrderLinesReturnedV1, OrderReasonV1, VoucherPaymentRequestedV1,
};
use golmok_kernel::{
    CommandError, CommandMeta, EventHandler, HandleError, RecordedEvent, StreamName, Transaction,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{AppError, Voucher, order_payment_stream, wallet_id_of, wallet_stream};
use crate::domain::Won;
use crate::domain::order_payment::{Attempt, PaymentCommand, PaymentError};
use crate::domain::wallet::{RedemptionRequest, RedemptionStatus, WalletCommand, WalletError};

/// What became of a payment request at the wallet.
enum HoldOutcome {
    Held,
    Declined { code: String, reason: String },
}

fn declined(code: &str, reason: impl ToString) -> HoldOutcome {
    HoldOutcome::Declined {
        code: code.to_owned(),
        reason: reason.to_string(),
    }
}

impl Voucher {
    /// Holds the order's total on the buyer's wallet in the programme and
    /// records the outcome (held, or declined with a stable code).
    pub(crate) async fn pay_order(
        &self,
        request: &VoucherPaymentRequestedV1,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let wallet_id = wallet_id_of(request.programme_id, &request.buyer);
        let (order_id, merchant_id, payment_id) =
            (request.order_id, request.merchant_id, request.payment_id);
        let command = match self.hold_for_order(request, wallet_id, meta, now).await? {
            HoldOutcome::Held => PaymentCommand::RecordHold {
                order_id,
                merchant_id,
                payment_id,
                wallet_id,
                amount: Won(request.amount),
                at: now,
            },
            HoldOutcome::Declined { code, reason } => PaymentCommand::RecordDecline {
                order_id,
                merchant_id,
                payment_id,
                code,
                reason,
                at: now,
            },
        };
        self.record_payment(order_id, command, meta).await
    }

    async fn hold_for_order(
        &self,
        request: &VoucherPaymentRequestedV1,
        wallet_id: Uuid,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<HoldOutcome, AppError> {
        let terms = match self.terms(request.programme_id).await {
            Ok(terms) => terms,
            Err(AppError::Programme(error)) => return Ok(declined(error.code(), error)),
            Err(error) => return Err(error),
        };
        let merchant = match self
            .merchant_facts(request.programme_id, request.merchant_id)
            .await
        {
            Ok(merchant) => merchant,
            Err(AppError::MerchantNotFound) => {
                return Ok(declined("MERCHANT_NOT_FOUND", AppError::MerchantNotFound));
            }
            Err(error) => return Err(error),
        };
        let stream = wallet_stream(wallet_id);
        let hold = WalletCommand::Hold {
            request: RedemptionRequest {
                redemption_id: request.payment_id,
                merchant,
                amount: Won(request.amount),
                terms,
                at: now,
            },
            expires_at: now + self.policy.hold_timeout,
        };
        let (state, _) = self.wallets.load(&stream).await?;
        let hold = self.recalling(wallet_id, &state, hold).await?;
        match self.wallets.execute(&stream, &hold, meta).await {
            // Or redelivered: the hold was placed (or declined) before.
            Ok(_) | Err(CommandError::Rejected(WalletError::RedemptionExists)) => {}
            Err(CommandError::Rejected(error)) => return Ok(declined(error.code(), error)),
            Err(error) => return Err(error.into()),
        }
        let redemption = self.redemption_of(wallet_id, request.payment_id).await?;
        Ok(match redemption.map(|r| r.status) {
            Some(RedemptionStatus::Declined(decline)) => declined(decline.code(), decline),
            Some(_) => HoldOutcome::Held,
            None => declined(
                WalletError::RedemptionNotFound.code(),
                WalletError::RedemptionNotFound,
            ),
        })
    }

    /// Captures the order's held payment (the merchant confirmed the order);
    /// a capture the wallet refuses (the hold timed out) declines it.
    pub(crate) async fn capture_order(
        &self,
        order_id: Uuid,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let Some((attempt, wallet_id)) = self.held_payment(order_id).await? else {
            return Ok(());
        };
        let payment_id = attempt.payment_id;
        let capture = WalletCommand::Capture {
            redemption_id: payment_id,
            at: now,
        };
        let command = match self.settle_hold(wallet_id, &capture, meta).await? {
            Ok(()) => PaymentCommand::RecordCapture {
                order_id,
                payment_id,
                at: now,
            },
            Err(RedemptionStatus::Captured { .. }) => PaymentCommand::RecordCapture {
                order_id,
                payment_id,
                at: now,
            },
            Err(status) => {
                let (code, reason) = match status {
                    RedemptionStatus::TimedOut | RedemptionStatus::Held { .. } => (
                        WalletError::HoldExpired.code(),
                        WalletError::HoldExpired.to_string(),
                    ),
                    _ => (
                        WalletError::NotHeld.code(),
                        WalletError::NotHeld.to_string(),
                    ),
                };
                PaymentCommand::RecordDecline {
                    order_id,
                    merchant_id: attempt.merchant_id,
                    payment_id,
                    code: code.to_owned(),
                    reason,
                    at: now,
                }
            }
        };
        self.record_payment(order_id, command, meta).await
    }

    /// Voids the order's held payment (the order was cancelled): the wallet
    /// gets the amount back. A hold that timed out meanwhile is released too.
    pub(crate) async fn void_order(
        &self,
        order_id: Uuid,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let Some((attempt, wallet_id)) = self.held_payment(order_id).await? else {
            return Ok(());
        };
        let payment_id = attempt.payment_id;
        let void = WalletCommand::Void {
            redemption_id: payment_id,
            at: now,
        };
        match self.settle_hold(wallet_id, &void, meta).await? {
            Ok(()) | Err(RedemptionStatus::Voided | RedemptionStatus::TimedOut) => {
                let command = PaymentCommand::RecordVoid {
                    order_id,
                    payment_id,
                    at: now,
                };
                self.record_payment(order_id, command, meta).await
            }
            Err(status) => {
                tracing::warn!(%order_id, ?status, "a cancelled order's hold could not be voided");
                Ok(())
            }
        }
    }

    /// The order's held attempt and its wallet.
    async fn held_payment(&self, order_id: Uuid) -> Result<Option<(Attempt, Uuid)>, AppError> {
        let (state, _) = self.payments.load(&order_payment_stream(order_id)).await?;
        Ok(state
            .held()
            .and_then(|a| a.wallet_id.map(|wallet| (a.clone(), wallet))))
    }

    /// Captures or voids a hold: `Err` with the redemption's status when the
    /// wallet refuses (already settled, timed out, or expired).
    async fn settle_hold(
        &self,
        wallet_id: Uuid,
        command: &WalletCommand,
        meta: &CommandMeta,
    ) -> Result<Result<(), RedemptionStatus>, AppError> {
        let stream = wallet_stream(wallet_id);
        let (state, _) = self.wallets.load(&stream).await?;
        let recalled = self.recalling(wallet_id, &state, command.clone()).await?;
        match self.wallets.execute(&stream, &recalled, meta).await {
            Ok(_) => Ok(Ok(())),
            Err(CommandError::Rejected(error)) => {
                let redemption_id = match command.subject() {
                    crate::domain::wallet::WalletSubject::Redemption(id) => id,
                    _ => return Err(error.into()),
                };
                match self.redemption_of(wallet_id, redemption_id).await? {
                    Some(redemption) => Ok(Err(redemption.status)),
                    None => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    pub(super) async fn record_payment(
        &self,
        order_id: Uuid,
        command: PaymentCommand,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let stream = order_payment_stream(order_id);
        match self.payments.execute(&stream, &command, meta).await {
            Ok(_) => Ok(()),
            Err(CommandError::Rejected(
                error @ (PaymentError::NotHeld | PaymentError::Settled | PaymentError::NotCaptured),
            )) => {
                tracing::warn!(%order_id, %error, "an order payment outcome was not recorded");
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Follows the storefront's order events and pays, captures and voids
/// through the voucher's own command handlers.
pub struct OrderPaymentProcess {
    voucher: Arc<Voucher>,
}

impl OrderPaymentProcess {
    pub fn new(voucher: Arc<Voucher>) -> Self {
        Self { voucher }
    }
}

/// The storefront's shop streams, `shop-<merchant id>`, whose order events this follows.
const SHOP: StreamName = StreamName::new("shop");

/// The storefront event's published wire struct (its contract).
fn wire<T: DeserializeOwned + JsonSchema>(event: &RecordedEvent) -> Result<T, HandleError> {
    golmok_contracts::read(event.envelope.data.clone()).map_err(HandleError::permanent)
}

#[async_trait]
impl EventHandler for OrderPaymentProcess {
    fn name(&self) -> &'static str {
        "voucher.order_payments"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        _tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        if SHOP.parse(&event.envelope.subject).is_none() {
            return Ok(());
        }
        let followed = [
            "VoucherPaymentRequested",
            "OrderConfirmed",
            "OrderCancelled",
            "OrderLinesReturned",
        ];
        let Some(name) = event.followed(sf::SERVICE, &followed, sf::VERSION)? else {
            return Ok(());
        };
        let meta = CommandMeta::caused_by(&event.envelope);
        let now = Utc::now();
        let voucher = &self.voucher;
        let done = match name {
            "VoucherPaymentRequested" => {
                let request: VoucherPaymentRequestedV1 = wire(event)?;
                voucher.pay_order(&request, &meta, now).await
            }
            "OrderConfirmed" => {
                let confirmed: OrderInstantV1 = wire(event)?;
                voucher.capture_order(confirmed.order_id, &meta, now).await
            }
            "OrderLinesReturned" => {
                let returned: OrderLinesReturnedV1 = wire(event)?;
                voucher.refund_return(&returned, &meta, now).await
            }
            _ => {
                let cancelled: OrderReasonV1 = wire(event)?;
                voucher.void_order(cancelled.order_id, &meta, now).await
            }
        };
        match done {
            Ok(()) => Ok(()),
            Err(AppError::Fault(fault)) => Err(fault.into()),
            Err(error) => Err(HandleError::permanent(error)),
        }
    }
}
