//! Pure, synchronous aggregates: no I/O, clocks, id generation or wire formats.

pub mod collaboration;
pub mod creator;
pub mod studio;
mod text;

pub use text::{Refusal, TextRule};
