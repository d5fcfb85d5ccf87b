use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use crate::domain::fraud::Rule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInfo {
    pub case_id: Uuid,
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub rule: Rule,
    /// What the rule saw, for the official.
    pub evidence: String,
    pub opened_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    Open,
    /// The official suspended the merchant from the programme.
    MerchantSuspended,
    Dismissed,
    /// The suspension was lifted; the case is closed.
    MerchantReinstated,
}

#[derive(Debug, Clone)]
pub enum CaseCommand {
    Open {
        info: CaseInfo,
    },
    Suspend {
        official: String,
        reason: String,
        at: DateTime<Utc>,
    },
    Dismiss {
        official: String,
        reason: String,
        at: DateTime<Utc>,
    },
    Reinstate {
        official: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaseEvent {
    Opened(CaseInfo),
    MerchantSuspended {
        official: String,
        reason: String,
        at: DateTime<Utc>,
    },
    Dismissed {
        official: String,
        reason: String,
        at: DateTime<Utc>,
    },
    MerchantReinstated {
        official: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseState {
    pub info: Option<CaseInfo>,
    pub status: Option<CaseStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("no case with this id")]
    NotFound,
    #[error("the reason must not be blank, at most 500 characters, and free of control characters")]
    Reason,
    #[error("a case cannot go from {from:?} to {to:?}")]
    Transition { from: CaseStatus, to: CaseStatus },
}

impl CaseError {
    /// Stable code for partners.
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::NotFound => "CASE_NOT_FOUND",
            CaseError::Reason => "INVALID_TEXT",
            CaseError::Transition { .. } => "CASE_TRANSITION_NOT_ALLOWED",
        }
    }
}

/// The longest reason an official may give.
pub const REASON_MAX: usize = 500;

/// The case aggregate.
pub struct Case;

fn reason(text: &str) -> Result<String, CaseError> {
    let trimmed = text.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > REASON_MAX
        || trimmed.chars().any(char::is_control)
    {
        return Err(CaseError::Reason);
    }
    Ok(trimmed.to_owned())
}

fn transition(state: &CaseState, from: CaseStatus, to: CaseStatus) -> Result<(), CaseError> {
    match state.status {
        None => Err(CaseError::NotFound),
        Some(current) if current == from => Ok(()),
        Some(current) => Err(CaseError::Transition { from: current, to }),
    }
}

impl Decider for Case {
    type State = CaseState;
    type Command = CaseCommand;
    type Event = CaseEvent;
    type Error = CaseError;

    fn decide(state: &CaseState, command: &CaseCommand) -> Result<Vec<CaseEvent>, CaseError> {
        match command {
            // A rule may hit again for the same case id: opening is idempotent.
            CaseCommand::Open { info } => Ok(if state.info.is_some() {
                Vec::new()
            } else {
                vec![CaseEvent::Opened(info.clone())]
            }),
            CaseCommand::Suspend {
                official,
                reason: text,
                at,
            } => {
                let reason = reason(text)?;
                transition(state, CaseStatus::Open, CaseStatus::MerchantSuspended)?;
                Ok(vec![CaseEvent::MerchantSuspended {
                    official: official.clone(),
                    reason,
                    at: *at,
                }])
            }
            CaseCommand::Dismiss {
                official,
                reason: text,
                at,
            } => {
                let reason = reason(text)?;
                transition(state, CaseStatus::Open, CaseStatus::Dismissed)?;
                Ok(vec![CaseEvent::Dismissed {
                    official: official.clone(),
                    reason,
                    at: *at,
                }])
            }
            CaseCommand::Reinstate { official, at } => {
                transition(
                    state,
                    CaseStatus::MerchantSuspended,
                    CaseStatus::MerchantReinstated,
                )?;
                Ok(vec![CaseEvent::MerchantReinstated {
                    official: official.clone(),
                    at: *at,
                }])
            }
        }
    }

    fn evolve(mut state: CaseState, event: &CaseEvent) -> CaseState {
        state.status = Some(match event {
            CaseEvent::Opened(info) => {
                state.info = Some(info.clone());
                CaseStatus::Open
            }
            CaseEvent::MerchantSuspended { .. } => CaseStatus::MerchantSuspended,
            CaseEvent::Dismissed { .. } => CaseStatus::Dismissed,
            CaseEvent::MerchantReinstated { .. } => CaseStatus::MerchantReinstated,
        });
        state
    }
}
