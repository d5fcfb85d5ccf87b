//! The wallet's state lets go of redemptions no decision needs any more
//! (`WalletState::move_to`); a command about one is decided with it recalled
//! from the history (`WalletCommand::Recalled`). These tests hold the pruned
//! wallet to the decisions of a wallet that keeps every redemption forever.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;

use super::tests::{buy_at, id, request};
use super::*;
use crate::domain::Won;
use crate::domain::fixtures::{at, merchant};

const START: &str = "2026-06-01T01:00:00Z";

/// The same fold without ever letting a redemption go: `day` pinned to the
/// last day there is, so `move_to` never prunes (decisions do not read it).
fn evolve_keeping_all(mut state: WalletState, event: &WalletEvent) -> WalletState {
    state.day = Some(NaiveDate::MAX);
    Wallet::evolve(state, event)
}

/// What the HTTP layer does before deciding: a command about a redemption
/// the state has let go carries it as the history (here: the wallet that keeps
/// everything) has it.
fn recalling(state: &WalletState, history: &WalletState, command: WalletCommand) -> WalletCommand {
    let WalletSubject::Redemption(redemption_id) = command.subject() else {
        return command;
    };
    match history.redemptions.get(&redemption_id) {
        Some(redemption) if !state.redemptions.contains_key(&redemption_id) => {
            WalletCommand::Recalled {
                redemption_id,
                redemption: redemption.clone(),
                command: Box::new(command),
            }
        }
        _ => command,
    }
}

/// A command about nothing, a new redemption, an open hold or a capture of
/// the same Seoul day is decided from the pruned state alone (the fast path
/// recalls nothing).
fn needs_no_recall(full: &WalletState, command: &WalletCommand, now: DateTime<Utc>) -> bool {
    let WalletSubject::Redemption(redemption_id) = command.subject() else {
        return true;
    };
    match full.redemptions.get(&redemption_id).map(|r| r.status) {
        None | Some(RedemptionStatus::Held { .. }) => true,
        Some(RedemptionStatus::Captured { at }) => {
            crate::domain::seoul_date(at) == crate::domain::seoul_date(now)
        }
        Some(_) => false,
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// Let time pass (minutes, up to two days).
    Wait(i64),
    Buy(i64),
    Pay(u128, i64),
    Hold(u128, i64),
    Capture(u128),
    Void(u128),
    Refund(u128, i64),
    Release,
}

fn step() -> impl Strategy<Value = Step> {
    let amount = prop_oneof![-1i64..=1, 1_000i64..60_000];
    let redemption = 0u128..16;
    prop_oneof![
        (1i64..3_000).prop_map(Step::Wait),
        prop_oneof![Just(10_000i64), Just(50_000)].prop_map(Step::Buy),
        (redemption.clone(), amount.clone()).prop_map(|(n, a)| Step::Pay(n, a)),
        (redemption.clone(), amount.clone()).prop_map(|(n, a)| Step::Hold(n, a)),
        redemption.clone().prop_map(Step::Capture),
        redemption.clone().prop_map(Step::Void),
        (redemption, amount).prop_map(|(n, a)| Step::Refund(n, a)),
        Just(Step::Release),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Over random histories spanning days, every command is decided the
    /// same by the pruned wallet (with recall) as by one that keeps every
    /// redemption; the pruned one keeps only open holds and the current
    /// day's redemptions, and agrees on every balance.
    #[test]
    fn a_pruned_wallet_decides_as_one_that_keeps_everything(
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let mut now = at(START);
        let mut full = Wallet::given_nothing().and(vec![buy_at(0, 50_000, now)]).state();
        let mut pruned = full.clone();
        for (i, step) in steps.into_iter().enumerate() {
            let command = match step {
                Step::Wait(minutes) => {
                    now += TimeDelta::minutes(minutes);
                    continue;
                }
                Step::Buy(face) => buy_at(1 + i as u128, face, now),
                Step::Pay(n, amount) => WalletCommand::Pay(request(n, amount, now)),
                Step::Hold(n, amount) => WalletCommand::Hold {
                    request: request(n, amount, now),
                    expires_at: now + TimeDelta::minutes(30),
                },
                Step::Capture(n) => WalletCommand::Capture { redemption_id: id(100 + n), at: now },
                Step::Void(n) => WalletCommand::Void { redemption_id: id(100 + n), at: now },
                Step::Refund(n, amount) => WalletCommand::RefundRedemption {
                    redemption_id: id(100 + n),
                    amount: Won(amount),
                    at: now,
                },
                Step::Release => WalletCommand::ReleaseTimedOutHolds { at: now },
            };
            let expected = Wallet::decide(&full, &command);
            let decided = Wallet::decide(&pruned, &recalling(&pruned, &full, command.clone()));
            prop_assert_eq!(&decided, &expected, "{:?}", command);
            if needs_no_recall(&full, &command, now) {
                prop_assert_eq!(&Wallet::decide(&pruned, &command), &expected, "{:?}", command);
            }
            if let Ok(events) = expected {
                full = events.iter().fold(full, evolve_keeping_all);
                pruned = events.iter().fold(pruned, Wallet::evolve);
            }
            prop_assert_eq!(pruned.balance, full.balance);
            prop_assert_eq!(pruned.held_at(now), full.held_at(now));
            prop_assert_eq!(&pruned.purchases, &full.purchases);
            for (redemption_id, redemption) in &pruned.redemptions {
                prop_assert_eq!(full.redemptions.get(redemption_id), Some(redemption));
            }
            if let Some(day) = pruned.day {
                for (redemption_id, redemption) in &full.redemptions {
                    if redemption.live_on(day) {
                        prop_assert!(pruned.redemptions.contains_key(redemption_id));
                    }
                }
            }
        }
    }
}

/// A wallet that paid 2,000 times on 1 June.
fn busy_first_of_june() -> Vec<WalletEvent> {
    let mut events = Wallet::given_nothing()
        .and(vec![buy_at(0, 50_000, at(START))])
        .history();
    for n in 0..2_000 {
        events.push(WalletEvent::Paid {
            redemption_id: id(100 + n),
            merchant_id: merchant(1).merchant_id,
            amount: Won(10),
            at: at(START) + TimeDelta::seconds(n as i64),
        });
    }
    events
}

#[test]
fn the_next_days_first_event_lets_the_settled_redemptions_go() {
    let mut events = busy_first_of_june();
    let same_day = Wallet::given(&events).state();
    assert_eq!(same_day.redemptions.len(), 2_000, "refundable all day");
    events.push(WalletEvent::Paid {
        redemption_id: id(99),
        merchant_id: merchant(1).merchant_id,
        amount: Won(10),
        at: at("2026-06-02T01:00:00Z"),
    });
    let next_day = Wallet::given(&events).state();
    assert_eq!(
        next_day.redemptions.keys().collect::<Vec<_>>(),
        vec![&id(99)],
        "only the new day's payment stays"
    );
    assert_eq!(next_day.balance, Won(50_000 - 2_001 * 10));
}

#[test]
fn commands_about_a_let_go_redemption_are_refused_as_before_once_recalled() {
    let mut events = busy_first_of_june();
    let full = Wallet::given(&events).state();
    let then = at("2026-06-02T02:00:00Z");
    events.push(WalletEvent::Purchased {
        purchase_id: id(7),
        face: Won(10_000),
        discount: Won(1_000),
        paid: Won(9_000),
        at: at("2026-06-02T01:00:00Z"),
    });
    let pruned = Wallet::given(&events).state();
    assert!(pruned.redemptions.is_empty());
    let old = id(100 + 5);
    let refund = WalletCommand::RefundRedemption {
        redemption_id: old,
        amount: Won(10),
        at: then,
    };
    let capture = WalletCommand::Capture {
        redemption_id: old,
        at: then,
    };
    let again = WalletCommand::Pay(RedemptionRequest {
        redemption_id: old,
        ..request(0, 10, then)
    });
    for (command, error) in [
        (refund, WalletError::RefundWindowClosed),
        (capture, WalletError::NotHeld),
        (again, WalletError::RedemptionExists),
    ] {
        assert_eq!(
            Wallet::decide(&pruned, &recalling(&pruned, &full, command.clone())),
            Err(error.clone())
        );
        // Without the recall the pruned wallet would not know the id.
        assert_ne!(Wallet::decide(&pruned, &command), Err(error));
    }
}

#[test]
fn a_hold_stays_however_old_until_it_is_settled() {
    let mut events = Wallet::given_nothing()
        .and(vec![buy_at(0, 50_000, at(START))])
        .history();
    events.push(WalletEvent::HoldPlaced {
        redemption_id: id(1),
        merchant_id: merchant(1).merchant_id,
        amount: Won(5_000),
        expires_at: at("2026-06-09T00:00:00Z"),
        at: at(START),
    });
    events.push(WalletEvent::Purchased {
        purchase_id: id(2),
        face: Won(10_000),
        discount: Won(1_000),
        paid: Won(9_000),
        at: at("2026-06-05T01:00:00Z"),
    });
    let state = Wallet::given(&events).state();
    let kept: BTreeMap<_, _> = state
        .redemptions
        .iter()
        .map(|(k, r)| (*k, r.amount))
        .collect();
    assert_eq!(kept, BTreeMap::from([(id(1), Won(5_000))]));
}
