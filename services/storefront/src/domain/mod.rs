//! Pure, synchronous aggregates: no I/O, clocks, id generation or wire formats.

pub mod business_number;
mod calendar;
pub mod merchant;
mod money;
pub mod shop;
mod text;

pub use calendar::{full_years, seoul_date};
pub use money::Won;
pub use text::TextProblem;
