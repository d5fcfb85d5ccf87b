//! Pure, synchronous aggregates: no I/O, clocks, id generation or wire formats.

pub mod collaboration;
pub mod commission;
pub mod creator;
mod labels;
pub mod live;
pub mod matching;
pub mod promotion;
pub mod studio;
mod text;
pub mod tie_in;
pub mod training;
pub mod video;
pub mod webhook;

pub use labels::{LabelsRefused, label, labels};
pub use text::{Refusal, TextRule};
