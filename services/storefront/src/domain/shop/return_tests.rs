//! Returns, given/when/then: the window, quantities across partial returns,
//! orders that are not returnable, a full return, and refunds.

use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::domain::Won;
use crate::domain::merchant::MerchantStanding;

const ORDER: Uuid = Uuid::from_u128(500);
const PAYMENT: Uuid = Uuid::from_u128(800);

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn confirmed_at() -> DateTime<Utc> {
    at("2024-06-01T03:00:00Z")
}

fn product_id(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

fn window() -> TimeDelta {
    TimeDelta::days(14)
}

/// Products #1 (5,000 won, 10 units) and #2 (12,000 won, 3 units), an
/// order of 4 × #1 and 2 × #2 paid by `method`, confirmed (and for a
/// voucher, held then captured).
fn confirmed(method: PaymentMethod) -> Vec<ShopEvent> {
    let mut commands = Vec::new();
    for (n, price, stock) in [(1, 5_000, 10), (2, 12_000, 3)] {
        commands.push(ShopCommand::AddProduct(NewProduct {
            product_id: product_id(n),
            merchant_id: Uuid::from_u128(1),
            merchant: MerchantStanding::Active,
            name: format!("상품 {n}"),
            description: String::new(),
            price,
            stock,
            at: confirmed_at(),
        }));
        commands.push(ShopCommand::Publish {
            product_id: product_id(n),
            at: confirmed_at(),
        });
    }
    commands.push(ShopCommand::PlaceOrder(OrderRequest {
        order_id: ORDER,
        merchant_id: Uuid::from_u128(1),
        merchant: MerchantStanding::Active,
        buyer: "citizen-1".into(),
        lines: vec![
            LineRequest {
                product_id: product_id(1),
                quantity: 4,
            },
            LineRequest {
                product_id: product_id(2),
                quantity: 2,
            },
        ],
        payment: method,
        source: OrderSource::default(),
        at: confirmed_at(),
    }));
    commands.extend(paid_and_confirmed(method));
    Shop::given_nothing().and(commands).history()
}

fn paid_and_confirmed(method: PaymentMethod) -> Vec<ShopCommand> {
    let confirm = ShopCommand::ConfirmOrder {
        order_id: ORDER,
        at: confirmed_at(),
    };
    let answer = |outcome| ShopCommand::RecordPayment {
        order_id: ORDER,
        payment_id: PAYMENT,
        outcome,
        at: confirmed_at(),
    };
    match method {
        PaymentMethod::Card => vec![confirm],
        PaymentMethod::Voucher => vec![
            ShopCommand::RequestVoucherPayment {
                order_id: ORDER,
                programme_id: Uuid::from_u128(700),
                payment_id: PAYMENT,
                at: confirmed_at(),
            },
            answer(PaymentOutcome::Held),
            confirm,
            answer(PaymentOutcome::Paid),
        ],
    }
}

fn return_of(id: u128, lines: &[(u128, i64)], when: DateTime<Utc>) -> ShopCommand {
    ShopCommand::ReturnLines {
        order_id: ORDER,
        return_id: Uuid::from_u128(900 + id),
        lines: lines
            .iter()
            .map(|(n, quantity)| LineRequest {
                product_id: product_id(*n),
                quantity: *quantity,
            })
            .collect(),
        reason: "포장 파손".into(),
        window: window(),
        at: when,
    }
}

fn returned(id: u128, lines: &[(u128, u64, i64)], when: DateTime<Utc>) -> ShopEvent {
    ShopEvent::OrderLinesReturned(OrderLinesReturned {
        order_id: ORDER,
        return_id: Uuid::from_u128(900 + id),
        lines: lines
            .iter()
            .map(|(n, quantity, amount)| ReturnedLine {
                product_id: product_id(*n),
                quantity: *quantity,
                amount: Won(*amount),
            })
            .collect(),
        amount: Won(lines.iter().map(|l| l.2).sum()),
        reason: "포장 파손".into(),
        at: when,
    })
}

fn available(state: &ShopState, n: u128) -> u64 {
    state.products[&product_id(n)].available()
}

#[test]
fn a_return_is_worth_the_order_price_and_makes_its_units_available_again() {
    let history = confirmed(PaymentMethod::Card);
    let later = confirmed_at() + TimeDelta::days(3);
    let before = Shop::given(&history).state();
    assert_eq!((available(&before, 1), available(&before, 2)), (6, 1));
    let decision = Shop::given(&history).when(return_of(1, &[(1, 1), (2, 1)], later));
    let state = decision.state();
    // The order's prices, not the catalogue's current ones.
    Shop::given(&history)
        .when(return_of(1, &[(1, 1), (2, 1)], later))
        .then([returned(1, &[(1, 1, 5_000), (2, 1, 12_000)], later)]);
    assert_eq!((available(&state, 1), available(&state, 2)), (7, 2));
    let order = &state.orders[&ORDER];
    assert_eq!(order.returns.len(), 1);
    assert_eq!(order.returns[0].amount, Won(17_000));
    assert_eq!(order.returns[0].refund, Refund::NotApplicable);
}

#[test]
fn the_window_closes_the_configured_days_after_confirmation() {
    let history = confirmed(PaymentMethod::Card);
    let last = confirmed_at() + window();
    Shop::given(&history)
        .when(return_of(1, &[(1, 1)], last))
        .then([returned(1, &[(1, 1, 5_000)], last)]);
    Shop::given(&history)
        .when(return_of(1, &[(1, 1)], last + TimeDelta::seconds(1)))
        .then_error(ShopError::ReturnWindowClosed { days: 14 });
}

#[test]
fn partial_returns_never_exceed_what_was_bought() {
    let later = confirmed_at() + TimeDelta::days(1);
    let spec = Shop::given(confirmed(PaymentMethod::Card)).and([
        return_of(1, &[(1, 1)], later),
        return_of(2, &[(1, 2)], later),
    ]);
    assert_eq!(spec.state().orders[&ORDER].returned(product_id(1)), 3);
    spec.when(return_of(3, &[(2, 1), (1, 2)], later))
        .then_error(ShopError::ReturnQuantityExceeded {
            line: 1,
            returnable: 1,
        });
    spec.when(return_of(3, &[(1, 1)], later))
        .then([returned(3, &[(1, 1, 5_000)], later)]);
    // The same return again changes nothing.
    spec.when(return_of(2, &[(1, 2)], later)).then_nothing();
}

#[test]
fn a_full_return_gives_back_every_remaining_unit_and_nothing_more() {
    let later = confirmed_at() + TimeDelta::days(1);
    let spec = Shop::given(confirmed(PaymentMethod::Card)).and([
        return_of(1, &[(2, 1)], later),
        return_of(2, &[(1, 4), (2, 1)], later),
    ]);
    let state = spec.state();
    assert_eq!((available(&state, 1), available(&state, 2)), (10, 3));
    let amounts: Vec<Won> = state.orders[&ORDER]
        .returns
        .iter()
        .map(|r| r.amount)
        .collect();
    assert_eq!(amounts, [Won(12_000), Won(32_000)]);
    spec.when(return_of(3, &[(1, 1)], later))
        .then_error(ShopError::ReturnQuantityExceeded {
            line: 0,
            returnable: 0,
        });
}

#[test]
fn only_a_confirmed_order_whose_payment_was_captured_is_returnable() {
    let later = confirmed_at() + TimeDelta::days(1);
    let card = confirmed(PaymentMethod::Card);
    let placed = &card[..card.len() - 1];
    Shop::given(placed)
        .when(return_of(1, &[(1, 1)], later))
        .then_error(ShopError::OrderNotReturnable);
    let voucher = confirmed(PaymentMethod::Voucher);
    // Confirmed, but the capture has not been answered yet.
    let held = &voucher[..voucher.len() - 1];
    Shop::given(held)
        .when(return_of(1, &[(1, 1)], later))
        .then_error(ShopError::OrderNotReturnable);
    let cancelled = Shop::given(placed)
        .and([ShopCommand::CancelOrder {
            order_id: ORDER,
            reason: "변심".into(),
            at: later,
        }])
        .history();
    Shop::given(cancelled)
        .when(return_of(1, &[(1, 1)], later))
        .then_error(ShopError::OrderNotReturnable);
    Shop::given(&card[..4])
        .when(return_of(1, &[(1, 1)], later))
        .then_error(ShopError::OrderNotFound);
}

#[test]
fn return_lines_are_validated_with_their_index() {
    let later = confirmed_at() + TimeDelta::days(1);
    let spec = Shop::given(confirmed(PaymentMethod::Card));
    spec.when(return_of(1, &[], later))
        .then_error(ShopError::NoLines);
    spec.when(return_of(1, &[(1, 1), (3, 1)], later))
        .then_error(ShopError::OrderLineNotFound { line: 1 });
    spec.when(return_of(1, &[(1, 0)], later))
        .then_error(ShopError::QuantityNotPositive { line: 0 });
    spec.when(return_of(1, &[(1, 1), (1, 1)], later))
        .then_error(ShopError::DuplicateLine { line: 1 });
    spec.when(return_of(1, &[(2, 3)], later))
        .then_error(ShopError::ReturnQuantityExceeded {
            line: 0,
            returnable: 2,
        });
    let mut blank = return_of(1, &[(1, 1)], later);
    if let ShopCommand::ReturnLines { reason, .. } = &mut blank {
        reason.clear();
    }
    assert_eq!(spec.when(blank).error().code(), "FIELD_REQUIRED");
}

#[test]
fn a_voucher_return_waits_for_its_refund_which_is_recorded_once() {
    let later = confirmed_at() + TimeDelta::days(1);
    let spec = Shop::given(confirmed(PaymentMethod::Voucher)).and([return_of(1, &[(1, 2)], later)]);
    assert_eq!(
        spec.state().orders[&ORDER].returns[0].refund,
        Refund::Pending
    );
    let refund = |id: u128| ShopCommand::RecordRefund {
        order_id: ORDER,
        return_id: Uuid::from_u128(900 + id),
        outcome: RefundOutcome::Refunded {
            amount: Won(10_000),
        },
        at: later,
    };
    let refunded = spec.clone_with([refund(1)]);
    assert_eq!(
        refunded.state().orders[&ORDER].returns[0].refund,
        Refund::Refunded { at: later }
    );
    refunded.when(refund(1)).then_nothing();
    spec.when(refund(2)).then_error(ShopError::ReturnNotFound);
    let declined = ShopCommand::RecordRefund {
        order_id: ORDER,
        return_id: Uuid::from_u128(901),
        outcome: RefundOutcome::Declined(PaymentDecline {
            code: "REFUND_WINDOW_CLOSED".into(),
            reason: "too late".into(),
        }),
        at: later,
    };
    let refused = spec.clone_with([declined.clone()]);
    assert!(matches!(
        &refused.state().orders[&ORDER].returns[0].refund,
        Refund::Declined { code, .. } if code == "REFUND_WINDOW_CLOSED"
    ));
    refused.when(refund(1)).then_nothing();
}

trait CloneWith {
    fn clone_with(&self, commands: impl IntoIterator<Item = ShopCommand>) -> Self;
}

impl CloneWith for golmok_kernel::testing::DeciderSpec<Shop> {
    fn clone_with(&self, commands: impl IntoIterator<Item = ShopCommand>) -> Self {
        Shop::given(self.history()).and(commands)
    }
}

proptest! {
    /// Whatever returns are asked for, in any order: no line ever has more
    /// returned than bought, and each product's available units went up by
    /// exactly the units returned.
    #[test]
    fn returned_never_exceeds_bought_and_stock_comes_back_unit_for_unit(
        asks in prop::collection::vec(
            prop::collection::vec((1u128..=3, -1i64..=5), 0..3),
            1..12,
        )
    ) {
        let later = confirmed_at() + TimeDelta::days(2);
        let mut history = confirmed(PaymentMethod::Card);
        let start = Shop::fold(&history);
        for (index, lines) in asks.iter().enumerate() {
            let command = return_of(index as u128, lines, later);
            if let Ok(events) = Shop::decide(&Shop::fold(&history), &command) {
                history.extend(events);
            }
        }
        let state = Shop::fold(&history);
        let order = &state.orders[&ORDER];
        for line in &order.lines {
            let back = order.returned(line.product_id);
            prop_assert!(back <= line.quantity);
            let n = line.product_id.as_u128() - 100;
            prop_assert_eq!(available(&state, n), available(&start, n) + back);
        }
        let total: i64 = order.returns.iter().map(|r| r.amount.0).sum();
        let worth: i64 = order
            .lines
            .iter()
            .map(|l| l.unit_price.0 * order.returned(l.product_id) as i64)
            .sum();
        prop_assert_eq!(total, worth);
    }
}
