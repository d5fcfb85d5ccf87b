//! What open holds reserve is summed over the state's index of open holds
//! (`WalletState::open_holds`), not over every redemption the state keeps.
//! These tests hold the index to the computation it replaced: a scan of all
//! the day's redemptions, with busy wallets of many same-day redemptions.

use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::tests::{buy_at, id, request};
use super::*;
use crate::domain::Won;
use crate::domain::fixtures::at;

const MORNING: &str = "2026-06-01T00:30:00Z";

/// The reservation as it was computed before the index: every kept
/// redemption scanned.
fn held_by_scan(state: &WalletState, at: DateTime<Utc>) -> Won {
    Won(state
        .redemptions
        .values()
        .filter(|r| r.holds_at(at))
        .fold(0i64, |sum, r| sum.saturating_add(r.amount.0)))
}

/// The open holds as they were found before the index.
fn open_by_scan(state: &WalletState) -> Vec<(Uuid, Redemption)> {
    state
        .redemptions
        .iter()
        .filter(|(_, r)| matches!(r.status, RedemptionStatus::Held { .. }))
        .map(|(id, r)| (*id, r.clone()))
        .collect()
}

/// A hold or payment decided as before the index: the holds whose time is
/// up are released, then the amount is taken from what the scan leaves
/// available (the fixtures' merchant is eligible and the programme valid).
fn redeem_by_scan(
    state: &WalletState,
    request: &RedemptionRequest,
    accepted: WalletEvent,
) -> Vec<WalletEvent> {
    let mut events: Vec<WalletEvent> = open_by_scan(state)
        .into_iter()
        .filter(|(_, r)| !r.holds_at(request.at))
        .map(|(redemption_id, r)| WalletEvent::HoldTimedOut {
            redemption_id,
            merchant_id: r.merchant_id,
            amount: r.amount,
            at: request.at,
        })
        .collect();
    let available = Won(state
        .balance
        .0
        .saturating_sub(held_by_scan(state, request.at).0));
    events.push(if request.amount > available {
        WalletEvent::RedemptionDeclined {
            redemption_id: request.redemption_id,
            merchant_id: request.merchant.merchant_id,
            amount: request.amount,
            reason: Decline::InsufficientBalance { available },
            at: request.at,
        }
    } else {
        accepted
    });
    events
}

/// The index and the scan agree on `state` around `now`.
fn agrees(state: &WalletState, now: DateTime<Utc>) -> Result<(), TestCaseError> {
    let indexed: Vec<(Uuid, Redemption)> =
        state.open_holds().map(|(id, r)| (*id, r.clone())).collect();
    prop_assert_eq!(indexed, open_by_scan(state));
    for later in [0, 5, 15, 60, 24 * 60] {
        let t = now + TimeDelta::minutes(later);
        prop_assert_eq!(state.held_at(t), held_by_scan(state, t));
        prop_assert_eq!(
            state.available_at(t),
            Won(state.balance.0.saturating_sub(held_by_scan(state, t).0))
        );
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Step {
    /// Let seconds pass (a day holds thousands of steps).
    Wait(i64),
    Pay(i64),
    /// A hold of `amount` for `minutes`.
    Hold(i64, i64),
    Capture(u128),
    Void(u128),
    Refund(u128, i64),
    Release,
}

fn step() -> impl Strategy<Value = Step> {
    let amount = prop_oneof![1i64..=40, 5_000i64..60_000];
    prop_oneof![
        1 => (1i64..120).prop_map(Step::Wait),
        4 => amount.clone().prop_map(Step::Pay),
        3 => (amount, 1i64..30).prop_map(|(a, m)| Step::Hold(a, m)),
        1 => (0u128..400).prop_map(Step::Capture),
        1 => (0u128..400).prop_map(Step::Void),
        1 => ((0u128..400), 1i64..=40).prop_map(|(n, a)| Step::Refund(n, a)),
        1 => Just(Step::Release),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every decision of a busy day, with up to hundreds of redemptions in
    /// the state, is the one the scan of all of them made.
    #[test]
    fn a_busy_day_decides_as_the_scan_of_every_redemption_did(
        steps in prop::collection::vec(step(), 1..400),
    ) {
        let mut now = at(MORNING);
        let mut state = Wallet::given_nothing()
            .and(vec![buy_at(0, 50_000, now), buy_at(1, 50_000, now)])
            .state();
        for (n, step) in steps.into_iter().enumerate() {
            let n = n as u128;
            let command = match step {
                Step::Wait(seconds) => {
                    now += TimeDelta::seconds(seconds);
                    continue;
                }
                Step::Pay(amount) => WalletCommand::Pay(request(n, amount, now)),
                Step::Hold(amount, minutes) => WalletCommand::Hold {
                    request: request(n, amount, now),
                    expires_at: now + TimeDelta::minutes(minutes),
                },
                Step::Capture(k) => WalletCommand::Capture { redemption_id: id(100 + k), at: now },
                Step::Void(k) => WalletCommand::Void { redemption_id: id(100 + k), at: now },
                Step::Refund(k, amount) => WalletCommand::RefundRedemption {
                    redemption_id: id(100 + k),
                    amount: Won(amount),
                    at: now,
                },
                Step::Release => WalletCommand::ReleaseTimedOutHolds { at: now },
            };
            let decided = Wallet::decide(&state, &command);
            match &command {
                WalletCommand::Pay(request) => {
                    let paid = WalletEvent::Paid {
                        redemption_id: request.redemption_id,
                        merchant_id: request.merchant.merchant_id,
                        amount: request.amount,
                        at: request.at,
                    };
                    prop_assert_eq!(decided.clone(), Ok(redeem_by_scan(&state, request, paid)));
                }
                WalletCommand::Hold { request, expires_at } => {
                    let placed = WalletEvent::HoldPlaced {
                        redemption_id: request.redemption_id,
                        merchant_id: request.merchant.merchant_id,
                        amount: request.amount,
                        expires_at: *expires_at,
                        at: request.at,
                    };
                    prop_assert_eq!(decided.clone(), Ok(redeem_by_scan(&state, request, placed)));
                }
                WalletCommand::ReleaseTimedOutHolds { at } => {
                    let released: Vec<Uuid> = open_by_scan(&state)
                        .into_iter()
                        .filter(|(_, r)| !r.holds_at(*at))
                        .map(|(id, _)| id)
                        .collect();
                    let events = decided.clone().expect("an opened wallet releases");
                    let ids: Vec<Uuid> = events
                        .iter()
                        .filter_map(|e| match e.subject() {
                            WalletSubject::Redemption(id) => Some(id),
                            _ => None,
                        })
                        .collect();
                    prop_assert_eq!(ids, released);
                }
                _ => {}
            }
            if let Ok(events) = decided {
                state = events.iter().fold(state, Wallet::evolve);
            }
            agrees(&state, now)?;
        }
    }
}

#[test]
fn twenty_thousand_payments_and_open_holds_of_one_day_reserve_as_the_scan_did() {
    let start = at(MORNING);
    let mut events = Wallet::given_nothing()
        .and(vec![buy_at(0, 50_000, start)])
        .history();
    for n in 0..20_000u128 {
        let at = start + TimeDelta::milliseconds(n as i64);
        events.push(if n % 1_000 == 7 {
            WalletEvent::HoldPlaced {
                redemption_id: id(100 + n),
                merchant_id: request(n, 1, at).merchant.merchant_id,
                amount: Won(100),
                expires_at: at + TimeDelta::minutes(10),
                at,
            }
        } else {
            WalletEvent::Paid {
                redemption_id: id(100 + n),
                merchant_id: request(n, 1, at).merchant.merchant_id,
                amount: Won(1),
                at,
            }
        });
    }
    let state = Wallet::given(&events).state();
    assert_eq!(state.redemptions.len(), 20_000, "all refundable today");
    assert_eq!(state.open_holds().count(), 20);
    let now = start + TimeDelta::seconds(30);
    assert_eq!(state.held_at(now), Won(2_000));
    assert_eq!(state.held_at(now), held_by_scan(&state, now));
    let paid = 20_000 - 20;
    assert_eq!(state.available_at(now), Won(50_000 - paid - 2_000));
    let request = request(50_000, 20_000, now);
    let accepted = WalletEvent::Paid {
        redemption_id: request.redemption_id,
        merchant_id: request.merchant.merchant_id,
        amount: request.amount,
        at: now,
    };
    assert_eq!(
        Wallet::decide(&state, &WalletCommand::Pay(request.clone())),
        Ok(redeem_by_scan(&state, &request, accepted))
    );
    // Past every hold's time: the release names each, in id order.
    let late = start + TimeDelta::hours(1);
    let released = Wallet::decide(&state, &WalletCommand::ReleaseTimedOutHolds { at: late })
        .expect("released");
    assert_eq!(released.len(), 20);
    assert_eq!(state.held_at(late), Won(0));
}
