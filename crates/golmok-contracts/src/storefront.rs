//! The storefront's published events (`schemas/events/storefront/`): one
//! versioned wire struct per event type and the codes they carry. The
//! storefront's codec table maps its domain events onto these structs (and
//! names and versions them); other services read the storefront's events
//! through them. Its HTTP API's bodies and views are in [`http`].

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::wire_codes;

pub mod http;

/// The producer's name in `kr.golmok.storefront.<Event>.v<N>`.
pub const SERVICE: &str = "storefront";
/// The version every current storefront event is written in.
pub const VERSION: u32 = 1;

wire_codes! {
    /// 소상인 (retailer) or 소공인 (manufacturer).
    #[cfg_attr(feature = "graphql", graphql(name = "MerchantKind"))]
    Kind: "소상인 RETAILER or 소공인 MANUFACTURER." {
        /// 소상인: sells goods or services.
        Retailer,
        /// 소공인: a small manufacturer.
        Manufacturer,
    }
}
wire_codes! {
    /// Revenue tier; drives voucher fee tiers.
    RevenueTier: "Annual revenue band." { Micro, Small, Medium }
}
wire_codes! {
    /// Heritage badges.
    HeritageBadge: "백년가게 CENTURY_STORE or 명문소공인 MASTER_ARTISAN." {
        /// 백년가게: in business for 30 years or more.
        CenturyStore,
        /// 명문소공인: a manufacturer in business for 15 years or more.
        MasterArtisan,
    }
}
wire_codes! {
    /// Where an expert diagnosis routes a merchant.
    #[cfg_attr(feature = "graphql", graphql(name = "DiagnosisRoute"))]
    Route: "Where a diagnosis routes the merchant." {
        /// List the merchant's products on online channels.
        ChannelListing,
        /// Pair the merchant with a dedicated seller or creator.
        DedicatedSeller,
        /// Education first.
        Education,
    }
}
wire_codes! {
    // Domestic or global sales channel.
    Market: "Domestic or global sales channel." { Domestic, Global }
}
wire_codes! {
    // Status of a channel onboarding request.
    OnboardingStatus: "Status of a channel onboarding request." {
        Requested,
        InReview,
        Live,
        Rejected,
    }
}
wire_codes! {
    // How an order is paid.
    PaymentMethod: "How an order is paid." {
        /// A local alley voucher (지역사랑상품권).
        Voucher,
        Card,
    }
}

// ---- wire structs (v1) ----

/// A merchant registered with a validated business number.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerchantRegisteredV1 {
    pub merchant_id: Uuid,
    /// Normalized `123-45-67890`.
    pub business_number: String,
    pub name: String,
    pub kind: Kind,
    pub category: String,
    pub district: String,
    pub founded_on: NaiveDate,
    pub revenue_tier: RevenueTier,
    pub at: DateTime<Utc>,
}

/// Profile fields that changed; absent fields did not change.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MerchantProfileUpdatedV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_tier: Option<RevenueTier>,
    pub at: DateTime<Utc>,
}

/// Something that happened at an instant, with a reason.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReasonV1 {
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Something that happened at an instant.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstantV1 {
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeritageAppliedV1 {
    pub badge: HeritageBadge,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeritageApprovedV1 {
    /// Subject of the deciding official.
    pub official: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeritageRejectedV1 {
    /// Subject of the deciding official.
    pub official: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiagnosisRecordedV1 {
    #[schemars(range(max = 100))]
    pub marketability: u8,
    #[schemars(range(max = 100))]
    pub online_capability: u8,
    pub notes: String,
    pub route: Route,
    /// Subject of the expert.
    pub expert: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelOnboardingRequestedV1 {
    pub request_id: Uuid,
    pub channel: String,
    pub market: Market,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelOnboardingStatusChangedV1 {
    pub request_id: Uuid,
    pub status: OnboardingStatus,
    pub at: DateTime<Utc>,
}

/// The number is reserved for the merchant (stream `business-number-<digits>`).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BusinessNumberClaimedV1 {
    pub business_number: String,
    pub merchant_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductAddedV1 {
    pub product_id: Uuid,
    pub merchant_id: Uuid,
    pub name: String,
    pub description: String,
    /// Whole won, more than 0.
    #[schemars(range(min = 1))]
    pub price: i64,
    pub stock: u64,
    pub at: DateTime<Utc>,
}

/// Product fields that changed; absent fields did not change.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductEditedV1 {
    pub product_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductPriceChangedV1 {
    pub product_id: Uuid,
    /// Whole won, more than 0.
    #[schemars(range(min = 1))]
    pub price: i64,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StockAdjustedV1 {
    pub product_id: Uuid,
    /// Units added (positive) or written off (negative).
    pub delta: i64,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A product event that carries nothing but the instant.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductInstantV1 {
    pub product_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderLineV1 {
    pub product_id: Uuid,
    /// The product's name when the order was placed.
    pub name: String,
    /// Whole won when the order was placed.
    pub unit_price: i64,
    #[schemars(range(min = 1))]
    pub quantity: u64,
}

/// An order reserving stock for every line.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPlacedV1 {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    /// The buyer's subject.
    pub buyer: String,
    pub lines: Vec<OrderLineV1>,
    /// Whole won.
    pub total: i64,
    pub payment: PaymentMethod,
    /// Where the order came from, when a creator's code or a live session
    /// was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<AttributionV1>,
    pub at: DateTime<Utc>,
}

/// Where an order came from: a creator's code (the creator's handle), a live
/// session on air, or both. `creatorId` is the creator the order is credited
/// to: the code's creator, else the live's host (none for a live without a
/// host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributionV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<Uuid>,
    /// The code the buyer gave, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_id: Option<Uuid>,
}

/// An order event with a reason.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderReasonV1 {
    pub order_id: Uuid,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// An order event that carries nothing but the instant.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderInstantV1 {
    pub order_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The buyer asked the voucher service to pay the order.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoucherPaymentRequestedV1 {
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    /// The buyer's subject: the wallet's owner.
    pub buyer: String,
    pub programme_id: Uuid,
    /// Names this attempt; the voucher service's hold and answers carry it.
    pub payment_id: Uuid,
    /// Whole won: the order's total.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

/// The voucher service declined the order's payment.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentDeclinedV1 {
    pub order_id: Uuid,
    /// The voucher service's stable code (e.g. INSUFFICIENT_BALANCE).
    pub code: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Units of one order line that came back.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnedLineV1 {
    pub product_id: Uuid,
    #[schemars(range(min = 1))]
    pub quantity: u64,
    /// Whole won: the line's unit price on the order × `quantity`.
    pub amount: i64,
}

/// Quantities of a confirmed order's lines came back (the units are
/// available again); `amount` is owed back to the buyer. A voucher order's
/// amount is refunded by the voucher service, once per `returnId`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderLinesReturnedV1 {
    pub order_id: Uuid,
    /// Names the return; the voucher service's refund answers carry it.
    pub return_id: Uuid,
    pub lines: Vec<ReturnedLineV1>,
    /// Whole won: the sum of the lines' amounts.
    #[schemars(range(min = 1))]
    pub amount: i64,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The voucher service refunded a return's amount to the buyer's wallet.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderRefundRecordedV1 {
    pub order_id: Uuid,
    pub return_id: Uuid,
    /// Whole won.
    pub amount: i64,
    pub at: DateTime<Utc>,
}

/// The voucher service could not refund a return.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderRefundDeclinedV1 {
    pub order_id: Uuid,
    pub return_id: Uuid,
    /// The voucher service's stable code (e.g. REFUND_WINDOW_CLOSED).
    pub code: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// What a consumer follows of a merchant (stream `merchant-<id>`): the
/// storefront's merchant events, read through the contract.
pub enum MerchantFact {
    Registered(MerchantRegisteredV1),
    ProfileUpdated(MerchantProfileUpdatedV1),
    Diagnosed(DiagnosisRecordedV1),
    Suspended(ReasonV1),
    Reinstated(InstantV1),
}

impl MerchantFact {
    /// The event names, for `RecordedEvent::followed`.
    pub const NAMES: [&'static str; 5] = [
        "MerchantRegistered",
        "MerchantProfileUpdated",
        "DiagnosisRecorded",
        "MerchantSuspended",
        "MerchantReinstated",
    ];

    /// The fact an event `name` (one of [`NAMES`](Self::NAMES), at
    /// [`VERSION`]) carries in `data`; `None` for another name.
    pub fn read(name: &str, data: serde_json::Value) -> Result<Option<Self>, serde_json::Error> {
        Ok(Some(match name {
            "MerchantRegistered" => MerchantFact::Registered(crate::read(data)?),
            "MerchantProfileUpdated" => MerchantFact::ProfileUpdated(crate::read(data)?),
            "DiagnosisRecorded" => MerchantFact::Diagnosed(crate::read(data)?),
            "MerchantSuspended" => MerchantFact::Suspended(crate::read(data)?),
            "MerchantReinstated" => MerchantFact::Reinstated(crate::read(data)?),
            _ => return Ok(None),
        }))
    }
}
