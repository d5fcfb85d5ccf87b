//! Pure, synchronous aggregates: no I/O, clocks, id generation or wire formats.

pub mod creator;
pub mod live;
pub mod matching;
pub mod studio;
mod text;
pub mod training;

pub use text::{Refusal, TextRule};
