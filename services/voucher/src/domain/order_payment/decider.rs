use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use crate::domain::Won;

/// Where the current attempt stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptStatus {
    Held,
    Declined { code: String, reason: String },
    Captured,
    Voided,
}

/// One attempt to pay the order (the storefront names it; the wallet's hold
/// carries the same id as its redemption id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub payment_id: Uuid,
    pub merchant_id: Uuid,
    /// The wallet holding the amount; `None` when declined before a hold.
    pub wallet_id: Option<Uuid>,
    pub status: AttemptStatus,
}

/// What became of refunding one of the order's returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStatus {
    Refunded { amount: Won },
    Declined { code: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentState {
    /// The latest attempt.
    pub attempt: Option<Attempt>,
    /// The storefront's returns answered so far, by return id.
    pub refunds: BTreeMap<Uuid, RefundStatus>,
}

impl PaymentState {
    /// The held attempt, if the latest one is held.
    pub fn held(&self) -> Option<&Attempt> {
        self.attempt
            .as_ref()
            .filter(|a| a.status == AttemptStatus::Held)
    }

    /// The captured attempt, if the latest one was captured.
    pub fn captured(&self) -> Option<&Attempt> {
        self.attempt
            .as_ref()
            .filter(|a| a.status == AttemptStatus::Captured)
    }
}

#[derive(Debug, Clone)]
pub enum PaymentCommand {
    /// The wallet holds `amount` for attempt `payment_id`.
    RecordHold {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        wallet_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    /// Attempt `payment_id` was declined (before a hold, or when its capture failed).
    RecordDecline {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        code: String,
        reason: String,
        at: DateTime<Utc>,
    },
    RecordCapture {
        order_id: Uuid,
        payment_id: Uuid,
        at: DateTime<Utc>,
    },
    RecordVoid {
        order_id: Uuid,
        payment_id: Uuid,
        at: DateTime<Utc>,
    },
    /// The wallet refunded `amount` of the captured attempt for the
    /// storefront's return `return_id`.
    RecordRefund {
        order_id: Uuid,
        payment_id: Uuid,
        return_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    /// The wallet refused to refund the storefront's return `return_id`.
    RecordRefundDecline {
        order_id: Uuid,
        payment_id: Uuid,
        return_id: Uuid,
        code: String,
        reason: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum PaymentEvent {
    Held {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        wallet_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    Declined {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        code: String,
        reason: String,
        at: DateTime<Utc>,
    },
    Captured {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        at: DateTime<Utc>,
    },
    Voided {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        at: DateTime<Utc>,
    },
    Refunded {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        return_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
    },
    RefundDeclined {
        order_id: Uuid,
        merchant_id: Uuid,
        payment_id: Uuid,
        return_id: Uuid,
        code: String,
        reason: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("the order's payment attempt is not held")]
    NotHeld,
    #[error("the order's payment attempt was already captured or voided")]
    Settled,
    #[error("the order's payment attempt was not captured; there is nothing to refund")]
    NotCaptured,
}

impl PaymentError {
    pub fn code(&self) -> &'static str {
        match self {
            PaymentError::NotHeld => "PAYMENT_NOT_HELD",
            PaymentError::Settled => "PAYMENT_SETTLED",
            PaymentError::NotCaptured => "PAYMENT_NOT_CAPTURED",
        }
    }
}

/// The order payment aggregate. Every command is idempotent: recording an
/// outcome the attempt already has writes nothing.
pub struct OrderPayment;

impl Decider for OrderPayment {
    type State = PaymentState;
    type Command = PaymentCommand;
    type Event = PaymentEvent;
    type Error = PaymentError;

    fn decide(
        state: &PaymentState,
        command: &PaymentCommand,
    ) -> Result<Vec<PaymentEvent>, PaymentError> {
        let same = |id: &Uuid| state.attempt.as_ref().filter(|a| a.payment_id == *id);
        match command {
            PaymentCommand::RecordHold {
                order_id,
                merchant_id,
                payment_id,
                wallet_id,
                amount,
                at,
            } => Ok(if same(payment_id).is_some() {
                Vec::new()
            } else {
                vec![PaymentEvent::Held {
                    order_id: *order_id,
                    merchant_id: *merchant_id,
                    payment_id: *payment_id,
                    wallet_id: *wallet_id,
                    amount: *amount,
                    at: *at,
                }]
            }),
            PaymentCommand::RecordDecline {
                order_id,
                merchant_id,
                payment_id,
                code,
                reason,
                at,
            } => {
                match same(payment_id).map(|a| &a.status) {
                    Some(AttemptStatus::Declined { .. }) => return Ok(Vec::new()),
                    Some(AttemptStatus::Captured | AttemptStatus::Voided) => {
                        return Err(PaymentError::Settled);
                    }
                    Some(AttemptStatus::Held) | None => {}
                }
                Ok(vec![PaymentEvent::Declined {
                    order_id: *order_id,
                    merchant_id: *merchant_id,
                    payment_id: *payment_id,
                    code: code.clone(),
                    reason: reason.clone(),
                    at: *at,
                }])
            }
            PaymentCommand::RecordCapture {
                order_id,
                payment_id,
                at,
            }
            | PaymentCommand::RecordVoid {
                order_id,
                payment_id,
                at,
            } => {
                let capture = matches!(command, PaymentCommand::RecordCapture { .. });
                let attempt = same(payment_id).ok_or(PaymentError::NotHeld)?;
                match (&attempt.status, capture) {
                    (AttemptStatus::Captured, true) | (AttemptStatus::Voided, false) => {
                        return Ok(Vec::new());
                    }
                    (AttemptStatus::Held, _) => {}
                    _ => return Err(PaymentError::NotHeld),
                }
                let (order_id, merchant_id, payment_id, at) =
                    (*order_id, attempt.merchant_id, *payment_id, *at);
                Ok(vec![if capture {
                    PaymentEvent::Captured {
                        order_id,
                        merchant_id,
                        payment_id,
                        at,
                    }
                } else {
                    PaymentEvent::Voided {
                        order_id,
                        merchant_id,
                        payment_id,
                        at,
                    }
                }])
            }
            PaymentCommand::RecordRefund {
                order_id,
                payment_id,
                return_id,
                amount,
                at,
            } => answer_refund(state, *payment_id, *return_id, |merchant_id| {
                PaymentEvent::Refunded {
                    order_id: *order_id,
                    merchant_id,
                    payment_id: *payment_id,
                    return_id: *return_id,
                    amount: *amount,
                    at: *at,
                }
            }),
            PaymentCommand::RecordRefundDecline {
                order_id,
                payment_id,
                return_id,
                code,
                reason,
                at,
            } => answer_refund(state, *payment_id, *return_id, |merchant_id| {
                PaymentEvent::RefundDeclined {
                    order_id: *order_id,
                    merchant_id,
                    payment_id: *payment_id,
                    return_id: *return_id,
                    code: code.clone(),
                    reason: reason.clone(),
                    at: *at,
                }
            }),
        }
    }

    fn evolve(mut state: PaymentState, event: &PaymentEvent) -> PaymentState {
        match event {
            PaymentEvent::Held {
                merchant_id,
                payment_id,
                wallet_id,
                ..
            } => {
                state.attempt = Some(Attempt {
                    payment_id: *payment_id,
                    merchant_id: *merchant_id,
                    wallet_id: Some(*wallet_id),
                    status: AttemptStatus::Held,
                });
            }
            PaymentEvent::Declined {
                merchant_id,
                payment_id,
                code,
                reason,
                ..
            } => {
                let wallet_id = state
                    .attempt
                    .as_ref()
                    .filter(|a| a.payment_id == *payment_id)
                    .and_then(|a| a.wallet_id);
                state.attempt = Some(Attempt {
                    payment_id: *payment_id,
                    merchant_id: *merchant_id,
                    wallet_id,
                    status: AttemptStatus::Declined {
                        code: code.clone(),
                        reason: reason.clone(),
                    },
                });
            }
            PaymentEvent::Captured { payment_id, .. } | PaymentEvent::Voided { payment_id, .. } => {
                if let Some(attempt) = state
                    .attempt
                    .as_mut()
                    .filter(|a| a.payment_id == *payment_id)
                {
                    attempt.status = if matches!(event, PaymentEvent::Captured { .. }) {
                        AttemptStatus::Captured
                    } else {
                        AttemptStatus::Voided
                    };
                }
            }
            PaymentEvent::Refunded {
                return_id, amount, ..
            } => {
                state
                    .refunds
                    .insert(*return_id, RefundStatus::Refunded { amount: *amount });
            }
            PaymentEvent::RefundDeclined {
                return_id, code, ..
            } => {
                state
                    .refunds
                    .insert(*return_id, RefundStatus::Declined { code: code.clone() });
            }
        }
        state
    }
}

/// The answer about refunding return `return_id` of the captured attempt
/// `payment_id`, made by `event` from the attempt's merchant; nothing when
/// the return was answered before.
fn answer_refund(
    state: &PaymentState,
    payment_id: Uuid,
    return_id: Uuid,
    event: impl FnOnce(Uuid) -> PaymentEvent,
) -> Result<Vec<PaymentEvent>, PaymentError> {
    if state.refunds.contains_key(&return_id) {
        return Ok(Vec::new());
    }
    let attempt = state
        .attempt
        .as_ref()
        .filter(|a| a.payment_id == payment_id && a.status == AttemptStatus::Captured)
        .ok_or(PaymentError::NotCaptured)?;
    Ok(vec![event(attempt.merchant_id)])
}
