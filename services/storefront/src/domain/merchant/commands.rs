use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{DiagnosisPolicy, HeritageBadge, Market, MerchantKind, OnboardingStatus, RevenueTier};
use crate::domain::business_number::BusinessNumber;

#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub merchant_id: Uuid,
    pub business_number: BusinessNumber,
    pub name: String,
    pub kind: MerchantKind,
    pub category: String,
    pub district: String,
    pub founded_on: NaiveDate,
    pub revenue_tier: RevenueTier,
    pub at: DateTime<Utc>,
}

/// Fields left `None` stay as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub revenue_tier: Option<RevenueTier>,
    pub at: DateTime<Utc>,
}

/// Scores as entered (validated to 0..=100 by the decider).
#[derive(Debug, Clone, PartialEq)]
pub struct DiagnosisInput {
    pub marketability: i64,
    pub online_capability: i64,
    pub notes: String,
    pub expert: String,
    pub policy: DiagnosisPolicy,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MerchantCommand {
    Register(Registration),
    UpdateProfile(ProfileChanges),
    Suspend {
        reason: String,
        at: DateTime<Utc>,
    },
    Reinstate {
        at: DateTime<Utc>,
    },
    ApplyForHeritage {
        badge: HeritageBadge,
        at: DateTime<Utc>,
    },
    ApproveHeritage {
        official: String,
        at: DateTime<Utc>,
    },
    RejectHeritage {
        official: String,
        reason: String,
        at: DateTime<Utc>,
    },
    RecordDiagnosis(DiagnosisInput),
    RequestChannelOnboarding {
        request_id: Uuid,
        channel: String,
        market: Market,
        at: DateTime<Utc>,
    },
    ChangeChannelOnboarding {
        request_id: Uuid,
        status: OnboardingStatus,
        at: DateTime<Utc>,
    },
    /// Marks an id whose registration claimed a business number but never
    /// completed, so that it can never complete later.
    AbandonRegistration {
        at: DateTime<Utc>,
    },
}
