//! The programme aggregate (stream `programme-<uuid>`): one issuer's voucher terms
//! and its subsidy budget, which purchases commit and refunds release. The budget
//! is the consistency boundary that makes over-spending impossible: every
//! discount is committed here before a wallet is credited (ADR 0005).

mod decider;
mod errors;
mod state;
#[cfg(test)]
mod tests;

pub use decider::{MAX_AMOUNT, MAX_TEXT, Programme};
pub use errors::ProgrammeError;
pub use state::{
    FeeTiers, Ineligible, MerchantFacts, ProgrammeCommand, ProgrammeEvent, ProgrammeState,
    RevenueTier, Terms,
};
