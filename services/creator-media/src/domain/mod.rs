//! Pure, synchronous aggregates: no I/O, clocks, id generation or wire formats.

pub mod creator;
pub mod studio;
mod text;
pub mod webhook;

pub use text::{Refusal, TextRule};
