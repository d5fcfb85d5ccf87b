//! Pure, synchronous aggregates: no I/O, clocks, id generation or wire formats.

mod calendar;
pub mod case;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod fraud;
pub mod ledger;
mod money;
pub mod order_payment;
pub mod programme;
pub mod settlement;
pub mod wallet;

pub use calendar::{BusinessCalendar, YearMonth, seoul_date};
pub use money::{Bps, Rounding, Won};
