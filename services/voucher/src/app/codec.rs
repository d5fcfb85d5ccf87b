//! The codec of voucher events: maps the domain events onto their published
//! wire structs (`golmok_contracts::voucher`, schemas in
//! `schemas/events/voucher/`). Domain events never derive `Serialize`; this
//! module is the only place in the service that knows the wire.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use golmok_contracts::voucher::*;
use golmok_kernel::{
    AggregateCodec, CodecError, EncodedEvent, EventCodec, encoded, from_wire, schema,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::case::{CaseEvent, CaseInfo};
use crate::domain::order_payment::PaymentEvent;
use crate::domain::programme::{FeeTiers, ProgrammeEvent, Terms};
use crate::domain::settlement::{Batch, CapturedRedemption, SettlementEvent};
use crate::domain::wallet::{Decline, WalletEvent};
use crate::domain::{Bps, Won};

/// Every event the voucher service writes.
#[derive(Debug, Clone, PartialEq)]
pub enum VoucherEvent {
    Programme(ProgrammeEvent),
    Wallet(WalletEvent),
    Settlement(SettlementEvent),
    Case(CaseEvent),
    Payment(PaymentEvent),
}

macro_rules! narrow {
    ($($variant:ident($event:ty)),+ $(,)?) => {$(
        impl From<$event> for VoucherEvent {
            fn from(event: $event) -> Self {
                VoucherEvent::$variant(event)
            }
        }

        impl TryFrom<VoucherEvent> for $event {
            type Error = VoucherEvent;
            fn try_from(event: VoucherEvent) -> Result<Self, VoucherEvent> {
                match event {
                    VoucherEvent::$variant(event) => Ok(event),
                    other => Err(other),
                }
            }
        }
    )+};
}

narrow!(
    Programme(ProgrammeEvent),
    Wallet(WalletEvent),
    Settlement(SettlementEvent),
    Case(CaseEvent),
    Payment(PaymentEvent),
);

// ---- codec ---------------------------------------------------------------------

/// The codec of every voucher event.
pub struct VoucherCodec;

fn malformed(name: &str, reason: impl std::fmt::Display) -> CodecError {
    CodecError::Malformed {
        name: name.to_owned(),
        version: 1,
        reason: reason.to_string(),
    }
}

fn wire<T: DeserializeOwned>(name: &str, data: Value) -> Result<T, CodecError> {
    from_wire(name, 1, data)
}

fn movement(
    redemption_id: &Uuid,
    merchant_id: &Uuid,
    amount: &Won,
    at: &DateTime<Utc>,
) -> RedemptionV1 {
    RedemptionV1 {
        redemption_id: *redemption_id,
        merchant_id: *merchant_id,
        amount: amount.0,
        at: *at,
    }
}

fn purchase_wire(
    purchase_id: &Uuid,
    face: &Won,
    discount: &Won,
    paid: &Won,
    at: &DateTime<Utc>,
) -> PurchaseV1 {
    PurchaseV1 {
        purchase_id: *purchase_id,
        face: face.0,
        discount: discount.0,
        paid: paid.0,
        at: *at,
    }
}

fn encode_programme(event: &ProgrammeEvent) -> EncodedEvent {
    match event {
        ProgrammeEvent::Created { terms, at } => encoded(
            "ProgrammeCreated",
            ProgrammeCreatedV1 {
                programme_id: terms.programme_id,
                issuer: terms.issuer.clone(),
                name: terms.name.clone(),
                region: terms.region.clone(),
                districts: terms.districts.clone(),
                face_values: terms.face_values.iter().map(|w| w.0).collect(),
                discount_bps: terms.discount.0,
                monthly_cap: terms.monthly_cap.0,
                valid_from: terms.valid_from,
                valid_until: terms.valid_until,
                categories: terms.categories.clone(),
                fee_tiers: FeeTiersV1 {
                    micro: terms.fees.micro.0,
                    small: terms.fees.small.0,
                    medium: terms.fees.medium.0,
                },
                budget: terms.budget.0,
                at: *at,
            },
        ),
        ProgrammeEvent::SubsidyCommitted {
            purchase_id,
            amount,
            at,
        } => encoded(
            "SubsidyCommitted",
            SubsidyV1 {
                purchase_id: *purchase_id,
                amount: amount.0,
                at: *at,
            },
        ),
        ProgrammeEvent::SubsidyReleased {
            purchase_id,
            amount,
            at,
        } => encoded(
            "SubsidyReleased",
            SubsidyV1 {
                purchase_id: *purchase_id,
                amount: amount.0,
                at: *at,
            },
        ),
    }
}

fn encode_wallet(event: &WalletEvent) -> EncodedEvent {
    match event {
        WalletEvent::Opened {
            wallet_id,
            programme_id,
            owner,
            at,
        } => encoded(
            "WalletOpened",
            WalletOpenedV1 {
                wallet_id: *wallet_id,
                programme_id: *programme_id,
                owner: owner.clone(),
                at: *at,
            },
        ),
        WalletEvent::Purchased {
            purchase_id,
            face,
            discount,
            paid,
            at,
        } => encoded(
            "VoucherPurchased",
            purchase_wire(purchase_id, face, discount, paid, at),
        ),
        WalletEvent::PurchaseRefunded {
            purchase_id,
            face,
            discount,
            paid,
            at,
        } => encoded(
            "PurchaseRefunded",
            purchase_wire(purchase_id, face, discount, paid, at),
        ),
        WalletEvent::HoldPlaced {
            redemption_id,
            merchant_id,
            amount,
            expires_at,
            at,
        } => encoded(
            "HoldPlaced",
            HoldPlacedV1 {
                redemption_id: *redemption_id,
                merchant_id: *merchant_id,
                amount: amount.0,
                expires_at: *expires_at,
                at: *at,
            },
        ),
        WalletEvent::HoldCaptured {
            redemption_id,
            merchant_id,
            amount,
            at,
        } => encoded(
            "HoldCaptured",
            movement(redemption_id, merchant_id, amount, at),
        ),
        WalletEvent::HoldVoided {
            redemption_id,
            merchant_id,
            amount,
            at,
        } => encoded(
            "HoldVoided",
            movement(redemption_id, merchant_id, amount, at),
        ),
        WalletEvent::HoldTimedOut {
            redemption_id,
            merchant_id,
            amount,
            at,
        } => encoded(
            "HoldTimedOut",
            movement(redemption_id, merchant_id, amount, at),
        ),
        WalletEvent::Paid {
            redemption_id,
            merchant_id,
            amount,
            at,
        } => encoded(
            "RedemptionPaid",
            movement(redemption_id, merchant_id, amount, at),
        ),
        WalletEvent::RedemptionRefunded {
            redemption_id,
            merchant_id,
            amount,
            at,
        } => encoded(
            "RedemptionRefunded",
            movement(redemption_id, merchant_id, amount, at),
        ),
        WalletEvent::RedemptionDeclined {
            redemption_id,
            merchant_id,
            amount,
            reason,
            at,
        } => {
            let (reason, available, ineligible) = match reason {
                Decline::InsufficientBalance { available } => {
                    (DeclineReason::InsufficientBalance, Some(available.0), None)
                }
                Decline::MerchantIneligible(why) => {
                    (DeclineReason::MerchantIneligible, None, Some((*why).into()))
                }
                Decline::OutsideValidity => (DeclineReason::OutsideValidity, None, None),
            };
            encoded(
                "RedemptionDeclined",
                RedemptionDeclinedV1 {
                    redemption_id: *redemption_id,
                    merchant_id: *merchant_id,
                    amount: amount.0,
                    reason,
                    available,
                    ineligible,
                    at: *at,
                },
            )
        }
        WalletEvent::BalanceExpired { amount, at } => encoded(
            "BalanceExpired",
            BalanceExpiredV1 {
                amount: amount.0,
                at: *at,
            },
        ),
    }
}

fn encode_settlement(event: &SettlementEvent) -> EncodedEvent {
    match event {
        SettlementEvent::Settled(batch) => encoded(
            "BatchSettled",
            BatchSettledV1 {
                programme_id: batch.programme_id,
                merchant_id: batch.merchant_id,
                business_date: batch.business_date,
                lines: batch
                    .lines
                    .iter()
                    .map(|l| SettlementLineV1 {
                        redemption_id: l.redemption_id,
                        wallet_id: l.wallet_id,
                        captured_on: l.captured_on,
                        amount: l.amount.0,
                    })
                    .collect(),
                gross: batch.gross.0,
                fee_bps: batch.fee_rate.0,
                fee: batch.fee.0,
                net: batch.net.0,
                payout_on: batch.payout_on,
                at: batch.at,
            },
        ),
        SettlementEvent::PaidOut {
            business_date,
            amount,
            at,
        } => encoded(
            "BatchPaidOut",
            BatchPaidOutV1 {
                business_date: *business_date,
                amount: amount.0,
                at: *at,
            },
        ),
    }
}

fn encode_case(event: &CaseEvent) -> EncodedEvent {
    let decision = |name, official: &String, reason: Option<&String>, at: &DateTime<Utc>| {
        encoded(
            name,
            CaseDecisionV1 {
                official: official.clone(),
                reason: reason.cloned(),
                at: *at,
            },
        )
    };
    match event {
        CaseEvent::Opened(info) => encoded(
            "CaseOpened",
            CaseOpenedV1 {
                case_id: info.case_id,
                programme_id: info.programme_id,
                merchant_id: info.merchant_id,
                rule: info.rule.into(),
                evidence: info.evidence.clone(),
                at: info.opened_at,
            },
        ),
        CaseEvent::MerchantSuspended {
            official,
            reason,
            at,
        } => decision("CaseMerchantSuspended", official, Some(reason), at),
        CaseEvent::Dismissed {
            official,
            reason,
            at,
        } => decision("CaseDismissed", official, Some(reason), at),
        CaseEvent::MerchantReinstated { official, at } => {
            decision("CaseMerchantReinstated", official, None, at)
        }
    }
}

fn encode_payment(event: &PaymentEvent) -> EncodedEvent {
    match event {
        PaymentEvent::Held {
            order_id,
            merchant_id,
            payment_id,
            wallet_id,
            amount,
            at,
        } => encoded(
            "OrderPaymentHeld",
            OrderPaymentHeldV1 {
                order_id: *order_id,
                merchant_id: *merchant_id,
                payment_id: *payment_id,
                wallet_id: *wallet_id,
                amount: amount.0,
                at: *at,
            },
        ),
        PaymentEvent::Declined {
            order_id,
            merchant_id,
            payment_id,
            code,
            reason,
            at,
        } => encoded(
            "OrderPaymentDeclined",
            OrderPaymentDeclinedV1 {
                order_id: *order_id,
                merchant_id: *merchant_id,
                payment_id: *payment_id,
                code: code.clone(),
                reason: reason.clone(),
                at: *at,
            },
        ),
        PaymentEvent::Captured {
            order_id,
            merchant_id,
            payment_id,
            at,
        }
        | PaymentEvent::Voided {
            order_id,
            merchant_id,
            payment_id,
            at,
        } => encoded(
            if matches!(event, PaymentEvent::Captured { .. }) {
                "OrderPaymentCaptured"
            } else {
                "OrderPaymentVoided"
            },
            OrderPaymentV1 {
                order_id: *order_id,
                merchant_id: *merchant_id,
                payment_id: *payment_id,
                at: *at,
            },
        ),
    }
}

fn won_set(values: &BTreeSet<i64>) -> BTreeSet<Won> {
    values.iter().map(|v| Won(*v)).collect()
}

fn reason_of(
    name: &str,
    decision: CaseDecisionV1,
) -> Result<(String, String, DateTime<Utc>), CodecError> {
    let reason = decision
        .reason
        .ok_or_else(|| malformed(name, "a reason is required"))?;
    Ok((decision.official, reason, decision.at))
}

fn decode_v1(name: &str, data: Value) -> Result<VoucherEvent, CodecError> {
    let moved = |data| -> Result<RedemptionV1, CodecError> { wire(name, data) };
    let event: VoucherEvent = match name {
        "ProgrammeCreated" => {
            let w: ProgrammeCreatedV1 = wire(name, data)?;
            ProgrammeEvent::Created {
                terms: Terms {
                    programme_id: w.programme_id,
                    issuer: w.issuer,
                    name: w.name,
                    region: w.region,
                    districts: w.districts,
                    face_values: won_set(&w.face_values),
                    discount: Bps(w.discount_bps),
                    monthly_cap: Won(w.monthly_cap),
                    valid_from: w.valid_from,
                    valid_until: w.valid_until,
                    categories: w.categories,
                    fees: FeeTiers {
                        micro: Bps(w.fee_tiers.micro),
                        small: Bps(w.fee_tiers.small),
                        medium: Bps(w.fee_tiers.medium),
                    },
                    budget: Won(w.budget),
                },
                at: w.at,
            }
            .into()
        }
        "SubsidyCommitted" | "SubsidyReleased" => {
            let w: SubsidyV1 = wire(name, data)?;
            let (purchase_id, amount, at) = (w.purchase_id, Won(w.amount), w.at);
            if name == "SubsidyCommitted" {
                ProgrammeEvent::SubsidyCommitted {
                    purchase_id,
                    amount,
                    at,
                }
                .into()
            } else {
                ProgrammeEvent::SubsidyReleased {
                    purchase_id,
                    amount,
                    at,
                }
                .into()
            }
        }
        "WalletOpened" => {
            let w: WalletOpenedV1 = wire(name, data)?;
            WalletEvent::Opened {
                wallet_id: w.wallet_id,
                programme_id: w.programme_id,
                owner: w.owner,
                at: w.at,
            }
            .into()
        }
        "VoucherPurchased" | "PurchaseRefunded" => {
            let w: PurchaseV1 = wire(name, data)?;
            if w.discount.checked_add(w.paid) != Some(w.face) {
                return Err(malformed(name, "face is not discount + paid"));
            }
            let (purchase_id, face, discount, paid, at) = (
                w.purchase_id,
                Won(w.face),
                Won(w.discount),
                Won(w.paid),
                w.at,
            );
            if name == "VoucherPurchased" {
                WalletEvent::Purchased {
                    purchase_id,
                    face,
                    discount,
                    paid,
                    at,
                }
                .into()
            } else {
                WalletEvent::PurchaseRefunded {
                    purchase_id,
                    face,
                    discount,
                    paid,
                    at,
                }
                .into()
            }
        }
        "HoldPlaced" => {
            let w: HoldPlacedV1 = wire(name, data)?;
            WalletEvent::HoldPlaced {
                redemption_id: w.redemption_id,
                merchant_id: w.merchant_id,
                amount: Won(w.amount),
                expires_at: w.expires_at,
                at: w.at,
            }
            .into()
        }
        "HoldCaptured" | "HoldVoided" | "HoldTimedOut" | "RedemptionPaid"
        | "RedemptionRefunded" => {
            let w = moved(data)?;
            let (redemption_id, merchant_id, amount, at) =
                (w.redemption_id, w.merchant_id, Won(w.amount), w.at);
            match name {
                "HoldCaptured" => WalletEvent::HoldCaptured {
                    redemption_id,
                    merchant_id,
                    amount,
                    at,
                },
                "HoldVoided" => WalletEvent::HoldVoided {
                    redemption_id,
                    merchant_id,
                    amount,
                    at,
                },
                "HoldTimedOut" => WalletEvent::HoldTimedOut {
                    redemption_id,
                    merchant_id,
                    amount,
                    at,
                },
                "RedemptionPaid" => WalletEvent::Paid {
                    redemption_id,
                    merchant_id,
                    amount,
                    at,
                },
                _ => WalletEvent::RedemptionRefunded {
                    redemption_id,
                    merchant_id,
                    amount,
                    at,
                },
            }
            .into()
        }
        "RedemptionDeclined" => {
            let w: RedemptionDeclinedV1 = wire(name, data)?;
            let reason = match (w.reason, w.available, w.ineligible) {
                (DeclineReason::InsufficientBalance, Some(available), None) => {
                    Decline::InsufficientBalance {
                        available: Won(available),
                    }
                }
                (DeclineReason::MerchantIneligible, None, Some(why)) => {
                    Decline::MerchantIneligible(why.into())
                }
                (DeclineReason::OutsideValidity, None, None) => Decline::OutsideValidity,
                _ => return Err(malformed(name, "the reason's details do not match it")),
            };
            WalletEvent::RedemptionDeclined {
                redemption_id: w.redemption_id,
                merchant_id: w.merchant_id,
                amount: Won(w.amount),
                reason,
                at: w.at,
            }
            .into()
        }
        "BalanceExpired" => {
            let w: BalanceExpiredV1 = wire(name, data)?;
            WalletEvent::BalanceExpired {
                amount: Won(w.amount),
                at: w.at,
            }
            .into()
        }
        "BatchSettled" => {
            let w: BatchSettledV1 = wire(name, data)?;
            if w.fee.checked_add(w.net) != Some(w.gross) {
                return Err(malformed(name, "gross is not fee + net"));
            }
            SettlementEvent::Settled(Batch {
                programme_id: w.programme_id,
                merchant_id: w.merchant_id,
                business_date: w.business_date,
                lines: w
                    .lines
                    .into_iter()
                    .map(|l| CapturedRedemption {
                        redemption_id: l.redemption_id,
                        wallet_id: l.wallet_id,
                        captured_on: l.captured_on,
                        amount: Won(l.amount),
                    })
                    .collect(),
                gross: Won(w.gross),
                fee_rate: Bps(w.fee_bps),
                fee: Won(w.fee),
                net: Won(w.net),
                payout_on: w.payout_on,
                at: w.at,
            })
            .into()
        }
        "BatchPaidOut" => {
            let w: BatchPaidOutV1 = wire(name, data)?;
            SettlementEvent::PaidOut {
                business_date: w.business_date,
                amount: Won(w.amount),
                at: w.at,
            }
            .into()
        }
        "CaseOpened" => {
            let w: CaseOpenedV1 = wire(name, data)?;
            CaseEvent::Opened(CaseInfo {
                case_id: w.case_id,
                programme_id: w.programme_id,
                merchant_id: w.merchant_id,
                rule: w.rule.into(),
                evidence: w.evidence,
                opened_at: w.at,
            })
            .into()
        }
        "CaseMerchantSuspended" | "CaseDismissed" => {
            let (official, reason, at) = reason_of(name, wire(name, data)?)?;
            if name == "CaseDismissed" {
                CaseEvent::Dismissed {
                    official,
                    reason,
                    at,
                }
                .into()
            } else {
                CaseEvent::MerchantSuspended {
                    official,
                    reason,
                    at,
                }
                .into()
            }
        }
        "CaseMerchantReinstated" => {
            let w: CaseDecisionV1 = wire(name, data)?;
            CaseEvent::MerchantReinstated {
                official: w.official,
                at: w.at,
            }
            .into()
        }
        "OrderPaymentHeld" => {
            let w: OrderPaymentHeldV1 = wire(name, data)?;
            PaymentEvent::Held {
                order_id: w.order_id,
                merchant_id: w.merchant_id,
                payment_id: w.payment_id,
                wallet_id: w.wallet_id,
                amount: Won(w.amount),
                at: w.at,
            }
            .into()
        }
        "OrderPaymentDeclined" => {
            let w: OrderPaymentDeclinedV1 = wire(name, data)?;
            PaymentEvent::Declined {
                order_id: w.order_id,
                merchant_id: w.merchant_id,
                payment_id: w.payment_id,
                code: w.code,
                reason: w.reason,
                at: w.at,
            }
            .into()
        }
        "OrderPaymentCaptured" => {
            let w: OrderPaymentV1 = wire(name, data)?;
            PaymentEvent::Captured {
                order_id: w.order_id,
                merchant_id: w.merchant_id,
                payment_id: w.payment_id,
                at: w.at,
            }
            .into()
        }
        "OrderPaymentVoided" => {
            let w: OrderPaymentV1 = wire(name, data)?;
            PaymentEvent::Voided {
                order_id: w.order_id,
                merchant_id: w.merchant_id,
                payment_id: w.payment_id,
                at: w.at,
            }
            .into()
        }
        _ => {
            return Err(CodecError::UnknownType {
                name: name.to_owned(),
                version: 1,
            });
        }
    };
    Ok(event)
}

impl EventCodec for VoucherCodec {
    type Event = VoucherEvent;
    const SERVICE: &'static str = SERVICE;

    fn encode(event: &VoucherEvent) -> EncodedEvent {
        match event {
            VoucherEvent::Programme(event) => encode_programme(event),
            VoucherEvent::Wallet(event) => encode_wallet(event),
            VoucherEvent::Settlement(event) => encode_settlement(event),
            VoucherEvent::Case(event) => encode_case(event),
            VoucherEvent::Payment(event) => encode_payment(event),
        }
    }

    fn decode(name: &str, version: u32, data: Value) -> Result<VoucherEvent, CodecError> {
        match version {
            1 => decode_v1(name, data),
            _ => Err(CodecError::UnknownType {
                name: name.to_owned(),
                version,
            }),
        }
    }

    fn schemas() -> Vec<(&'static str, u32, Value)> {
        let [
            created,
            committed,
            released,
            opened,
            purchased,
            purchase_refunded,
            hold_placed,
            captured,
            voided,
            timed_out,
            paid,
            declined,
            redemption_refunded,
            expired,
            settled,
            paid_out,
            case_opened,
            suspended,
            dismissed,
            reinstated,
            payment_held,
            payment_declined,
            payment_captured,
            payment_voided,
        ] = NAMES;
        vec![
            schema::<ProgrammeCreatedV1>(created),
            schema::<SubsidyV1>(committed),
            schema::<SubsidyV1>(released),
            schema::<WalletOpenedV1>(opened),
            schema::<PurchaseV1>(purchased),
            schema::<PurchaseV1>(purchase_refunded),
            schema::<HoldPlacedV1>(hold_placed),
            schema::<RedemptionV1>(captured),
            schema::<RedemptionV1>(voided),
            schema::<RedemptionV1>(timed_out),
            schema::<RedemptionV1>(paid),
            schema::<RedemptionDeclinedV1>(declined),
            schema::<RedemptionV1>(redemption_refunded),
            schema::<BalanceExpiredV1>(expired),
            schema::<BatchSettledV1>(settled),
            schema::<BatchPaidOutV1>(paid_out),
            schema::<CaseOpenedV1>(case_opened),
            schema::<CaseDecisionV1>(suspended),
            schema::<CaseDecisionV1>(dismissed),
            schema::<CaseDecisionV1>(reinstated),
            schema::<OrderPaymentHeldV1>(payment_held),
            schema::<OrderPaymentDeclinedV1>(payment_declined),
            schema::<OrderPaymentV1>(payment_captured),
            schema::<OrderPaymentV1>(payment_voided),
        ]
    }

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
    use super::*;

    #[test]
    fn every_sample_round_trips_through_the_wire() {
        let samples = VoucherCodec::samples();
        let names: Vec<&str> = samples
            .iter()
            .map(|e| VoucherCodec::encode(e).name)
            .collect();
        assert_eq!(names, NAMES.to_vec(), "one sample per event type, in order");
        for event in samples {
            let encoded = VoucherCodec::encode(&event);
            let decoded =
                VoucherCodec::decode(encoded.name, encoded.version, encoded.data).unwrap();
            assert_eq!(decoded, event);
        }
    }

    #[test]
    fn aggregate_codecs_see_only_their_events() {
        assert_eq!(ProgrammeCodec::samples().len(), 3);
        assert_eq!(WalletCodec::samples().len(), 11);
        assert_eq!(SettlementCodec::schemas().len(), 2);
        assert_eq!(CaseCodec::samples().len(), 4);
        assert_eq!(PaymentCodec::samples().len(), 4);
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
