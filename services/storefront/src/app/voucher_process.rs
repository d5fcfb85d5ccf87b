//! The storefront's side of the voucher flows, fed by the voucher service's
//! events (in-process: its log; distributed: its Kafka topic): the answers
//! about order payments move the orders' payment state, and a merchant
//! suspended from a programme over a fraud case is suspended here too.
//!
//! The storefront reads the voucher's events through their published contract
//! (`golmok_contracts::voucher`, schemas in `schemas/events/voucher/`),
//! tolerating fields it does not know; it never links the voucher's crate.

use std::sync::Arc;

use async_trait::async_trait;
use golmok_contracts::voucher::{
    self as vc, CaseDecisionV1, CaseOpenedV1, OrderPaymentDeclinedV1, OrderPaymentHeldV1,
    OrderPaymentRefundDeclinedV1, OrderPaymentRefundedV1, OrderPaymentV1,
};
use golmok_contracts::{event_of, read};
use golmok_kernel::{
    CommandMeta, EventHandler, HandleError, RecordedEvent, StreamName, Transaction,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::projections::tables::VOUCHER_CASES;
use super::{AppError, Storefront};
use crate::domain::Won;
use crate::domain::shop::{PaymentDecline, PaymentOutcome, RefundOutcome};

/// Follows the voucher service's events and issues the storefront's own
/// commands. Every command is idempotent by the ids the event carries, so a
/// redelivered event changes nothing.
pub struct VoucherProcess {
    storefront: Arc<Storefront>,
}

const NAME: &str = "storefront.voucher";

impl VoucherProcess {
    pub fn new(storefront: Arc<Storefront>) -> Self {
        Self { storefront }
    }
}

/// The voucher's fraud-case streams, `case-<case id>`.
const CASE: StreamName = StreamName::new("case");

fn wire<T: DeserializeOwned + JsonSchema>(event: &RecordedEvent) -> Result<T, HandleError> {
    read(event.envelope.data.clone()).map_err(HandleError::permanent)
}

/// Storage trouble and contention are retried; anything else is dead-lettered.
fn handled(result: Result<(), AppError>) -> Result<(), HandleError> {
    match result {
        Ok(()) => Ok(()),
        Err(AppError::Fault(fault)) => Err(fault.into()),
        Err(error) => Err(HandleError::permanent(error)),
    }
}

#[async_trait]
impl EventHandler for VoucherProcess {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let envelope = &event.envelope;
        let Some((name, vc::VERSION)) = event_of(vc::SERVICE, &envelope.event_type) else {
            return Ok(());
        };
        let meta = CommandMeta::caused_by(envelope);
        let storefront = &self.storefront;
        match name {
            "OrderPaymentHeld" => {
                let w: OrderPaymentHeldV1 = wire(event)?;
                let recorded = storefront
                    .record_payment(
                        w.merchant_id,
                        w.order_id,
                        w.payment_id,
                        PaymentOutcome::Held,
                        &meta,
                    )
                    .await;
                handled(recorded)
            }
            "OrderPaymentCaptured" | "OrderPaymentVoided" => {
                let w: OrderPaymentV1 = wire(event)?;
                let outcome = match name {
                    "OrderPaymentCaptured" => PaymentOutcome::Paid,
                    _ => PaymentOutcome::Voided,
                };
                let recorded = storefront
                    .record_payment(w.merchant_id, w.order_id, w.payment_id, outcome, &meta)
                    .await;
                handled(recorded)
            }
            "OrderPaymentDeclined" => {
                let w: OrderPaymentDeclinedV1 = wire(event)?;
                let outcome = PaymentOutcome::Declined(PaymentDecline {
                    code: w.code,
                    reason: w.reason,
                });
                let recorded = storefront
                    .record_payment(w.merchant_id, w.order_id, w.payment_id, outcome, &meta)
                    .await;
                handled(recorded)
            }
            "OrderPaymentRefunded" => {
                let w: OrderPaymentRefundedV1 = wire(event)?;
                let outcome = RefundOutcome::Refunded {
                    amount: Won(w.amount),
                };
                let recorded = storefront
                    .record_refund(w.merchant_id, w.order_id, w.return_id, outcome, &meta)
                    .await;
                handled(recorded)
            }
            "OrderPaymentRefundDeclined" => {
                let w: OrderPaymentRefundDeclinedV1 = wire(event)?;
                let outcome = RefundOutcome::Declined(PaymentDecline {
                    code: w.code,
                    reason: w.reason,
                });
                let recorded = storefront
                    .record_refund(w.merchant_id, w.order_id, w.return_id, outcome, &meta)
                    .await;
                handled(recorded)
            }
            "CaseOpened" => {
                let w: CaseOpenedV1 = wire(event)?;
                tx.put_json(VOUCHER_CASES, &w.case_id.to_string(), "", &w.merchant_id);
                Ok(())
            }
            "CaseMerchantSuspended" | "CaseMerchantReinstated" => {
                let Some(case_id) = CASE.parse(&envelope.subject) else {
                    return Ok(());
                };
                let Some(merchant_id) = tx
                    .row::<Uuid>(VOUCHER_CASES, &case_id.to_string(), "")
                    .await?
                else {
                    return Err(HandleError::permanent(format!(
                        "case {case_id} has no CaseOpened event"
                    )));
                };
                if name == "CaseMerchantSuspended" {
                    let w: CaseDecisionV1 = wire(event)?;
                    let reason = w.reason.unwrap_or_default();
                    handled(
                        storefront
                            .suspend_for_case(merchant_id, case_id, &reason, &meta)
                            .await,
                    )
                } else {
                    handled(
                        storefront
                            .reinstate_for_case(merchant_id, case_id, &meta)
                            .await,
                    )
                }
            }
            _ => Ok(()),
        }
    }
}
