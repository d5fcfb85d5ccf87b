//! The fraud case aggregate (stream `case-<uuid>`): opened by a fraud rule hit,
//! decided by an official, who may suspend the merchant from the programme.

mod decider;
#[cfg(test)]
mod tests;

pub use decider::{Case, CaseCommand, CaseError, CaseEvent, CaseInfo, CaseState, CaseStatus};
