//! One sample of every current event type, in the order of the codec's names;
//! the committed corpus in `schemas/events/voucher/` is generated from these.
//! Test data: compiled for tests and with the `samples` feature only.
#![cfg(any(test, feature = "samples"))]

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::codec::VoucherEvent;
use crate::domain::case::{CaseEvent, CaseInfo};
use crate::domain::fraud::Rule;
use crate::domain::order_payment::PaymentEvent;
use crate::domain::programme::{FeeTiers, Ineligible, ProgrammeEvent, Terms};
use crate::domain::settlement::{Batch, CapturedRedemption, SettlementEvent};
use crate::domain::wallet::{Decline, WalletEvent};
use crate::domain::{Bps, Won};

fn at() -> DateTime<Utc> {
    "2026-06-01T03:00:00Z".parse().expect("sample instant")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, d).expect("sample date")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

pub fn all() -> Vec<VoucherEvent> {
    let (programme, wallet, merchant, purchase, redemption) = (id(1), id(2), id(3), id(4), id(5));
    let movement = |amount| (redemption, merchant, Won(amount), at());
    let (r, m, a, t) = movement(12_000);
    vec![
        ProgrammeEvent::Created {
            terms: Terms {
                programme_id: programme,
                issuer: "서울특별시 중구".into(),
                name: "중구 사랑상품권 2026".into(),
                region: "중구".into(),
                districts: ["을지로".to_owned(), "명동".to_owned()].into(),
                face_values: [Won(10_000), Won(50_000)].into(),
                discount: Bps(1_000),
                monthly_cap: Won(500_000),
                valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
                valid_until: NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
                categories: ["food".to_owned(), "retail".to_owned()].into(),
                fees: FeeTiers {
                    micro: Bps(0),
                    small: Bps(30),
                    medium: Bps(50),
                },
                budget: Won(1_000_000_000),
            },
            at: at(),
        }
        .into(),
        ProgrammeEvent::SubsidyCommitted {
            purchase_id: purchase,
            amount: Won(5_000),
            at: at(),
        }
        .into(),
        ProgrammeEvent::SubsidyReleased {
            purchase_id: purchase,
            amount: Won(5_000),
            at: at(),
        }
        .into(),
        WalletEvent::Opened {
            wallet_id: wallet,
            programme_id: programme,
            owner: "citizen-kim".into(),
            at: at(),
        }
        .into(),
        WalletEvent::Purchased {
            purchase_id: purchase,
            face: Won(50_000),
            discount: Won(5_000),
            paid: Won(45_000),
            at: at(),
        }
        .into(),
        WalletEvent::PurchaseRefunded {
            purchase_id: purchase,
            face: Won(50_000),
            discount: Won(5_000),
            paid: Won(45_000),
            at: at(),
        }
        .into(),
        WalletEvent::HoldPlaced {
            redemption_id: r,
            merchant_id: m,
            amount: a,
            expires_at: "2026-06-01T03:15:00Z".parse().expect("sample instant"),
            at: t,
        }
        .into(),
        WalletEvent::HoldCaptured {
            redemption_id: r,
            merchant_id: m,
            amount: a,
            at: t,
        }
        .into(),
        WalletEvent::HoldVoided {
            redemption_id: r,
            merchant_id: m,
            amount: a,
            at: t,
        }
        .into(),
        WalletEvent::HoldTimedOut {
            redemption_id: r,
            merchant_id: m,
            amount: a,
            at: t,
        }
        .into(),
        WalletEvent::Paid {
            redemption_id: r,
            merchant_id: m,
            amount: a,
            at: t,
        }
        .into(),
        WalletEvent::RedemptionDeclined {
            redemption_id: r,
            merchant_id: m,
            amount: a,
            reason: Decline::MerchantIneligible(Ineligible::OutsideRegion),
            at: t,
        }
        .into(),
        WalletEvent::RedemptionRefunded {
            redemption_id: r,
            merchant_id: m,
            amount: Won(2_000),
            at: t,
        }
        .into(),
        WalletEvent::BalanceExpired {
            amount: Won(8_000),
            at: at(),
        }
        .into(),
        SettlementEvent::Settled(Batch {
            programme_id: programme,
            merchant_id: merchant,
            business_date: day(1),
            lines: vec![CapturedRedemption {
                redemption_id: redemption,
                wallet_id: wallet,
                captured_on: day(1),
                amount: Won(10_000),
            }],
            gross: Won(10_000),
            fee_rate: Bps(30),
            fee: Won(30),
            net: Won(9_970),
            payout_on: day(3),
            at: "2026-06-01T16:00:00Z".parse().expect("sample instant"),
        })
        .into(),
        SettlementEvent::PaidOut {
            business_date: day(1),
            amount: Won(9_970),
            at: "2026-06-03T00:00:00Z".parse().expect("sample instant"),
        }
        .into(),
        CaseEvent::Opened(CaseInfo {
            case_id: id(6),
            programme_id: programme,
            merchant_id: merchant,
            rule: Rule::RoundAmountBurst,
            evidence: "5 redemptions of multiples of 10000 won within 10 minutes".into(),
            opened_at: at(),
        })
        .into(),
        CaseEvent::MerchantSuspended {
            official: "official-jung-gu".into(),
            reason: "현장 점검에서 깡 확인".into(),
            at: at(),
        }
        .into(),
        CaseEvent::Dismissed {
            official: "official-jung-gu".into(),
            reason: "정상 단체 주문".into(),
            at: at(),
        }
        .into(),
        CaseEvent::MerchantReinstated {
            official: "official-jung-gu".into(),
            at: at(),
        }
        .into(),
        PaymentEvent::Held {
            order_id: id(7),
            merchant_id: merchant,
            payment_id: id(8),
            wallet_id: id(2),
            amount: Won(11_000),
            at: at(),
        }
        .into(),
        PaymentEvent::Declined {
            order_id: id(7),
            merchant_id: merchant,
            payment_id: id(8),
            code: "INSUFFICIENT_BALANCE".into(),
            reason: "the wallet has 5000 won available".into(),
            at: at(),
        }
        .into(),
        PaymentEvent::Captured {
            order_id: id(7),
            merchant_id: merchant,
            payment_id: id(8),
            at: at(),
        }
        .into(),
        PaymentEvent::Voided {
            order_id: id(7),
            merchant_id: merchant,
            payment_id: id(8),
            at: at(),
        }
        .into(),
        PaymentEvent::Refunded {
            order_id: id(7),
            merchant_id: merchant,
            payment_id: id(8),
            return_id: id(9),
            amount: Won(5_500),
            at: at(),
        }
        .into(),
        PaymentEvent::RefundDeclined {
            order_id: id(7),
            merchant_id: merchant,
            payment_id: id(8),
            return_id: id(9),
            code: "REFUND_WINDOW_CLOSED".into(),
            reason: "a redemption can be refunded only on the business day of its capture".into(),
            at: at(),
        }
        .into(),
    ]
}
