//! A creator's commissions (stream `commissions-<creator id>`): one aggregate
//! per creator, so its balance and a payout change together. An attributed
//! order's commission accrues when the order is paid and is held until its
//! return window ends, then becomes payable; a return takes back the returned
//! lines' share (reversed while held, clawed back once payable or paid out,
//! from the next payout); a payout settles everything payable, less what is
//! owed, and carries over what it cannot deduct.

mod decider;
#[cfg(test)]
mod tests;

pub use decider::{
    Accrual, Attributed, CommissionCommand, CommissionError, CommissionEvent, CommissionStatus,
    Commissions, CommissionsState, Line, OrderCommission, Payout, Returned, ReturnedSale, Sale,
};
