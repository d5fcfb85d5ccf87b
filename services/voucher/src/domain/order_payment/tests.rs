//! Given events, when a command, then events or an error.

use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
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

fn when(
    history: &[PaymentEvent],
    command: PaymentCommand,
) -> Result<Vec<PaymentEvent>, PaymentError> {
    OrderPayment::decide(&OrderPayment::fold(history), &command)
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

fn after(commands: Vec<PaymentCommand>) -> Vec<PaymentEvent> {
    let mut history = Vec::new();
    for command in commands {
        history.extend(when(&history, command).unwrap());
    }
    history
}

#[test]
fn a_hold_is_recorded_once_however_often_it_is_reported() {
    let history = after(vec![hold(1)]);
    assert_eq!(history.len(), 1);
    assert_eq!(when(&history, hold(1)), Ok(vec![]));
    let state = OrderPayment::fold(&history);
    assert_eq!(state.held().map(|a| a.wallet_id), Some(Some(WALLET)));
}

#[test]
fn a_held_attempt_is_captured_or_voided_once() {
    let captured = after(vec![hold(1), capture(1)]);
    assert!(matches!(
        captured.last(),
        Some(PaymentEvent::Captured { merchant_id, .. }) if *merchant_id == MERCHANT
    ));
    assert_eq!(when(&captured, capture(1)), Ok(vec![]));
    assert_eq!(when(&captured, void(1)), Err(PaymentError::NotHeld));
    let voided = after(vec![hold(1), void(1)]);
    assert_eq!(when(&voided, void(1)), Ok(vec![]));
    assert_eq!(when(&voided, capture(1)), Err(PaymentError::NotHeld));
    assert_eq!(when(&[], capture(1)), Err(PaymentError::NotHeld));
}

#[test]
fn a_decline_is_an_outcome_and_a_new_attempt_may_follow() {
    let declined = after(vec![decline(1, "INSUFFICIENT_BALANCE")]);
    assert_eq!(
        when(&declined, decline(1, "INSUFFICIENT_BALANCE")),
        Ok(vec![])
    );
    assert_eq!(OrderPayment::fold(&declined).held(), None);
    let retried = after(vec![
        decline(1, "INSUFFICIENT_BALANCE"),
        hold(2),
        capture(2),
    ]);
    assert_eq!(
        OrderPayment::fold(&retried).attempt.map(|a| a.status),
        Some(AttemptStatus::Captured)
    );
}

#[test]
fn a_failed_capture_declines_the_held_attempt_but_a_settled_one_stays() {
    let history = after(vec![hold(1), decline(1, "HOLD_EXPIRED")]);
    let state = OrderPayment::fold(&history);
    assert!(matches!(
        state.attempt.map(|a| (a.status, a.wallet_id)),
        Some((AttemptStatus::Declined { code, .. }, Some(WALLET))) if code == "HOLD_EXPIRED"
    ));
    let captured = after(vec![hold(1), capture(1)]);
    assert_eq!(
        when(&captured, decline(1, "HOLD_EXPIRED")),
        Err(PaymentError::Settled)
    );
}
