//! The storefront's side of the voucher flows, fed by the voucher service's
//! events (in-process: its log; distributed: its Kafka topic): the answers
//! about order payments move the orders' payment state, and a merchant
//! suspended from a programme over a fraud case is suspended here too.
//!
//! The voucher crate links the storefront's codec, so the storefront reads
//! the voucher's events from their published wire format
//! (`schemas/events/voucher/`), tolerating fields it does not know.

use std::sync::Arc;

use async_trait::async_trait;
use golmok_kernel::{CommandMeta, EventHandler, HandleError, RecordedEvent, Transaction};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::projections::tables::VOUCHER_CASES;
use super::{AppError, Storefront};
use crate::domain::shop::{PaymentDecline, PaymentOutcome};

/// `OrderPaymentHeld` / `Captured` / `Voided` v1 of the voucher service.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderPaymentV1 {
    order_id: Uuid,
    merchant_id: Uuid,
    payment_id: Uuid,
}

/// `OrderPaymentDeclined` v1 of the voucher service.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderPaymentDeclinedV1 {
    order_id: Uuid,
    merchant_id: Uuid,
    payment_id: Uuid,
    code: String,
    reason: String,
}

/// `CaseOpened` v1 of the voucher service (the case's merchant).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaseOpenedV1 {
    case_id: Uuid,
    merchant_id: Uuid,
}

/// `CaseMerchantSuspended` v1 of the voucher service (the official's reason).
#[derive(Deserialize)]
struct CaseDecisionV1 {
    reason: Option<String>,
}

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

fn permanent(error: impl std::fmt::Display) -> HandleError {
    HandleError::Permanent(error.to_string())
}

fn wire<T: DeserializeOwned>(event: &RecordedEvent) -> Result<T, HandleError> {
    serde_json::from_value(event.envelope.data.clone()).map_err(permanent)
}

/// Storage trouble and contention are retried; anything else is dead-lettered.
fn handled(result: Result<(), AppError>) -> Result<(), HandleError> {
    match result {
        Ok(()) => Ok(()),
        Err(AppError::Storage(error)) => Err(HandleError::Storage(error)),
        Err(AppError::Contention(stream)) => Err(HandleError::Storage(
            golmok_kernel::StorageError::Io(format!("stream {stream} is busy")),
        )),
        Err(error) => Err(permanent(error)),
    }
}

/// The event name and version of `kr.golmok.voucher.<Event>.v<N>`.
fn voucher_event(event_type: &str) -> Option<(&str, &str)> {
    event_type
        .strip_prefix("kr.golmok.voucher.")?
        .rsplit_once(".v")
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
        let Some((name, "1")) = voucher_event(&envelope.event_type) else {
            return Ok(());
        };
        let meta = CommandMeta {
            causation_id: Some(envelope.id),
            correlation_id: Some(envelope.correlation_id),
            ..CommandMeta::default()
        };
        let storefront = &self.storefront;
        match name {
            "OrderPaymentHeld" | "OrderPaymentCaptured" | "OrderPaymentVoided" => {
                let w: OrderPaymentV1 = wire(event)?;
                let outcome = match name {
                    "OrderPaymentHeld" => PaymentOutcome::Held,
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
            "CaseOpened" => {
                let w: CaseOpenedV1 = wire(event)?;
                let merchant = serde_json::to_vec(&w.merchant_id).map_err(permanent)?;
                tx.put(VOUCHER_CASES, &w.case_id.to_string(), "", merchant);
                Ok(())
            }
            "CaseMerchantSuspended" | "CaseMerchantReinstated" => {
                let Some(case_id) = envelope
                    .subject
                    .strip_prefix("case-")
                    .and_then(|id| Uuid::parse_str(id).ok())
                else {
                    return Ok(());
                };
                let Some(merchant) = tx.get(VOUCHER_CASES, &case_id.to_string(), "").await? else {
                    return Err(permanent(format!("case {case_id} has no CaseOpened event")));
                };
                let merchant_id: Uuid = serde_json::from_slice(&merchant).map_err(permanent)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_voucher_services_events_are_named() {
        assert_eq!(
            voucher_event("kr.golmok.voucher.OrderPaymentHeld.v1"),
            Some(("OrderPaymentHeld", "1"))
        );
        assert_eq!(voucher_event("kr.golmok.storefront.OrderPlaced.v1"), None);
    }
}
