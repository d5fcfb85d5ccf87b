use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::Handle;

/// Keeps a handle to one creator: stream `creator-handle-<handle>`. The
/// claim is appended with optimistic concurrency, so of two registrations
/// racing for one handle exactly one wins.
pub struct HandleClaim;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum ClaimState {
    #[default]
    Unclaimed,
    Claimed {
        holder: Uuid,
    },
}

/// The command is the claim itself: this handle for this creator.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub handle: Handle,
    pub creator_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClaimEvent {
    HandleClaimed {
        handle: Handle,
        creator_id: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the handle belongs to another creator")]
pub struct HandleTaken {
    pub holder: Uuid,
}

impl HandleTaken {
    pub fn code(self) -> &'static str {
        "HANDLE_TAKEN"
    }
}

impl Decider for HandleClaim {
    type State = ClaimState;
    type Command = Claim;
    type Event = ClaimEvent;
    type Error = HandleTaken;

    fn decide(state: &ClaimState, claim: &Claim) -> Result<Vec<ClaimEvent>, HandleTaken> {
        match state {
            ClaimState::Unclaimed => Ok(vec![ClaimEvent::HandleClaimed {
                handle: claim.handle.clone(),
                creator_id: claim.creator_id,
                at: claim.at,
            }]),
            // The same creator again (a retry with its key): nothing to do.
            ClaimState::Claimed { holder } if *holder == claim.creator_id => Ok(Vec::new()),
            ClaimState::Claimed { holder } => Err(HandleTaken { holder: *holder }),
        }
    }

    fn evolve(_: ClaimState, event: &ClaimEvent) -> ClaimState {
        match event {
            ClaimEvent::HandleClaimed { creator_id, .. } => ClaimState::Claimed {
                holder: *creator_id,
            },
        }
    }
}
