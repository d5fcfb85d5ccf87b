//! The storefront's JSON, as `docs/storefront-http.md` describes it. The
//! enums are shared with the GraphQL schema: their SCREAMING_SNAKE values are
//! the contract's.

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// 소상인 (retailer) or 소공인 (manufacturer).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum MerchantKind {
    /// 소상인: sells goods or services.
    Retailer,
    /// 소공인: a small manufacturer.
    Manufacturer,
}

/// Revenue tier; drives voucher fee tiers.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum RevenueTier {
    Micro,
    Small,
    Medium,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum MerchantStatus {
    Active,
    Suspended,
}

/// Heritage badges.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum HeritageStatus {
    Applied,
    Approved,
    Rejected,
}

/// Where an expert diagnosis routes a merchant.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum DiagnosisRoute {
    /// List the merchant's products on online channels.
    ChannelListing,
    /// Pair the merchant with a dedicated seller or creator.
    DedicatedSeller,
    /// Education first.
    Education,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Market {
    Domestic,
    Global,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum OnboardingStatus {
    Requested,
    InReview,
    Live,
    Rejected,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum OrderStatus {
    Placed,
    /// The merchant accepted the order; a held voucher payment is then captured.
    Confirmed,
    Cancelled,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum PaymentMethod {
    /// A local alley voucher (지역사랑상품권).
    Voucher,
    Card,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum PaymentStatus {
    /// Not asked for yet.
    Awaiting,
    /// The buyer asked the voucher service to pay; its answer is on the way.
    Requested,
    /// The buyer's wallet holds the total until the merchant confirms.
    Held,
    /// Captured from the wallet on the merchant's confirmation.
    Paid,
    /// Released: the order was cancelled.
    Voided,
    /// The voucher service refused; `code` says why. May be requested again.
    Declined,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Merchant {
    pub(crate) id: Uuid,
    pub(crate) business_number: String,
    pub(crate) name: String,
    pub(crate) kind: MerchantKind,
    pub(crate) category: String,
    pub(crate) district: String,
    pub(crate) founded_on: NaiveDate,
    pub(crate) revenue_tier: RevenueTier,
    pub(crate) status: MerchantStatus,
    #[serde(default)]
    pub(crate) suspension_reason: Option<String>,
    #[serde(default)]
    pub(crate) heritage: Option<Heritage>,
    #[serde(default)]
    pub(crate) diagnosis: Option<Diagnosis>,
    #[serde(default)]
    pub(crate) channel_onboardings: Vec<ChannelOnboarding>,
    pub(crate) registered_at: DateTime<Utc>,
    pub(crate) version: u64,
}

/// A heritage badge application and its decision.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Heritage {
    pub(crate) badge: HeritageBadge,
    pub(crate) status: HeritageStatus,
    pub(crate) applied_at: DateTime<Utc>,
    /// When an official approved or rejected the application.
    #[serde(default)]
    pub(crate) decided_at: Option<DateTime<Utc>>,
    /// The subject of the official who decided.
    #[serde(default)]
    pub(crate) decided_by: Option<String>,
    /// Why the application was rejected.
    #[serde(default)]
    pub(crate) reason: Option<String>,
}

/// An expert's diagnosis of a merchant's marketability and online capability.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Diagnosis {
    /// 0 to 100.
    pub(crate) marketability: u8,
    /// 0 to 100.
    pub(crate) online_capability: u8,
    #[serde(default)]
    pub(crate) notes: String,
    /// Where the diagnosis routes the merchant.
    pub(crate) route: DiagnosisRoute,
    /// The subject of the expert who diagnosed.
    pub(crate) expert: String,
    pub(crate) recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChannelOnboarding {
    pub(crate) id: Uuid,
    pub(crate) channel: String,
    pub(crate) market: Market,
    pub(crate) status: OnboardingStatus,
    pub(crate) requested_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Product {
    pub(crate) id: Uuid,
    pub(crate) merchant_id: Uuid,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    pub(crate) price: i64,
    pub(crate) stock: i64,
    pub(crate) reserved: i64,
    pub(crate) available: i64,
    pub(crate) published: bool,
    pub(crate) updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Order {
    pub(crate) id: Uuid,
    pub(crate) merchant_id: Uuid,
    pub(crate) buyer: String,
    pub(crate) lines: Vec<OrderLine>,
    pub(crate) total: i64,
    pub(crate) status: OrderStatus,
    pub(crate) payment: Payment,
    pub(crate) placed_at: DateTime<Utc>,
    #[serde(default)]
    pub(crate) confirmed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) cancel_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderLine {
    pub(crate) product_id: Uuid,
    pub(crate) name: String,
    pub(crate) unit_price: i64,
    pub(crate) quantity: i64,
    pub(crate) line_total: i64,
}

/// How an order is paid, and how far payment has got.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Payment {
    pub(crate) method: PaymentMethod,
    pub(crate) status: PaymentStatus,
    /// While DECLINED: the voucher service's stable code (INSUFFICIENT_BALANCE, …).
    #[serde(default)]
    pub(crate) code: Option<String>,
    /// While DECLINED: why, in words.
    #[serde(default)]
    pub(crate) reason: Option<String>,
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
