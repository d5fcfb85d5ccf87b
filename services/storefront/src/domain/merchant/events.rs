use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Diagnosis, HeritageBadge, Market, MerchantKind, OnboardingStatus, RevenueTier};
use crate::domain::business_number::BusinessNumber;

#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
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

#[derive(Debug, Clone, PartialEq)]
pub enum MerchantEvent {
    Registered(Registered),
    /// Only the fields that changed are set.
    ProfileUpdated {
        name: Option<String>,
        category: Option<String>,
        district: Option<String>,
        revenue_tier: Option<RevenueTier>,
        at: DateTime<Utc>,
    },
    Suspended {
        reason: String,
        at: DateTime<Utc>,
    },
    Reinstated {
        at: DateTime<Utc>,
    },
    HeritageApplied {
        badge: HeritageBadge,
        at: DateTime<Utc>,
    },
    HeritageApproved {
        official: String,
        at: DateTime<Utc>,
    },
    HeritageRejected {
        official: String,
        reason: String,
        at: DateTime<Utc>,
    },
    DiagnosisRecorded(Diagnosis),
    ChannelOnboardingRequested {
        request_id: Uuid,
        channel: String,
        market: Market,
        at: DateTime<Utc>,
    },
    ChannelOnboardingStatusChanged {
        request_id: Uuid,
        status: OnboardingStatus,
        at: DateTime<Utc>,
    },
    RegistrationAbandoned {
        at: DateTime<Utc>,
    },
}
