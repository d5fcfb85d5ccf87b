//! Given events, when a command, then events or an error.

use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::*;
use crate::domain::Won;

const ORDER: Uuid = Uuid::from_u128(1);
const MERCHANT: Uuid = Uuid::from_u128(2);
const WALLET: Uuid = Uuid::from_u128(3);

fn at() -> DateTime<Utc> {
    "2026-06-01T03:00:00Z".parse().unwrap()
}

fn attempt(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

fn hold(n: u128) -> PaymentCommand {
    PaymentCommand::RecordHold {
        order_id: ORDER,
        merchant_id: MERCHANT,
        payment_id: attempt(n),
        wallet_id: WALLET,
        amount: Won(11_000),
        at: at(),
    }
}

fn decline(n: u128, code: &str) -> PaymentCommand {
    PaymentCommand::RecordDecline {
        order_id: ORDER,
        merchant_id: MERCHANT,
        payment_id: attempt(n),
        code: code.into(),
        reason: "the wallet has 5000 won available".into(),
        at: at(),
    }
}

fn capture(n: u128) -> PaymentCommand {
    PaymentCommand::RecordCapture {
        order_id: ORDER,
        payment_id: attempt(n),
        at: at(),
    }
}

fn void(n: u128) -> PaymentCommand {
    PaymentCommand::RecordVoid {
        order_id: ORDER,
        payment_id: attempt(n),
        at: at(),
    }
}

#[test]
fn a_hold_is_recorded_once_however_often_it_is_reported() {
    let history = OrderPayment::given_nothing().and(vec![hold(1)]).history();
    assert_eq!(history.len(), 1);
    OrderPayment::given(&history).when(hold(1)).then_nothing();
    let state = OrderPayment::fold(&history);
    assert_eq!(state.held().map(|a| a.wallet_id), Some(Some(WALLET)));
}

#[test]
fn a_held_attempt_is_captured_or_voided_once() {
    let captured = OrderPayment::given_nothing()
        .and(vec![hold(1), capture(1)])
        .history();
    assert!(matches!(
        captured.last(),
        Some(PaymentEvent::Captured { merchant_id, .. }) if *merchant_id == MERCHANT
    ));
    OrderPayment::given(&captured)
        .when(capture(1))
        .then_nothing();
    OrderPayment::given(&captured)
        .when(void(1))
        .then_error(PaymentError::NotHeld);
    let voided = OrderPayment::given_nothing()
        .and(vec![hold(1), void(1)])
        .history();
    OrderPayment::given(&voided).when(void(1)).then_nothing();
    OrderPayment::given(&voided)
        .when(capture(1))
        .then_error(PaymentError::NotHeld);
    OrderPayment::given_nothing()
        .when(capture(1))
        .then_error(PaymentError::NotHeld);
}

#[test]
fn a_decline_is_an_outcome_and_a_new_attempt_may_follow() {
    let declined = OrderPayment::given_nothing()
        .and(vec![decline(1, "INSUFFICIENT_BALANCE")])
        .history();
    OrderPayment::given(&declined)
        .when(decline(1, "INSUFFICIENT_BALANCE"))
        .then_nothing();
    assert_eq!(OrderPayment::fold(&declined).held(), None);
    let retried = OrderPayment::given_nothing()
        .and(vec![
            decline(1, "INSUFFICIENT_BALANCE"),
            hold(2),
            capture(2),
        ])
        .history();
    assert_eq!(
        OrderPayment::fold(&retried).attempt.map(|a| a.status),
        Some(AttemptStatus::Captured)
    );
}

#[test]
fn a_failed_capture_declines_the_held_attempt_but_a_settled_one_stays() {
    let history = OrderPayment::given_nothing()
        .and(vec![hold(1), decline(1, "HOLD_EXPIRED")])
        .history();
    let state = OrderPayment::fold(&history);
    assert!(matches!(
        state.attempt.map(|a| (a.status, a.wallet_id)),
        Some((AttemptStatus::Declined { code, .. }, Some(WALLET))) if code == "HOLD_EXPIRED"
    ));
    let captured = OrderPayment::given_nothing()
        .and(vec![hold(1), capture(1)])
        .history();
    OrderPayment::given(&captured)
        .when(decline(1, "HOLD_EXPIRED"))
        .then_error(PaymentError::Settled);
}
