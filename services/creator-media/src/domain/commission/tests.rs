use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn now() -> DateTime<Utc> {
    "2026-12-01T00:00:00Z".parse().unwrap()
}

fn due() -> DateTime<Utc> {
    now() + TimeDelta::days(14)
}

const CREATOR: Uuid = Uuid::from_u128(1);
const KIMCHI: Uuid = Uuid::from_u128(10);
const SAUCE: Uuid = Uuid::from_u128(11);

fn order(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

/// Order `n`: 30,000 won of kimchi at 10 % and 9,999 won of sauce at 5 %.
fn attributed(n: u128) -> Attributed {
    Attributed {
        creator_id: CREATOR,
        order_id: order(n),
        merchant_id: Uuid::from_u128(2),
        collaboration_id: Uuid::from_u128(3),
        live_id: None,
        lines: vec![
            Sale {
                product_id: KIMCHI,
                sales: 30_000,
                bps: 1_000,
            },
            Sale {
                product_id: SAUCE,
                sales: 9_999,
                bps: 500,
            },
        ],
        payable_at: due(),
        at: now(),
    }
}

fn accrue(n: u128) -> CommissionCommand {
    CommissionCommand::Accrue(Box::new(attributed(n)))
}

fn accrued(n: u128) -> CommissionEvent {
    CommissionEvent::Accrued(Accrual {
        creator_id: CREATOR,
        order_id: order(n),
        merchant_id: Uuid::from_u128(2),
        collaboration_id: Uuid::from_u128(3),
        live_id: None,
        lines: vec![
            Line {
                product_id: KIMCHI,
                sales: 30_000,
                bps: 1_000,
                commission: 3_000,
            },
            Line {
                product_id: SAUCE,
                sales: 9_999,
                bps: 500,
                commission: 499,
            },
        ],
        amount: 3_499,
        payable_at: due(),
        at: now(),
    })
}

fn payable(n: u128, amount: i64) -> CommissionEvent {
    CommissionEvent::Payable {
        creator_id: CREATOR,
        order_id: order(n),
        amount,
        at: due(),
    }
}

fn make_payable(n: u128) -> CommissionCommand {
    CommissionCommand::MakePayable {
        order_id: order(n),
        at: due(),
    }
}

fn give_back(n: u128, return_id: u128, lines: &[(Uuid, i64)]) -> CommissionCommand {
    CommissionCommand::Return {
        order_id: order(n),
        return_id: Uuid::from_u128(return_id),
        lines: lines
            .iter()
            .map(|(product_id, amount)| ReturnedSale {
                product_id: *product_id,
                amount: *amount,
            })
            .collect(),
        at: now(),
    }
}

fn returned(n: u128, return_id: u128, lines: Vec<Line>) -> Returned {
    Returned {
        creator_id: CREATOR,
        order_id: order(n),
        return_id: Uuid::from_u128(return_id),
        amount: lines.iter().map(|l| l.commission).sum(),
        lines,
        at: now(),
    }
}

fn kimchi(sales: i64, commission: i64) -> Line {
    Line {
        product_id: KIMCHI,
        sales,
        bps: 1_000,
        commission,
    }
}

fn pay_out(id: u128) -> CommissionCommand {
    CommissionCommand::PayOut {
        payout_id: Uuid::from_u128(id),
        at: due(),
    }
}

#[test]
fn a_paid_order_accrues_each_line_rounded_down_once() {
    Commissions::given_nothing()
        .when(accrue(1))
        .then([accrued(1)]);
    Commissions::given([accrued(1)])
        .when(accrue(1))
        .then_nothing();
    let state = Commissions::given([accrued(1)]).state();
    assert_eq!((state.held(), state.payable()), (3_499, 0));
}

#[test]
fn bad_accruals_are_refused_with_a_code() {
    let with = |lines: Vec<Sale>| {
        CommissionCommand::Accrue(Box::new(Attributed {
            lines,
            ..attributed(1)
        }))
    };
    let sale = |sales, bps| Sale {
        product_id: KIMCHI,
        sales,
        bps,
    };
    for (command, code) in [
        (with(vec![]), "LIST_EMPTY"),
        (with(vec![sale(1_000, 10_001)]), "COMMISSION_OUT_OF_RANGE"),
        (with(vec![sale(-1, 100)]), "AMOUNT_INVALID"),
        (with(vec![sale(i64::MAX, 100)]), "AMOUNT_TOO_LARGE"),
    ] {
        let error = Commissions::given_nothing().when(command).error();
        assert_eq!(error.code(), code);
    }
}

#[test]
fn a_held_commission_becomes_payable_when_due_and_only_then() {
    Commissions::given([accrued(1)])
        .when(CommissionCommand::MakePayable {
            order_id: order(1),
            at: due() - TimeDelta::seconds(1),
        })
        .then_error(CommissionError::NotDue);
    Commissions::given([accrued(1)])
        .when(make_payable(1))
        .then([payable(1, 3_499)]);
    Commissions::given([accrued(1), payable(1, 3_499)])
        .when(make_payable(1))
        .then_nothing();
    Commissions::given_nothing()
        .when(make_payable(1))
        .then_error(CommissionError::NotFound);
}

#[test]
fn a_return_while_held_reverses_the_lines_share_once() {
    let expected = returned(1, 7, vec![kimchi(10_000, 1_000)]);
    Commissions::given([accrued(1)])
        .when(give_back(1, 7, &[(KIMCHI, 10_000)]))
        .then([CommissionEvent::Reversed(expected.clone())]);
    let history = [accrued(1), CommissionEvent::Reversed(expected)];
    Commissions::given(&history)
        .when(give_back(1, 7, &[(KIMCHI, 10_000)]))
        .then_nothing();
    // What is left becomes payable.
    Commissions::given(&history)
        .when(make_payable(1))
        .then([payable(1, 2_499)]);
    // A product the order did not earn on gives nothing back.
    Commissions::given([accrued(1)])
        .when(give_back(1, 8, &[(Uuid::from_u128(99), 5_000)]))
        .then_nothing();
    Commissions::given_nothing()
        .when(give_back(1, 8, &[(KIMCHI, 5_000)]))
        .then_error(CommissionError::NotFound);
}

#[test]
fn no_line_gives_back_more_than_its_commission() {
    Commissions::given([accrued(1)])
        .when(give_back(1, 9, &[(KIMCHI, i64::MAX)]))
        .then([CommissionEvent::Reversed(returned(
            1,
            9,
            vec![kimchi(i64::MAX, 3_000)],
        ))]);
    let error = Commissions::given([accrued(1)])
        .when(give_back(1, 9, &[(KIMCHI, -1)]))
        .error();
    assert_eq!(error.code(), "AMOUNT_INVALID");
    let first = returned(1, 7, vec![kimchi(25_000, 2_500)]);
    Commissions::given([accrued(1), CommissionEvent::Reversed(first)])
        .when(give_back(1, 8, &[(KIMCHI, 25_000)]))
        .then([CommissionEvent::Reversed(returned(
            1,
            8,
            vec![kimchi(25_000, 500)],
        ))]);
}

#[test]
fn a_return_once_payable_is_clawed_back_from_the_next_payout() {
    let clawed = returned(1, 7, vec![kimchi(30_000, 3_000)]);
    let history = [
        accrued(1),
        payable(1, 3_499),
        accrued(2),
        payable(2, 3_499),
        CommissionEvent::ClawedBack(clawed.clone()),
    ];
    Commissions::given(&history[..4])
        .when(give_back(1, 7, &[(KIMCHI, 30_000)]))
        .then([CommissionEvent::ClawedBack(clawed)]);
    Commissions::given(&history)
        .when(pay_out(50))
        .then([CommissionEvent::PaidOut(Payout {
            creator_id: CREATOR,
            payout_id: Uuid::from_u128(50),
            orders: vec![order(1), order(2)],
            payable: 6_998,
            clawed_back: 3_000,
            net: 3_998,
            at: due(),
        })]);
}

#[test]
fn a_clawback_larger_than_the_payout_carries_over() {
    let history = [
        accrued(1),
        payable(1, 3_499),
        CommissionEvent::PaidOut(Payout {
            creator_id: CREATOR,
            payout_id: Uuid::from_u128(50),
            orders: vec![order(1)],
            payable: 3_499,
            clawed_back: 0,
            net: 3_499,
            at: due(),
        }),
        CommissionEvent::ClawedBack(returned(1, 7, vec![kimchi(30_000, 3_000)])),
        accrued(2),
        payable(2, 3_499),
    ];
    let spec = Commissions::given(&history[..4]);
    assert_eq!(spec.state().owed, 3_000);
    spec.when(pay_out(51))
        .then_error(CommissionError::NothingToPayOut);
    let reversed_first = CommissionEvent::Reversed(returned(2, 8, vec![kimchi(30_000, 3_000)]));
    let mut more = history[..5].to_vec();
    more.push(reversed_first);
    more.push(payable(2, 499));
    let decided = Commissions::given(&more).when(pay_out(51)).events();
    let [CommissionEvent::PaidOut(payout)] = decided.as_slice() else {
        panic!("{decided:?}");
    };
    assert_eq!(
        (payout.payable, payout.clawed_back, payout.net),
        (499, 499, 0)
    );
    let state = Commissions::given(&more).and([pay_out(51)]).state();
    assert_eq!(
        state.owed, 2_501,
        "what the payout could not deduct is still owed"
    );
    Commissions::given(&history)
        .when(pay_out(50))
        .then_error(CommissionError::PayoutExists);
}

#[derive(Debug, Clone)]
enum Op {
    Accrue(u128, i64, u32),
    MakePayable(u128),
    Return(u128, u128, i64),
    PayOut(u128),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u128..6, 0i64..100_000, 0u32..=10_000).prop_map(|(o, s, b)| Op::Accrue(o, s, b)),
        (0u128..6).prop_map(Op::MakePayable),
        (0u128..6, 0u128..20, 0i64..120_000).prop_map(|(o, r, a)| Op::Return(o, r, a)),
        (0u128..4).prop_map(Op::PayOut),
    ]
}

proptest! {
    /// Whatever accruals, returns and payouts arrive, in any order: paid-out
    /// net + held + payable − owed == accrued − reversed − clawed back, owed
    /// is never negative, and no line gives back more than its commission.
    #[test]
    fn the_ledger_balances(ops in prop::collection::vec(op(), 1..60)) {
        let mut state = CommissionsState::default();
        let (mut accrued, mut reversed, mut clawed) = (0i64, 0i64, 0i64);
        for op in ops {
            let command = match op {
                Op::Accrue(o, sales, bps) => CommissionCommand::Accrue(Box::new(Attributed {
                    lines: vec![
                        Sale { product_id: KIMCHI, sales, bps },
                        Sale { product_id: SAUCE, sales: sales / 3, bps: bps / 2 },
                    ],
                    ..attributed(o)
                })),
                Op::MakePayable(o) => make_payable(o),
                Op::Return(o, r, amount) => give_back(o, r, &[(KIMCHI, amount), (SAUCE, amount / 4)]),
                Op::PayOut(p) => pay_out(p),
            };
            let Ok(events) = Commissions::decide(&state, &command) else { continue };
            for event in &events {
                match event {
                    CommissionEvent::Accrued(a) => accrued += a.amount,
                    CommissionEvent::Reversed(r) => reversed += r.amount,
                    CommissionEvent::ClawedBack(r) => clawed += r.amount,
                    _ => {}
                }
            }
            state = events.iter().fold(state, Commissions::evolve);
            prop_assert!(state.owed >= 0);
            prop_assert_eq!(
                state.paid_out + state.held() + state.payable() - state.owed,
                accrued - reversed - clawed
            );
            for order in state.orders.values() {
                for (line, taken) in order.accrual.lines.iter().zip(&order.line_taken) {
                    prop_assert!(*taken <= line.commission && *taken >= 0);
                }
            }
        }
    }
}
