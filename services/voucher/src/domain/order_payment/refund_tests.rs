//! Refunds of the storefront's returns: recorded once per return, only on a
//! captured attempt.

use chrono::{DateTime, Utc};
use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::*;
use crate::domain::Won;

const ORDER: Uuid = Uuid::from_u128(1);
const MERCHANT: Uuid = Uuid::from_u128(2);
const PAYMENT: Uuid = Uuid::from_u128(101);

fn at() -> DateTime<Utc> {
    "2026-06-01T03:00:00Z".parse().unwrap()
}

fn held() -> PaymentEvent {
    PaymentEvent::Held {
        order_id: ORDER,
        merchant_id: MERCHANT,
        payment_id: PAYMENT,
        wallet_id: Uuid::from_u128(3),
        amount: Won(11_000),
        at: at(),
    }
}

fn captured() -> PaymentEvent {
    PaymentEvent::Captured {
        order_id: ORDER,
        merchant_id: MERCHANT,
        payment_id: PAYMENT,
        at: at(),
    }
}

fn refund(return_id: u128, payment_id: Uuid) -> PaymentCommand {
    PaymentCommand::RecordRefund {
        order_id: ORDER,
        payment_id,
        return_id: Uuid::from_u128(return_id),
        amount: Won(5_500),
        at: at(),
    }
}

fn refunded(return_id: u128) -> PaymentEvent {
    PaymentEvent::Refunded {
        order_id: ORDER,
        merchant_id: MERCHANT,
        payment_id: PAYMENT,
        return_id: Uuid::from_u128(return_id),
        amount: Won(5_500),
        at: at(),
    }
}

fn decline(return_id: u128) -> PaymentCommand {
    PaymentCommand::RecordRefundDecline {
        order_id: ORDER,
        payment_id: PAYMENT,
        return_id: Uuid::from_u128(return_id),
        code: "REFUND_WINDOW_CLOSED".into(),
        reason: "too late".into(),
        at: at(),
    }
}

#[test]
fn a_return_of_a_captured_payment_is_refunded_once() {
    OrderPayment::given([held(), captured()])
        .when(refund(9, PAYMENT))
        .then([refunded(9)]);
    let after = OrderPayment::given([held(), captured(), refunded(9)]);
    after.when(refund(9, PAYMENT)).then_nothing();
    after.when(decline(9)).then_nothing();
    // Another return of the same order is refunded on its own.
    after.when(refund(10, PAYMENT)).then([refunded(10)]);
    assert_eq!(
        after.state().refunds[&Uuid::from_u128(9)],
        RefundStatus::Refunded { amount: Won(5_500) }
    );
}

#[test]
fn a_declined_refund_is_recorded_with_its_code_and_not_answered_again() {
    let declined = OrderPayment::given([held(), captured()])
        .when(decline(9))
        .events();
    assert!(matches!(
        &declined[..],
        [PaymentEvent::RefundDeclined { code, merchant_id, .. }]
            if code == "REFUND_WINDOW_CLOSED" && *merchant_id == MERCHANT
    ));
    let mut history = vec![held(), captured()];
    history.extend(declined);
    OrderPayment::given(history)
        .when(refund(9, PAYMENT))
        .then_nothing();
}

#[test]
fn only_a_captured_attempt_is_refunded() {
    OrderPayment::given([held()])
        .when(refund(9, PAYMENT))
        .then_error(PaymentError::NotCaptured);
    OrderPayment::given([held(), captured()])
        .when(refund(9, Uuid::from_u128(102)))
        .then_error(PaymentError::NotCaptured);
    OrderPayment::given_nothing()
        .when(decline(9))
        .then_error(PaymentError::NotCaptured);
}
