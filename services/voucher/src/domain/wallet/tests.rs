//! Given events, when a command, then events or an error.

use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::*;
use crate::domain::Won;
use crate::domain::fixtures::{at, merchant, programme_id, terms};
use crate::domain::programme::Ineligible;

const NOW: &str = "2026-06-01T03:00:00Z";

pub(super) fn wallet_id() -> Uuid {
    Uuid::from_u128(0x20)
}

pub(super) fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x1000 + n)
}

fn buy(n: u128, face: i64, at_text: &str) -> WalletCommand {
    buy_at(n, face, at(at_text))
}

pub(super) fn buy_at(n: u128, face: i64, at: DateTime<Utc>) -> WalletCommand {
    WalletCommand::Purchase(PurchaseRequest {
        purchase_id: id(n),
        wallet_id: wallet_id(),
        owner: "citizen-kim".into(),
        terms: terms(),
        face: Won(face),
        at,
    })
}

pub(super) fn request(n: u128, amount: i64, at_time: DateTime<Utc>) -> RedemptionRequest {
    RedemptionRequest {
        redemption_id: id(100 + n),
        merchant: merchant(1),
        amount: Won(amount),
        terms: terms(),
        at: at_time,
    }
}

fn hold(n: u128, amount: i64) -> WalletCommand {
    WalletCommand::Hold {
        request: request(n, amount, at(NOW)),
        expires_at: at(NOW) + TimeDelta::minutes(15),
    }
}

fn pay(n: u128, amount: i64) -> WalletCommand {
    WalletCommand::Pay(request(n, amount, at(NOW)))
}

/// A wallet holding one 50,000 won voucher.
fn funded() -> Vec<WalletEvent> {
    Wallet::given_nothing()
        .and(vec![buy(1, 50_000, NOW)])
        .history()
}

#[test]
fn a_first_purchase_opens_the_wallet_and_the_budget_pays_the_discount() {
    let events = Wallet::given_nothing().when(buy(1, 50_000, NOW)).events();
    assert_eq!(
        events,
        vec![
            WalletEvent::Opened {
                wallet_id: wallet_id(),
                programme_id: programme_id(),
                owner: "citizen-kim".into(),
                at: at(NOW),
            },
            WalletEvent::Purchased {
                purchase_id: id(1),
                face: Won(50_000),
                discount: Won(5_000),
                paid: Won(45_000),
                at: at(NOW),
            },
        ]
    );
    assert_eq!(Wallet::given(&events).state().balance, Won(50_000));
}

#[test]
fn the_monthly_cap_holds_across_purchases_and_resets_next_month() {
    let given = Wallet::given_nothing()
        .and(vec![
            buy(1, 50_000, NOW),
            buy(2, 50_000, NOW),
            buy(3, 50_000, NOW),
            buy(4, 10_000, NOW),
        ])
        .history();
    Wallet::given(&given)
        .when(buy(5, 50_000, NOW))
        .then_error(WalletError::MonthlyCapExceeded {
            remaining: Won(40_000),
        });
    // 1 July 00:30 in Seoul is still 30 June in UTC: a new month all the same.
    let next_month = Wallet::given(&given)
        .and(vec![buy(5, 50_000, "2026-06-30T15:30:00Z")])
        .history();
    assert_eq!(Wallet::given(&next_month).state().balance, Won(210_000));
}

#[test]
fn purchases_must_match_the_terms() {
    Wallet::given_nothing()
        .when(buy(1, 20_000, NOW))
        .then_error(WalletError::FaceValueNotOffered);
    Wallet::given_nothing()
        .when(buy(1, 10_000, "2027-01-01T00:00:00Z"))
        .then_error(WalletError::ProgrammeNotValid);
    // The same purchase id again is the same purchase.
    Wallet::given(funded())
        .when(buy(1, 50_000, NOW))
        .then_error(WalletError::PurchaseExists);
}

#[test]
fn a_hold_reserves_and_a_capture_spends() {
    let given = Wallet::given(funded()).and(vec![hold(1, 30_000)]).history();
    assert_eq!(
        Wallet::given(&given).state().available_at(at(NOW)),
        Won(20_000)
    );
    let captured = Wallet::given(&given)
        .and(vec![WalletCommand::Capture {
            redemption_id: id(101),
            at: at(NOW),
        }])
        .history();
    let wallet = Wallet::given(&captured).state();
    assert_eq!(wallet.balance, Won(20_000));
    assert_eq!(wallet.available_at(at(NOW)), Won(20_000));
    Wallet::given(&captured)
        .when(WalletCommand::Capture {
            redemption_id: id(101),
            at: at(NOW),
        })
        .then_error(WalletError::NotHeld);
}

#[test]
fn a_void_releases_the_hold() {
    let given = Wallet::given(funded())
        .and(vec![
            hold(1, 30_000),
            WalletCommand::Void {
                redemption_id: id(101),
                at: at(NOW),
            },
        ])
        .history();
    assert_eq!(
        Wallet::given(&given).state().available_at(at(NOW)),
        Won(50_000)
    );
    Wallet::given(&given)
        .when(WalletCommand::Capture {
            redemption_id: id(101),
            at: at(NOW),
        })
        .then_error(WalletError::NotHeld);
}

#[test]
fn a_hold_times_out_and_can_no_longer_be_captured() {
    let given = Wallet::given(funded()).and(vec![hold(1, 30_000)]).history();
    let later = at(NOW) + TimeDelta::minutes(15);
    assert_eq!(
        Wallet::given(&given).state().available_at(later),
        Won(50_000)
    );
    Wallet::given(&given)
        .when(WalletCommand::Capture {
            redemption_id: id(101),
            at: later,
        })
        .then_error(WalletError::HoldExpired);
    let released = Wallet::given(&given)
        .when(WalletCommand::ReleaseTimedOutHolds { at: later })
        .events();
    assert_eq!(
        released,
        vec![WalletEvent::HoldTimedOut {
            redemption_id: id(101),
            merchant_id: merchant(1).merchant_id,
            amount: Won(30_000),
            at: later,
        }]
    );
}

#[test]
fn a_redemption_beyond_the_available_balance_is_declined_and_recorded() {
    let given = Wallet::given(funded()).and(vec![hold(1, 30_000)]).history();
    let events = Wallet::given(&given).when(pay(2, 20_001)).events();
    assert_eq!(
        events,
        vec![WalletEvent::RedemptionDeclined {
            redemption_id: id(102),
            merchant_id: merchant(1).merchant_id,
            amount: Won(20_001),
            reason: Decline::InsufficientBalance {
                available: Won(20_000)
            },
            at: at(NOW),
        }]
    );
    let paid = Wallet::given(&given).and(vec![pay(2, 20_000)]).history();
    assert_eq!(Wallet::given(&paid).state().available_at(at(NOW)), Won(0));
    Wallet::given(&paid)
        .when(pay(2, 1))
        .then_error(WalletError::RedemptionExists);
}

#[test]
fn ineligible_merchants_and_days_outside_validity_are_declined() {
    let mut command = request(1, 1_000, at(NOW));
    command.merchant.suspended = true;
    let events = Wallet::given(funded())
        .when(WalletCommand::Pay(command))
        .events();
    assert!(matches!(
        events[..],
        [WalletEvent::RedemptionDeclined {
            reason: Decline::MerchantIneligible(Ineligible::Suspended),
            ..
        }]
    ));
    let late = WalletCommand::Pay(request(2, 1_000, at("2027-01-01T00:00:00Z")));
    assert!(matches!(
        Wallet::given(funded()).when(late).events()[..],
        [WalletEvent::RedemptionDeclined {
            reason: Decline::OutsideValidity,
            ..
        }]
    ));
    Wallet::given(funded())
        .when(pay(3, 0))
        .then_error(WalletError::AmountNotPositive);
    Wallet::given_nothing()
        .when(pay(3, 10))
        .then_error(WalletError::NotFound);
}

#[test]
fn an_unused_purchase_is_refunded_but_a_spent_one_is_not() {
    let two = Wallet::given(funded())
        .and(vec![buy(2, 10_000, NOW), pay(1, 45_000)])
        .history();
    let refund = |n| WalletCommand::RefundPurchase {
        purchase_id: id(n),
        terms: terms(),
        at: at(NOW),
    };
    Wallet::given(&two)
        .when(refund(1))
        .then_error(WalletError::PurchaseUsed {
            available: Won(15_000),
        });
    let refunded = Wallet::given(&two).and(vec![refund(2)]).history();
    assert_eq!(Wallet::given(&refunded).state().balance, Won(5_000));
    Wallet::given(&refunded)
        .when(refund(2))
        .then_error(WalletError::PurchaseAlreadyRefunded);
    Wallet::given(&refunded)
        .when(refund(9))
        .then_error(WalletError::PurchaseNotFound);
}

#[test]
fn a_merchant_refunds_a_captured_redemption_only_on_its_business_day() {
    let paid = Wallet::given(funded()).and(vec![pay(1, 20_000)]).history();
    let refund = |amount, at_text| WalletCommand::RefundRedemption {
        redemption_id: id(101),
        amount: Won(amount),
        at: at(at_text),
    };
    let partly = Wallet::given(&paid)
        .and(vec![refund(5_000, "2026-06-01T14:59:00Z")])
        .history();
    assert_eq!(Wallet::given(&partly).state().balance, Won(35_000));
    Wallet::given(&partly)
        .when(refund(15_001, "2026-06-01T14:59:00Z"))
        .then_error(WalletError::RefundTooLarge {
            refundable: Won(15_000),
        });
    // 15:00 UTC is midnight in Seoul: the day's batch is closed.
    Wallet::given(&partly)
        .when(refund(1_000, "2026-06-01T15:00:00Z"))
        .then_error(WalletError::RefundWindowClosed);
}

#[test]
fn after_validity_the_balance_expires_and_open_holds_are_released() {
    let given = Wallet::given(funded()).and(vec![hold(1, 10_000)]).history();
    assert!(matches!(
        Wallet::given(&given)
            .when(WalletCommand::Expire {
                terms: terms(),
                at: at("2026-12-31T14:00:00Z")
            })
            .result(),
        Err(WalletError::NotYetExpired(_))
    ));
    let expired = Wallet::given(&given)
        .and(vec![WalletCommand::Expire {
            terms: terms(),
            at: at("2026-12-31T15:00:00Z"),
        }])
        .history();
    let wallet = Wallet::given(&expired).state();
    assert_eq!(wallet.balance, Won(0));
    assert_eq!(wallet.expired, Won(50_000));
    assert_eq!(wallet.open_holds().count(), 0);
    // Expiring again finds nothing left.
    Wallet::given(&expired)
        .when(WalletCommand::Expire {
            terms: terms(),
            at: at("2027-01-02T00:00:00Z"),
        })
        .then_nothing();
}

/// Terms whose face values and cap reach the top of the `Won` range.
fn huge_terms() -> crate::domain::programme::Terms {
    let mut terms = terms();
    terms.face_values = [Won(1), Won(i64::MAX / 2 + 1), Won(i64::MAX)].into();
    terms.monthly_cap = Won(i64::MAX);
    terms.discount = crate::domain::Bps(5_000);
    terms
}

fn buy_with(
    n: u128,
    face: i64,
    terms: crate::domain::programme::Terms,
    at_text: &str,
) -> WalletCommand {
    WalletCommand::Purchase(PurchaseRequest {
        purchase_id: id(n),
        wallet_id: wallet_id(),
        owner: "citizen-kim".into(),
        terms,
        face: Won(face),
        at: at(at_text),
    })
}

#[test]
fn a_purchase_that_would_overflow_the_balance_is_refused_and_nothing_changes() {
    let first = Wallet::given_nothing()
        .and(vec![buy_with(1, i64::MAX / 2 + 1, huge_terms(), NOW)])
        .history();
    // Next month: under the cap again, but the balance would pass i64::MAX.
    let next_month = "2026-07-01T03:00:00Z";
    let refused = Wallet::given(&first)
        .when(buy_with(2, i64::MAX / 2 + 1, huge_terms(), next_month))
        .result();
    assert_eq!(
        refused,
        Err(WalletError::AmountTooLarge { field: "faceValue" })
    );
    let error = refused.unwrap_err();
    assert_eq!(
        (error.code(), error.field()),
        ("AMOUNT_TOO_LARGE", Some("faceValue"))
    );
    let events = Wallet::given(&first)
        .and(vec![buy_with(2, 1, huge_terms(), next_month)])
        .history();
    assert_eq!(
        Wallet::given(&events).state().balance,
        Won(i64::MAX / 2 + 2)
    );
}

#[test]
fn a_purchase_of_the_largest_face_value_keeps_exact_amounts() {
    let events = Wallet::given_nothing()
        .when(buy_with(1, i64::MAX, huge_terms(), NOW))
        .events();
    let WalletEvent::Purchased {
        face,
        discount,
        paid,
        ..
    } = &events[1]
    else {
        panic!("{events:?}");
    };
    assert_eq!(*face, Won(i64::MAX));
    assert_eq!(Won::sum([*discount, *paid]), Some(Won(i64::MAX)));
}

mod extremes {
    use proptest::prelude::*;

    use super::*;

    fn extreme() -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(0),
            Just(1),
            Just(-1),
            Just(i64::from(i32::MAX)),
            Just(i64::MAX),
            Just(i64::MAX / 2 + 1),
            Just(i64::MIN),
            Just(i64::MIN + 1),
            -10i64..10,
            any::<i64>(),
        ]
    }

    #[derive(Debug, Clone)]
    enum Step {
        Buy(i64, u32),
        RefundPurchase(u128),
        Hold(i64),
        Pay(i64),
        Capture(u128),
        Void(u128),
        Refund(u128, i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (
                prop_oneof![
                    Just(1i64),
                    Just(i64::MAX / 2 + 1),
                    Just(i64::MAX),
                    extreme()
                ],
                0u32..3
            )
                .prop_map(|(f, m)| Step::Buy(f, m)),
            (0u128..6).prop_map(Step::RefundPurchase),
            extreme().prop_map(Step::Hold),
            extreme().prop_map(Step::Pay),
            (0u128..12).prop_map(Step::Capture),
            (0u128..12).prop_map(Step::Void),
            (0u128..12, extreme()).prop_map(|(n, a)| Step::Refund(n, a)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Extreme amounts never panic the wallet; a rejection has a stable
        /// code and changes nothing; every accepted state keeps the balance
        /// and the available amount in 0..=i64::MAX and equal to the exact
        /// (i128) sum of what was bought, spent, refunded and expired.
        #[test]
        fn extreme_amounts_never_break_a_wallet(steps in prop::collection::vec(step(), 1..30)) {
            let mut events: Vec<WalletEvent> = Vec::new();
            for (i, step) in steps.into_iter().enumerate() {
                let n = i as u128;
                let command = match step {
                    Step::Buy(face, month) => buy_with(
                        n,
                        face,
                        huge_terms(),
                        &format!("2026-0{}-01T03:00:00Z", 6 + month),
                    ),
                    Step::RefundPurchase(k) => WalletCommand::RefundPurchase {
                        purchase_id: id(k),
                        terms: huge_terms(),
                        at: at("2026-08-01T03:00:00Z"),
                    },
                    Step::Hold(amount) => WalletCommand::Hold {
                        request: RedemptionRequest { terms: huge_terms(), ..request(n, amount, at("2026-08-01T03:00:00Z")) },
                        expires_at: at("2026-08-01T03:15:00Z"),
                    },
                    Step::Pay(amount) => WalletCommand::Pay(RedemptionRequest {
                        terms: huge_terms(),
                        ..request(n, amount, at("2026-08-01T03:00:00Z"))
                    }),
                    Step::Capture(k) => WalletCommand::Capture { redemption_id: id(100 + k), at: at("2026-08-01T03:01:00Z") },
                    Step::Void(k) => WalletCommand::Void { redemption_id: id(100 + k), at: at("2026-08-01T03:01:00Z") },
                    Step::Refund(k, amount) => WalletCommand::RefundRedemption {
                        redemption_id: id(100 + k),
                        amount: Won(amount),
                        at: at("2026-08-01T03:02:00Z"),
                    },
                };
                let before = Wallet::given(&events).state();
                match Wallet::decide(&before, &command) {
                    Err(error) => {
                        prop_assert!(!error.code().is_empty());
                        prop_assert_eq!(Wallet::given(&events).state(), before);
                    }
                    Ok(new) => events.extend(new),
                }
                let wallet = Wallet::given(&events).state();
                let mut exact: i128 = 0;
                for event in &events {
                    match event {
                        WalletEvent::Purchased { face, discount, paid, .. } => {
                            prop_assert!(face.is_positive());
                            prop_assert_eq!(i128::from(discount.0) + i128::from(paid.0), i128::from(face.0));
                            exact += i128::from(face.0);
                        }
                        WalletEvent::PurchaseRefunded { face, .. } => exact -= i128::from(face.0),
                        WalletEvent::HoldCaptured { amount, .. } | WalletEvent::Paid { amount, .. } => {
                            exact -= i128::from(amount.0)
                        }
                        WalletEvent::RedemptionRefunded { amount, .. } => exact += i128::from(amount.0),
                        WalletEvent::BalanceExpired { amount, .. } => exact -= i128::from(amount.0),
                        _ => {}
                    }
                }
                prop_assert_eq!(i128::from(wallet.balance.0), exact);
                prop_assert!(wallet.balance.0 >= 0);
                let now = at("2026-08-01T03:00:30Z");
                prop_assert!(wallet.held_at(now) <= wallet.balance);
                prop_assert!(wallet.available_at(now).0 >= 0);
                for r in wallet.redemptions.values() {
                    prop_assert!(r.refunded.0 >= 0 && r.refunded <= r.amount);
                }
            }
        }
    }
}
