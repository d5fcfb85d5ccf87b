//! The programme's creator training (stream `cohort-<id>`): officials open a
//! cohort of sessions, creators enroll up to its capacity, officials record
//! who attended each session, and completing the cohort certifies every
//! creator who attended at least its pass mark. A creator's tier follows
//! from its certifications and reach, and the tier decides its placement:
//! only certified creators are recommended to merchants.

mod cohort;
#[cfg(test)]
mod tests;

pub use cohort::{
    CAPACITY_MAX, Cohort, CohortCommand, CohortError, CohortEvent, CohortState, Opened,
    SESSIONS_MAX, Session,
};

/// What a creator has earned in the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Registered, not certified: not placed.
    New,
    /// Completed a cohort: recommended to merchants.
    Certified,
    /// Certified with a reach of at least [`FEATURED_REACH`]: recommended first among equals.
    Featured,
}

/// The reach (followers over all channels) a certified creator needs to be featured.
pub const FEATURED_REACH: u64 = 100_000;

/// A creator's reach: followers over all its channels.
pub fn reach(audiences: impl IntoIterator<Item = u64>) -> u64 {
    audiences
        .into_iter()
        .fold(0u64, |sum, audience| sum.saturating_add(audience))
}

/// The tier of a creator certified by `certifications` cohorts with `reach` followers.
pub fn tier(certifications: usize, reach: u64) -> Tier {
    match (certifications, reach) {
        (0, _) => Tier::New,
        (_, reach) if reach >= FEATURED_REACH => Tier::Featured,
        _ => Tier::Certified,
    }
}

impl Tier {
    /// Whether the tier places the creator in merchants' recommendations.
    pub fn placed(self) -> bool {
        self >= Tier::Certified
    }
}
