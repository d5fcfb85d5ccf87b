use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::BusinessNumber;

/// How long a claim stays reserved for a registration that has not completed;
/// after that a claim whose merchant never registered may be taken over.
pub const CLAIM_GRACE: TimeDelta = TimeDelta::minutes(2);

/// Keeps a business number to one merchant: stream `business-number-<digits>`.
pub struct Claim;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum ClaimState {
    #[default]
    Unclaimed,
    Claimed {
        holder: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClaimCommand {
    /// Reserves the number for a merchant about to register.
    Claim {
        number: BusinessNumber,
        merchant_id: Uuid,
        at: DateTime<Utc>,
    },
    /// Moves a stale claim from `abandoned`, whose registration never completed
    /// and has been marked abandoned, to `merchant_id`.
    TakeOver {
        number: BusinessNumber,
        merchant_id: Uuid,
        abandoned: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClaimEvent {
    BusinessNumberClaimed {
        number: BusinessNumber,
        merchant_id: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClaimError {
    #[error("the business number is already registered to another merchant")]
    Taken {
        holder: Uuid,
        claimed_at: DateTime<Utc>,
    },
}

impl ClaimError {
    pub fn code(&self) -> &'static str {
        match self {
            ClaimError::Taken { .. } => "BUSINESS_NUMBER_TAKEN",
        }
    }
}

impl Decider for Claim {
    type State = ClaimState;
    type Command = ClaimCommand;
    type Event = ClaimEvent;
    type Error = ClaimError;

    fn decide(state: &ClaimState, command: &ClaimCommand) -> Result<Vec<ClaimEvent>, ClaimError> {
        let claimed = |number: &BusinessNumber, merchant_id: Uuid, at: DateTime<Utc>| {
            vec![ClaimEvent::BusinessNumberClaimed {
                number: number.clone(),
                merchant_id,
                at,
            }]
        };
        match (state, command) {
            (
                ClaimState::Unclaimed,
                ClaimCommand::Claim {
                    number,
                    merchant_id,
                    at,
                },
            )
            | (
                ClaimState::Unclaimed,
                ClaimCommand::TakeOver {
                    number,
                    merchant_id,
                    at,
                    ..
                },
            ) => Ok(claimed(number, *merchant_id, *at)),
            (ClaimState::Claimed { holder, .. }, ClaimCommand::Claim { merchant_id, .. })
            | (ClaimState::Claimed { holder, .. }, ClaimCommand::TakeOver { merchant_id, .. })
                if holder == merchant_id =>
            {
                Ok(Vec::new())
            }
            (
                ClaimState::Claimed {
                    holder,
                    at: claimed_at,
                },
                ClaimCommand::TakeOver {
                    number,
                    merchant_id,
                    abandoned,
                    at,
                },
            ) if holder == abandoned && *at - *claimed_at >= CLAIM_GRACE => {
                Ok(claimed(number, *merchant_id, *at))
            }
            (ClaimState::Claimed { holder, at }, _) => Err(ClaimError::Taken {
                holder: *holder,
                claimed_at: *at,
            }),
        }
    }

    fn evolve(_: ClaimState, event: &ClaimEvent) -> ClaimState {
        match event {
            ClaimEvent::BusinessNumberClaimed {
                merchant_id, at, ..
            } => ClaimState::Claimed {
                holder: *merchant_id,
                at: *at,
            },
        }
    }
}
