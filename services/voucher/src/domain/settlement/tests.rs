//! Given events, when a command, then events or an error.

use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::*;
use crate::domain::fixtures::{at, date, programme_id};
use crate::domain::{Bps, BusinessCalendar, Won};

fn line(n: u128, day: u32, amount: i64) -> CapturedRedemption {
    CapturedRedemption {
        redemption_id: Uuid::from_u128(n),
        wallet_id: Uuid::from_u128(0x20),
        captured_on: date(2026, 11, day),
        amount: Won(amount),
    }
}

fn settle(day: u32, candidates: Vec<CapturedRedemption>, now: &str) -> SettlementCommand {
    SettlementCommand::Settle {
        programme_id: programme_id(),
        merchant_id: Uuid::from_u128(0x101),
        business_date: date(2026, 11, day),
        candidates,
        fee_rate: Bps(50),
        calendar: BusinessCalendar::new([date(2026, 11, 30)]),
        payout_lag_days: 2,
        at: at(now),
    }
}

#[test]
fn a_closed_day_settles_its_captures_minus_the_fee_paid_t_plus_2() {
    // Thursday 26 November, settled early on Friday in Seoul.
    let events = Settlement::given_nothing()
        .when(settle(
            26,
            vec![line(1, 26, 9_900), line(2, 25, 100), line(3, 27, 500)],
            "2026-11-26T16:00:00Z",
        ))
        .events();
    let [SettlementEvent::Settled(batch)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(
        batch.lines,
        vec![line(1, 26, 9_900), line(2, 25, 100)],
        "the 27th is not in this batch"
    );
    assert_eq!(batch.gross, Won(10_000));
    assert_eq!(batch.fee, Won(50));
    assert_eq!(batch.net, Won(9_950));
    // Friday 27, Monday 30 is a holiday here, Tuesday 1 December is T+2.
    assert_eq!(batch.payout_on, date(2026, 12, 1));
}

#[test]
fn an_open_day_does_not_settle() {
    Settlement::given_nothing()
        .when(settle(26, vec![line(1, 26, 1_000)], "2026-11-26T14:59:59Z"))
        .then_error(SettlementError::DayNotClosed(date(2026, 11, 26)));
}

#[test]
fn a_redemption_is_settled_in_one_batch_only() {
    let first = Settlement::given_nothing()
        .when(settle(25, vec![line(1, 25, 1_000)], "2026-11-27T00:00:00Z"))
        .events();
    let again = Settlement::given(&first)
        .when(settle(
            26,
            vec![line(1, 25, 1_000), line(2, 26, 700)],
            "2026-11-27T00:00:00Z",
        ))
        .events();
    let [SettlementEvent::Settled(batch)] = &again[..] else {
        panic!("{again:?}")
    };
    assert_eq!(batch.lines, vec![line(2, 26, 700)]);
    assert_eq!(batch.fee, Won(4), "0.5 % of 700 = 3.5 rounds half up");
    // Settling a settled day again changes nothing.
    Settlement::given(&first)
        .when(settle(25, vec![line(3, 25, 1)], "2026-11-27T00:00:00Z"))
        .then_nothing();
}

#[test]
fn a_batch_is_paid_out_once_on_or_after_its_payout_day() {
    let given = Settlement::given_nothing()
        .when(settle(26, vec![line(1, 26, 1_000)], "2026-11-27T00:00:00Z"))
        .events();
    let payout = |now| SettlementCommand::PayOut {
        business_date: date(2026, 11, 26),
        at: at(now),
    };
    Settlement::given(&given)
        .when(payout("2026-11-30T00:00:00Z"))
        .then_error(SettlementError::NotDue(date(2026, 12, 1)));
    let paid = Settlement::given(&given)
        .when(payout("2026-11-30T15:00:00Z"))
        .events();
    assert_eq!(
        paid,
        vec![SettlementEvent::PaidOut {
            business_date: date(2026, 11, 26),
            amount: Won(995),
            at: at("2026-11-30T15:00:00Z")
        }]
    );
    let mut all = given.clone();
    all.extend(paid);
    Settlement::given(&all)
        .when(payout("2026-12-02T00:00:00Z"))
        .then_nothing();
    Settlement::given_nothing()
        .when(payout("2026-12-02T00:00:00Z"))
        .then_error(SettlementError::BatchNotFound);
}
