//! The merchant aggregate (stream `merchant-<uuid>`): master data, standing,
//! heritage badge, expert diagnosis and channel onboarding requests.

mod commands;
mod decider;
mod errors;
mod events;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{DiagnosisInput, MerchantCommand, ProfileChanges, Registration};
pub use decider::{EARLIEST_FOUNDING, Merchant, REASON_MAX};
pub use errors::MerchantError;
pub use events::{MerchantEvent, Registered};
pub use state::{
    ChannelOnboarding, Diagnosis, DiagnosisPolicy, Heritage, HeritageBadge, HeritageDecision,
    Market, MerchantKind, MerchantProfile, MerchantStanding, MerchantState, MerchantStatus,
    OnboardingStatus, RevenueTier, Route,
};
