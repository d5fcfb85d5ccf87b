use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::business_number::BusinessNumber;

/// 소상인 (retail/services) or 소공인 (small manufacturer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MerchantKind {
    Retailer,
    Manufacturer,
}

/// Annual revenue band; drives voucher fee tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevenueTier {
    Micro,
    Small,
    Medium,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MerchantStatus {
    Active,
    Suspended { reason: String },
}

/// Heritage badges of the public programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeritageBadge {
    /// 백년가게: a store in business for 30 years or more.
    CenturyStore,
    /// 명문소공인: a manufacturer in business for 15 years or more.
    MasterArtisan,
}

impl HeritageBadge {
    pub fn min_years(self) -> u32 {
        match self {
            HeritageBadge::CenturyStore => 30,
            HeritageBadge::MasterArtisan => 15,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeritageDecision {
    Pending,
    Approved {
        official: String,
        at: DateTime<Utc>,
    },
    Rejected {
        official: String,
        reason: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heritage {
    pub badge: HeritageBadge,
    pub applied_at: DateTime<Utc>,
    pub decision: HeritageDecision,
}

/// Where an expert diagnosis sends the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Marketable products and enough online capability: list on sales channels.
    ChannelListing,
    /// Marketable products but weak online capability: a dedicated seller or creator sells.
    DedicatedSeller,
    /// Products not yet marketable: education first.
    Education,
}

/// The score thresholds that route a diagnosis (configured per deployment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnosisPolicy {
    pub marketability_min: u8,
    pub online_capability_min: u8,
}

impl DiagnosisPolicy {
    pub fn route(&self, marketability: u8, online_capability: u8) -> Route {
        if marketability < self.marketability_min {
            Route::Education
        } else if online_capability < self.online_capability_min {
            Route::DedicatedSeller
        } else {
            Route::ChannelListing
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub marketability: u8,
    pub online_capability: u8,
    pub notes: String,
    pub route: Route,
    pub expert: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Market {
    Domestic,
    Global,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnboardingStatus {
    Requested,
    InReview,
    Live,
    Rejected,
}

impl OnboardingStatus {
    /// Requested → in review or rejected; in review → live or rejected; live and
    /// rejected are final.
    pub fn can_become(self, next: OnboardingStatus) -> bool {
        use OnboardingStatus::*;
        matches!(
            (self, next),
            (Requested, InReview) | (Requested, Rejected) | (InReview, Live) | (InReview, Rejected)
        )
    }

    /// Not rejected: the channel is being or has been onboarded.
    pub fn is_open(self) -> bool {
        self != OnboardingStatus::Rejected
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOnboarding {
    pub id: Uuid,
    pub channel: String,
    pub market: Market,
    pub status: OnboardingStatus,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A registered merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantProfile {
    pub id: Uuid,
    pub business_number: BusinessNumber,
    pub name: String,
    pub kind: MerchantKind,
    pub category: String,
    pub district: String,
    pub founded_on: NaiveDate,
    pub revenue_tier: RevenueTier,
    pub status: MerchantStatus,
    pub heritage: Option<Heritage>,
    pub diagnosis: Option<Diagnosis>,
    pub channel_onboardings: Vec<ChannelOnboarding>,
    pub registered_at: DateTime<Utc>,
}

impl MerchantProfile {
    pub fn approved_badge(&self) -> Option<HeritageBadge> {
        self.heritage
            .as_ref()
            .filter(|h| matches!(h.decision, HeritageDecision::Approved { .. }))
            .map(|h| h.badge)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MerchantState {
    #[default]
    Unregistered,
    /// A registration that claimed a business number but never completed; the
    /// id can never be registered.
    Abandoned,
    Registered(Box<MerchantProfile>),
}

/// Whether a merchant may trade, as other aggregates need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantStanding {
    Unregistered,
    Active,
    Suspended,
}

impl MerchantState {
    pub fn profile(&self) -> Option<&MerchantProfile> {
        match self {
            MerchantState::Registered(profile) => Some(profile),
            _ => None,
        }
    }

    pub fn standing(&self) -> MerchantStanding {
        match self.profile().map(|p| &p.status) {
            None => MerchantStanding::Unregistered,
            Some(MerchantStatus::Active) => MerchantStanding::Active,
            Some(MerchantStatus::Suspended { .. }) => MerchantStanding::Suspended,
        }
    }
}
