//! The storefront's JSON is the contract's (`golmok_contracts::storefront::http`),
//! read here under the names the schema uses. What stays in the gateway is
//! GraphQL only: the codes the storefront's events carry (the event schemas
//! publish their descriptions, the GraphQL schema has its own), the objects
//! that hold one of them, and the directory's filter.

use async_graphql::{Enum, InputObject, Object};
use chrono::{DateTime, Utc};
use golmok_contracts::storefront::{self as contract, http};
use serde::Serialize;

pub(crate) use http::{
    HeritageStatus, MerchantStatus, MerchantView as Merchant, OnboardingView as ChannelOnboarding,
    OrderLineView as OrderLine, OrderStatus, OrderView as Order, PaymentStatus,
    ProductView as Product,
};

/// 소상인 (retailer) or 소공인 (manufacturer).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[graphql(remote = "contract::Kind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum MerchantKind {
    /// 소상인: sells goods or services.
    Retailer,
    /// 소공인: a small manufacturer.
    Manufacturer,
}

/// Revenue tier; drives voucher fee tiers.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[graphql(remote = "contract::RevenueTier")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum RevenueTier {
    Micro,
    Small,
    Medium,
}

/// Heritage badges.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[graphql(remote = "contract::HeritageBadge")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum HeritageBadge {
    /// 백년가게: in business for 30 years or more.
    CenturyStore,
    /// 명문소공인: a manufacturer in business for 15 years or more.
    MasterArtisan,
}

impl HeritageBadge {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HeritageBadge::CenturyStore => "CENTURY_STORE",
            HeritageBadge::MasterArtisan => "MASTER_ARTISAN",
        }
    }
}

/// Where an expert diagnosis routes a merchant.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[graphql(remote = "contract::Route")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum DiagnosisRoute {
    /// List the merchant's products on online channels.
    ChannelListing,
    /// Pair the merchant with a dedicated seller or creator.
    DedicatedSeller,
    /// Education first.
    Education,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[graphql(remote = "contract::Market")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Market {
    Domestic,
    Global,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[graphql(remote = "contract::OnboardingStatus")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum OnboardingStatus {
    Requested,
    InReview,
    Live,
    Rejected,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[graphql(remote = "contract::PaymentMethod")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum PaymentMethod {
    /// A local alley voucher (지역사랑상품권).
    Voucher,
    Card,
}

pub(crate) struct Heritage<'a>(pub(crate) &'a http::HeritageView);

/// A heritage badge application and its decision.
#[Object]
impl Heritage<'_> {
    async fn badge(&self) -> HeritageBadge {
        self.0.badge.into()
    }

    async fn status(&self) -> HeritageStatus {
        self.0.status
    }

    async fn applied_at(&self) -> DateTime<Utc> {
        self.0.applied_at
    }

    /// When an official approved or rejected the application.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }

    /// The subject of the official who decided.
    async fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }

    /// Why the application was rejected.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

pub(crate) struct Diagnosis<'a>(pub(crate) &'a http::DiagnosisView);

/// An expert's diagnosis of a merchant's marketability and online capability.
#[Object]
impl Diagnosis<'_> {
    /// 0 to 100.
    async fn marketability(&self) -> u8 {
        self.0.marketability
    }

    /// 0 to 100.
    async fn online_capability(&self) -> u8 {
        self.0.online_capability
    }

    async fn notes(&self) -> &str {
        &self.0.notes
    }

    /// Where the diagnosis routes the merchant.
    async fn route(&self) -> DiagnosisRoute {
        self.0.route.into()
    }

    /// The subject of the expert who diagnosed.
    async fn expert(&self) -> &str {
        &self.0.expert
    }

    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

pub(crate) struct Payment<'a>(pub(crate) &'a http::PaymentView);

/// How an order is paid, and how far payment has got.
#[Object]
impl Payment<'_> {
    async fn method(&self) -> PaymentMethod {
        self.0.method.into()
    }

    async fn status(&self) -> PaymentStatus {
        self.0.status
    }

    /// While DECLINED: the voucher service's stable code (INSUFFICIENT_BALANCE, …).
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// While DECLINED: why, in words.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

/// Filters of the merchant directory; they combine.
#[derive(InputObject, Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MerchantFilter {
    /// Only merchants in this district (상권).
    pub(crate) district: Option<String>,
    /// Only merchants of this category.
    pub(crate) category: Option<String>,
    /// Only merchants holding this approved badge.
    pub(crate) heritage: Option<HeritageBadge>,
    /// Include suspended merchants (officials and operators only).
    #[graphql(default)]
    pub(crate) include_suspended: bool,
}
