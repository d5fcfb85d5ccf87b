//! A collaboration between a merchant and a creator (stream
//! `collaboration-<id>`): proposed by one party, accepted or declined by the
//! other, ended by either, expired when unanswered or past its end. In the
//! delegated-selling mode it also holds the audit trail of every action the
//! creator takes on the merchant's behalf, each permitted by its terms
//! ([`Terms::permits`]) before it is recorded.

mod decider;
mod terms;
#[cfg(test)]
mod tests;

pub use decider::{
    AuditEntry, Collaboration, CollaborationCommand, CollaborationEvent, CollaborationState,
    Proposal, Status,
};
pub use terms::{
    Action, ActionKind, CollaborationError, Delegation, Mode, Party, RESPOND_WITHIN, SUMMARY,
    Scope, Terms,
};
