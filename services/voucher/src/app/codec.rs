//! The codec of voucher events, as a table: each entry maps a domain event
//! onto its published wire struct (`golmok_contracts::voucher`, schemas in
//! `schemas/events/voucher/`). Domain events never derive `Serialize`; this
//! module is the only place in the service that knows the wire.

use chrono::{DateTime, Utc};
use golmok_contracts::voucher::*;
use golmok_kernel::{AggregateCodec, Wire, event_table, wire_struct};
use uuid::Uuid;

use crate::domain::case::{CaseEvent, CaseInfo};
use crate::domain::order_payment::PaymentEvent;
use crate::domain::programme::{FeeTiers, ProgrammeEvent, Terms};
use crate::domain::settlement::{Batch, CapturedRedemption, SettlementEvent};
use crate::domain::wallet::{Decline, WalletEvent};
use crate::domain::{Bps, Won};

event_table! {
    /// Every event the voucher service writes.
    pub enum VoucherEvent;
    /// The codec of every voucher event.
    pub struct VoucherCodec for SERVICE;

    Programme(ProgrammeEvent) {
        Created { terms, at } => ProgrammeCreated @ 1: ProgrammeCreatedV1
            via(created_to_wire, created_from_wire),
        SubsidyCommitted { purchase_id, amount, at } => SubsidyCommitted @ 1: SubsidyV1,
        SubsidyReleased { purchase_id, amount, at } => SubsidyReleased @ 1: SubsidyV1,
    }
    Wallet(WalletEvent) {
        Opened { wallet_id, programme_id, owner, at } => WalletOpened @ 1: WalletOpenedV1,
        Purchased { purchase_id, face, discount, paid, at } => VoucherPurchased @ 1: PurchaseV1
            check face_is_discount_plus_paid,
        PurchaseRefunded { purchase_id, face, discount, paid, at }
            => PurchaseRefunded @ 1: PurchaseV1 check face_is_discount_plus_paid,
        HoldPlaced { redemption_id, merchant_id, amount, expires_at, at }
            => HoldPlaced @ 1: HoldPlacedV1,
        HoldCaptured { redemption_id, merchant_id, amount, at } => HoldCaptured @ 1: RedemptionV1,
        HoldVoided { redemption_id, merchant_id, amount, at } => HoldVoided @ 1: RedemptionV1,
        HoldTimedOut { redemption_id, merchant_id, amount, at } => HoldTimedOut @ 1: RedemptionV1,
        Paid { redemption_id, merchant_id, amount, at } => RedemptionPaid @ 1: RedemptionV1,
        RedemptionDeclined { redemption_id, merchant_id, amount, reason, at }
            => RedemptionDeclined @ 1: RedemptionDeclinedV1
            via(declined_to_wire, declined_from_wire),
        RedemptionRefunded { redemption_id, merchant_id, amount, at }
            => RedemptionRefunded @ 1: RedemptionV1,
        BalanceExpired { amount, at } => BalanceExpired @ 1: BalanceExpiredV1,
    }
    Settlement(SettlementEvent) {
        Settled(Batch {
            programme_id, merchant_id, business_date, lines, gross, fee_rate: fee_bps, fee, net,
            payout_on, at,
        }) => BatchSettled @ 1: BatchSettledV1 check gross_is_fee_plus_net,
        PaidOut { business_date, amount, at } => BatchPaidOut @ 1: BatchPaidOutV1,
    }
    Case(CaseEvent) {
        Opened(CaseInfo { case_id, programme_id, merchant_id, rule, evidence, opened_at: at })
            => CaseOpened @ 1: CaseOpenedV1,
        MerchantSuspended { official, reason, at } => CaseMerchantSuspended @ 1: CaseDecisionV1
            via(decision_to_wire, decision_from_wire),
        Dismissed { official, reason, at } => CaseDismissed @ 1: CaseDecisionV1
            via(decision_to_wire, decision_from_wire),
        MerchantReinstated { official, at } => CaseMerchantReinstated @ 1: CaseDecisionV1
            via(reinstated_to_wire, reinstated_from_wire),
    }
    Payment(PaymentEvent) {
        Held { order_id, merchant_id, payment_id, wallet_id, amount, at }
            => OrderPaymentHeld @ 1: OrderPaymentHeldV1,
        Declined { order_id, merchant_id, payment_id, code, reason, at }
            => OrderPaymentDeclined @ 1: OrderPaymentDeclinedV1,
        Captured { order_id, merchant_id, payment_id, at }
            => OrderPaymentCaptured @ 1: OrderPaymentV1,
        Voided { order_id, merchant_id, payment_id, at } => OrderPaymentVoided @ 1: OrderPaymentV1,
        Refunded { order_id, merchant_id, payment_id, return_id, amount, at }
            => OrderPaymentRefunded @ 1: OrderPaymentRefundedV1,
        RefundDeclined { order_id, merchant_id, payment_id, return_id, code, reason, at }
            => OrderPaymentRefundDeclined @ 1: OrderPaymentRefundDeclinedV1,
    }
}

wire_struct!(FeeTiers { micro, small, medium } <=> FeeTiersV1);
wire_struct!(
    CapturedRedemption { redemption_id, wallet_id, captured_on, amount } <=> SettlementLineV1
);

fn face_is_discount_plus_paid(wire: &PurchaseV1) -> Result<(), &'static str> {
    match wire.discount.checked_add(wire.paid) {
        Some(face) if face == wire.face => Ok(()),
        _ => Err("face is not discount + paid"),
    }
}

fn gross_is_fee_plus_net(wire: &BatchSettledV1) -> Result<(), &'static str> {
    match wire.fee.checked_add(wire.net) {
        Some(gross) if gross == wire.gross => Ok(()),
        _ => Err("gross is not fee + net"),
    }
}

// Hand-written where wire and domain really differ: the programme's terms are
// flat on the wire; a decline's reason is a code plus the detail that goes
// with it; a case decision's reason is optional on the wire (a reinstatement
// has none) but required by a suspension and a dismissal.

fn created_to_wire(terms: &Terms, at: &DateTime<Utc>) -> ProgrammeCreatedV1 {
    ProgrammeCreatedV1 {
        programme_id: terms.programme_id,
        issuer: terms.issuer.clone(),
        name: terms.name.clone(),
        region: terms.region.clone(),
        districts: terms.districts.clone(),
        face_values: terms.face_values.to_wire(),
        discount_bps: terms.discount.0,
        monthly_cap: terms.monthly_cap.0,
        valid_from: terms.valid_from,
        valid_until: terms.valid_until,
        categories: terms.categories.clone(),
        fee_tiers: terms.fees.to_wire(),
        budget: terms.budget.0,
        at: *at,
    }
}

fn created_from_wire(w: ProgrammeCreatedV1) -> Result<(Terms, DateTime<Utc>), String> {
    let terms = Terms {
        programme_id: w.programme_id,
        issuer: w.issuer,
        name: w.name,
        region: w.region,
        districts: w.districts,
        face_values: Wire::from_wire(w.face_values)?,
        discount: Bps(w.discount_bps),
        monthly_cap: Won(w.monthly_cap),
        valid_from: w.valid_from,
        valid_until: w.valid_until,
        categories: w.categories,
        fees: Wire::from_wire(w.fee_tiers)?,
        budget: Won(w.budget),
    };
    Ok((terms, w.at))
}

fn declined_to_wire(
    redemption_id: &Uuid,
    merchant_id: &Uuid,
    amount: &Won,
    reason: &Decline,
    at: &DateTime<Utc>,
) -> RedemptionDeclinedV1 {
    let (reason, available, ineligible) = match reason {
        Decline::InsufficientBalance { available } => {
            (DeclineReason::InsufficientBalance, Some(available.0), None)
        }
        Decline::MerchantIneligible(why) => {
            (DeclineReason::MerchantIneligible, None, Some(why.to_wire()))
        }
        Decline::OutsideValidity => (DeclineReason::OutsideValidity, None, None),
    };
    RedemptionDeclinedV1 {
        redemption_id: *redemption_id,
        merchant_id: *merchant_id,
        amount: amount.0,
        reason,
        available,
        ineligible,
        at: *at,
    }
}

type Declined = (Uuid, Uuid, Won, Decline, DateTime<Utc>);

fn declined_from_wire(w: RedemptionDeclinedV1) -> Result<Declined, String> {
    let reason = match (w.reason, w.available, w.ineligible) {
        (DeclineReason::InsufficientBalance, Some(available), None) => {
            Decline::InsufficientBalance {
                available: Won(available),
            }
        }
        (DeclineReason::MerchantIneligible, None, Some(why)) => {
            Decline::MerchantIneligible(Wire::from_wire(why)?)
        }
        (DeclineReason::OutsideValidity, None, None) => Decline::OutsideValidity,
        _ => return Err("the reason's details do not match it".into()),
    };
    Ok((w.redemption_id, w.merchant_id, Won(w.amount), reason, w.at))
}

fn decision_to_wire(official: &str, reason: &str, at: &DateTime<Utc>) -> CaseDecisionV1 {
    CaseDecisionV1 {
        official: official.to_owned(),
        reason: Some(reason.to_owned()),
        at: *at,
    }
}

fn decision_from_wire(w: CaseDecisionV1) -> Result<(String, String, DateTime<Utc>), String> {
    let reason = w.reason.ok_or("a reason is required")?;
    Ok((w.official, reason, w.at))
}

fn reinstated_to_wire(official: &str, at: &DateTime<Utc>) -> CaseDecisionV1 {
    CaseDecisionV1 {
        official: official.to_owned(),
        reason: None,
        at: *at,
    }
}

fn reinstated_from_wire(w: CaseDecisionV1) -> Result<(String, DateTime<Utc>), String> {
    Ok((w.official, w.at))
}

#[cfg(any(test, feature = "samples"))]
impl golmok_kernel::EventSamples for VoucherCodec {
    fn samples() -> Vec<VoucherEvent> {
        super::samples::all()
    }
}

pub type ProgrammeCodec = AggregateCodec<VoucherCodec, ProgrammeEvent>;
pub type WalletCodec = AggregateCodec<VoucherCodec, WalletEvent>;
pub type SettlementCodec = AggregateCodec<VoucherCodec, SettlementEvent>;
pub type CaseCodec = AggregateCodec<VoucherCodec, CaseEvent>;
pub type PaymentCodec = AggregateCodec<VoucherCodec, PaymentEvent>;

#[cfg(test)]
mod tests {
    use golmok_kernel::{CodecError, EventCodec, EventSamples};
    use serde_json::Value;

    use super::*;

    #[test]
    fn aggregate_codecs_see_only_their_events() {
        assert_eq!(ProgrammeCodec::samples().len(), 3);
        assert_eq!(WalletCodec::samples().len(), 11);
        assert_eq!(SettlementCodec::schemas().len(), 2);
        assert_eq!(CaseCodec::samples().len(), 4);
        assert_eq!(PaymentCodec::samples().len(), 6);
        let opened = VoucherCodec::encode(&CaseCodec::samples()[0].clone().into());
        assert!(matches!(
            WalletCodec::decode(opened.name, 1, opened.data),
            Err(CodecError::UnknownType { .. })
        ));
    }

    #[test]
    fn inconsistent_payloads_are_malformed_not_panics() {
        let at = "2026-06-01T00:00:00Z";
        let lopsided = serde_json::json!({
            "purchaseId": Uuid::nil(), "face": 10000, "discount": 1000, "paid": 8000, "at": at
        });
        assert!(matches!(
            VoucherCodec::decode("VoucherPurchased", 1, lopsided),
            Err(CodecError::Malformed { .. })
        ));
        let declined = serde_json::json!({
            "redemptionId": Uuid::nil(), "merchantId": Uuid::nil(), "amount": 1,
            "reason": "INSUFFICIENT_BALANCE", "at": at
        });
        assert!(matches!(
            VoucherCodec::decode("RedemptionDeclined", 1, declined),
            Err(CodecError::Malformed { .. })
        ));
        assert!(matches!(
            VoucherCodec::decode("HoldPlaced", 2, Value::Null),
            Err(CodecError::UnknownType { .. })
        ));
    }
}
