//! A creator's commissions: the ledger's commands and reads, the process
//! that follows the storefront's order events into it, and the index of
//! held commissions by the time they become payable.

mod due;
mod ledger;
mod process;
#[cfg(any(test, feature = "samples"))]
mod samples;

pub use due::{COMMISSIONS_DUE, CommissionsDue, DUE_TABLES};
pub use ledger::COMMISSIONS;
pub use process::{COMMISSION_ORDERS, OrderCommissions};
#[cfg(any(test, feature = "samples"))]
pub(super) use samples::samples;
