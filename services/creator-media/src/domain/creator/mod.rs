//! A creator (stream `creator-<id>`) and the claim of its handle (stream
//! `creator-handle-<handle>`), which keeps one handle to one creator without a
//! cross-stream transaction.

mod claim;
mod decider;
mod handle;
mod profile;
#[cfg(test)]
mod tests;

pub use claim::{Claim, ClaimEvent, ClaimState, HandleClaim, HandleTaken};
pub use decider::{Creator, CreatorCommand, CreatorEvent, CreatorState};
pub use handle::{Handle, HandleMalformed};
pub use profile::{
    AUDIENCE_MAX, Channel, ChannelInput, CreatorError, Platform, Profile, ProfileChanges,
    ProfileInput, ProfileUpdated, Registered,
};
