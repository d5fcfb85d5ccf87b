//! The order payment aggregate (stream `order-payment-<order uuid>`): the
//! voucher service's record of paying one storefront order from a citizen's
//! wallet. The wallet decides the money (hold, capture, void); this records
//! each attempt's outcome once, as the events the storefront follows.

mod decider;
#[cfg(test)]
mod refund_tests;
#[cfg(test)]
mod tests;

pub use decider::{
    Attempt, AttemptStatus, OrderPayment, PaymentCommand, PaymentError, PaymentEvent, PaymentState,
    RefundStatus,
};
