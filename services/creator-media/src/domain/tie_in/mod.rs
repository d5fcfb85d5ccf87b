//! Event tie-ins (stream `tie-in-<id>`), such as "MAMA 2026": a period, a
//! filter of tags, categories and regions, and the one partner allowed to
//! read the promotions it includes (the contract's
//! `TieInCreatedV1::includes`).

mod decider;
#[cfg(test)]
mod tests;

pub use decider::{TieIn, TieInCommand, TieInCreated, TieInError, TieInEvent, TieInState};
