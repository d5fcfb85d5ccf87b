use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::terms::{Action, CollaborationError, Party, SUMMARY, Terms};

/// A collaboration: stream `collaboration-<id>`.
pub struct Collaboration;

/// A proposal as made: who, with whom, on which terms, answered by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub collaboration_id: Uuid,
    pub merchant_id: Uuid,
    pub creator_id: Uuid,
    /// The token subject of the creator's owner, when it registered itself.
    pub creator_owner: Option<String>,
    pub proposed_by: Party,
    pub terms: Terms,
    pub respond_by: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Proposed,
    Active,
    Declined,
    Ended,
    Expired,
}

/// One action taken on the merchant's behalf: asked for, then its outcome
/// (`None` while there is none; `Some(None)` done, `Some(Some(code))` refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub entry_id: Uuid,
    pub action: Action,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub outcome: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollaborationState {
    /// `None` until proposed.
    pub proposal: Option<(Proposal, Status)>,
    /// When the proposal was made or its status last changed.
    pub updated_at: Option<DateTime<Utc>>,
    pub entries: BTreeMap<Uuid, AuditEntry>,
}

impl CollaborationState {
    pub fn status(&self) -> Option<Status> {
        self.proposal.as_ref().map(|(_, status)| *status)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CollaborationCommand {
    Propose(Proposal),
    Accept {
        by: Party,
        at: DateTime<Utc>,
    },
    Decline {
        by: Party,
        at: DateTime<Utc>,
    },
    End {
        by: Party,
        at: DateTime<Utc>,
    },
    /// Expires it if it is due (unanswered by `respond_by`, or active past
    /// `ends`); nothing when it is over already.
    Expire {
        at: DateTime<Utc>,
    },
    RequestAction {
        entry_id: Uuid,
        action: Action,
        actor: String,
        at: DateTime<Utc>,
    },
    CompleteAction {
        entry_id: Uuid,
        error_code: Option<String>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CollaborationEvent {
    Proposed {
        proposal: Proposal,
    },
    Accepted {
        by: Party,
        at: DateTime<Utc>,
    },
    Declined {
        by: Party,
        at: DateTime<Utc>,
    },
    Ended {
        by: Party,
        at: DateTime<Utc>,
    },
    Expired {
        at: DateTime<Utc>,
    },
    ActionRequested {
        entry_id: Uuid,
        action: Action,
        actor: String,
        at: DateTime<Utc>,
    },
    ActionCompleted {
        entry_id: Uuid,
        error_code: Option<String>,
        at: DateTime<Utc>,
    },
}

/// The proposal and status, or `NotFound`.
fn existing(state: &CollaborationState) -> Result<(&Proposal, Status), CollaborationError> {
    state
        .proposal
        .as_ref()
        .map(|(proposal, status)| (proposal, *status))
        .ok_or(CollaborationError::NotFound)
}

/// A proposal waiting for `by`'s answer at `at`.
fn answerable(
    state: &CollaborationState,
    by: Party,
    at: DateTime<Utc>,
) -> Result<(), CollaborationError> {
    let (proposal, status) = existing(state)?;
    if status != Status::Proposed || at >= proposal.respond_by {
        return Err(CollaborationError::NotProposed);
    }
    if by == proposal.proposed_by {
        return Err(CollaborationError::NotTheCounterparty);
    }
    Ok(())
}

impl Decider for Collaboration {
    type State = CollaborationState;
    type Command = CollaborationCommand;
    type Event = CollaborationEvent;
    type Error = CollaborationError;

    fn decide(
        state: &CollaborationState,
        command: &CollaborationCommand,
    ) -> Result<Vec<CollaborationEvent>, CollaborationError> {
        use CollaborationEvent as E;
        match command {
            CollaborationCommand::Propose(proposal) => match &state.proposal {
                Some((existing, _)) if existing == proposal => Ok(Vec::new()),
                Some(_) => Err(CollaborationError::AlreadyExists),
                None => {
                    proposal.terms.check(proposal.at)?;
                    if proposal.respond_by <= proposal.at
                        || proposal.respond_by > proposal.terms.ends
                    {
                        return Err(CollaborationError::RespondByInvalid);
                    }
                    Ok(vec![E::Proposed {
                        proposal: proposal.clone(),
                    }])
                }
            },
            CollaborationCommand::Accept { by, at } => {
                answerable(state, *by, *at)?;
                Ok(vec![E::Accepted { by: *by, at: *at }])
            }
            CollaborationCommand::Decline { by, at } => {
                answerable(state, *by, *at)?;
                Ok(vec![E::Declined { by: *by, at: *at }])
            }
            CollaborationCommand::End { by, at } => match existing(state)?.1 {
                Status::Active => Ok(vec![E::Ended { by: *by, at: *at }]),
                _ => Err(CollaborationError::NotActive),
            },
            CollaborationCommand::Expire { at } => {
                let (proposal, status) = existing(state)?;
                match status {
                    Status::Proposed if *at >= proposal.respond_by => {
                        Ok(vec![E::Expired { at: *at }])
                    }
                    Status::Active if *at >= proposal.terms.ends => {
                        Ok(vec![E::Expired { at: *at }])
                    }
                    Status::Declined | Status::Ended | Status::Expired => Ok(Vec::new()),
                    Status::Proposed | Status::Active => Err(CollaborationError::NotDue),
                }
            }
            CollaborationCommand::RequestAction {
                entry_id,
                action,
                actor,
                at,
            } => {
                let action = Action {
                    summary: SUMMARY
                        .check(&action.summary)
                        .map_err(CollaborationError::Summary)?,
                    ..action.clone()
                };
                if let Some(entry) = state.entries.get(entry_id) {
                    return if entry.action == action && entry.actor == *actor {
                        Ok(Vec::new())
                    } else {
                        Err(CollaborationError::EntryCompleted)
                    };
                }
                let (proposal, status) = existing(state)?;
                let terms = &proposal.terms;
                if status != Status::Active || *at < terms.starts || *at >= terms.ends {
                    return Err(CollaborationError::NotActive);
                }
                terms.permits(&action)?;
                Ok(vec![E::ActionRequested {
                    entry_id: *entry_id,
                    action,
                    actor: actor.clone(),
                    at: *at,
                }])
            }
            CollaborationCommand::CompleteAction {
                entry_id,
                error_code,
                at,
            } => {
                let entry = state
                    .entries
                    .get(entry_id)
                    .ok_or(CollaborationError::EntryNotFound)?;
                match &entry.outcome {
                    Some(outcome) if outcome == error_code => Ok(Vec::new()),
                    Some(_) => Err(CollaborationError::EntryCompleted),
                    None => Ok(vec![E::ActionCompleted {
                        entry_id: *entry_id,
                        error_code: error_code.clone(),
                        at: *at,
                    }]),
                }
            }
        }
    }

    fn evolve(mut state: CollaborationState, event: &CollaborationEvent) -> CollaborationState {
        let status = match event {
            CollaborationEvent::Accepted { .. } => Some(Status::Active),
            CollaborationEvent::Declined { .. } => Some(Status::Declined),
            CollaborationEvent::Ended { .. } => Some(Status::Ended),
            CollaborationEvent::Expired { .. } => Some(Status::Expired),
            _ => None,
        };
        if let (Some(status), Some((_, current))) = (status, state.proposal.as_mut()) {
            *current = status;
        }
        match event {
            CollaborationEvent::Proposed { proposal } => state.updated_at = Some(proposal.at),
            CollaborationEvent::Accepted { at, .. }
            | CollaborationEvent::Declined { at, .. }
            | CollaborationEvent::Ended { at, .. }
            | CollaborationEvent::Expired { at } => state.updated_at = Some(*at),
            CollaborationEvent::ActionRequested { .. }
            | CollaborationEvent::ActionCompleted { .. } => {}
        }
        match event {
            CollaborationEvent::Proposed { proposal } => {
                state.proposal = Some((proposal.clone(), Status::Proposed));
            }
            CollaborationEvent::Accepted { .. }
            | CollaborationEvent::Declined { .. }
            | CollaborationEvent::Ended { .. }
            | CollaborationEvent::Expired { .. } => {}
            CollaborationEvent::ActionRequested {
                entry_id,
                action,
                actor,
                at,
            } => {
                state.entries.insert(
                    *entry_id,
                    AuditEntry {
                        entry_id: *entry_id,
                        action: action.clone(),
                        actor: actor.clone(),
                        at: *at,
                        outcome: None,
                    },
                );
            }
            CollaborationEvent::ActionCompleted {
                entry_id,
                error_code,
                ..
            } => {
                if let Some(entry) = state.entries.get_mut(entry_id) {
                    entry.outcome = Some(error_code.clone());
                }
            }
        }
        state
    }
}
