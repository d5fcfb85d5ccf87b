//! The storefront's HTTP API (`docs/storefront-http.md`): the request bodies
//! it accepts (camelCase JSON; unknown fields are refused) and the views it
//! answers. The storefront reads the bodies and writes the views, the gateway
//! the other way round; the storefront also stores the views as its
//! read-model rows.
//! Doc comments on what the gateway serves as it is (with the `graphql`
//! feature) are its GraphQL descriptions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::{HeritageBadge, Kind, Market, OnboardingStatus, PaymentMethod, RevenueTier, Route};
use crate::api_codes;

// ---- codes of the views ----

api_codes! {
    // Whether a merchant may trade.
    MerchantStatus { Active, Suspended }
}
api_codes! {
    // Where a heritage application stands.
    HeritageStatus { Applied, Approved, Rejected }
}
api_codes! {
    // Whether an order stands, was confirmed by its merchant or was cancelled.
    OrderStatus {
        Placed,
        /// The merchant accepted the order; a held voucher payment is then captured.
        Confirmed,
        Cancelled,
    }
}
api_codes! {
    // Where an order's payment stands.
    PaymentStatus {
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
}

// ---- request bodies ----

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Register {
    pub business_number: String,
    pub name: String,
    pub kind: Kind,
    pub category: String,
    pub district: String,
    pub founded_on: NaiveDate,
    pub revenue_tier: RevenueTier,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProfile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue_tier: Option<RevenueTier>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplyForHeritage {
    pub badge: HeritageBadge,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Diagnose {
    pub marketability: i64,
    pub online_capability: i64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestOnboarding {
    pub channel: String,
    pub market: Market,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeOnboarding {
    pub status: OnboardingStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddProduct {
    pub name: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_string"
    )]
    pub description: Option<String>,
    pub price: i64,
    pub stock: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditProduct {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePrice {
    pub price: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdjustStock {
    pub delta: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderLine {
    pub product_id: Uuid,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaceOrder {
    pub lines: Vec<OrderLine>,
    pub payment: PaymentMethod,
    /// A creator's code (the creator's handle, `@` optional, any case): the
    /// order is credited to that creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_code: Option<String>,
    /// A live session of the merchant that is on air: its tagged products are
    /// charged their live prices, and the order is credited to its host
    /// (unless a creator code names another creator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayByVoucher {
    /// The voucher programme whose wallet pays.
    pub programme_id: Uuid,
}

/// A text a body may leave out (`None`), but not set to `null`.
fn some_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    String::deserialize(deserializer).map(Some)
}

// ---- views ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantView {
    pub id: Uuid,
    pub business_number: String,
    pub name: String,
    pub kind: Kind,
    pub category: String,
    pub district: String,
    pub founded_on: NaiveDate,
    pub revenue_tier: RevenueTier,
    pub status: MerchantStatus,
    pub suspension_reason: Option<String>,
    pub heritage: Option<HeritageView>,
    pub diagnosis: Option<DiagnosisView>,
    #[serde(default)]
    pub channel_onboardings: Vec<OnboardingView>,
    pub registered_at: DateTime<Utc>,
    /// The merchant stream's version this view reflects.
    pub version: u64,
}

impl MerchantView {
    /// The approved heritage badge, the one the directory lists.
    pub fn approved_badge(&self) -> Option<HeritageBadge> {
        self.heritage
            .as_ref()
            .filter(|h| h.status == HeritageStatus::Approved)
            .map(|h| h.badge)
    }
}

/// A heritage badge application and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "Heritage")
)]
#[serde(rename_all = "camelCase")]
pub struct HeritageView {
    pub badge: HeritageBadge,
    pub status: HeritageStatus,
    pub applied_at: DateTime<Utc>,
    /// When an official approved or rejected the application.
    pub decided_at: Option<DateTime<Utc>>,
    /// The subject of the official who decided.
    pub decided_by: Option<String>,
    /// Why the application was rejected.
    pub reason: Option<String>,
}

/// An expert's diagnosis of a merchant's marketability and online capability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "Diagnosis")
)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisView {
    /// 0 to 100.
    pub marketability: u8,
    /// 0 to 100.
    pub online_capability: u8,
    #[serde(default)]
    pub notes: String,
    /// Where the diagnosis routes the merchant.
    pub route: Route,
    /// The subject of the expert who diagnosed.
    pub expert: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingView {
    pub id: Uuid,
    pub channel: String,
    pub market: Market,
    pub status: OnboardingStatus,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Whole won.
    pub price: i64,
    /// Units in stock, including those reserved by open orders.
    pub stock: u64,
    pub reserved: u64,
    pub available: u64,
    pub published: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub buyer: String,
    pub lines: Vec<OrderLineView>,
    /// Whole won.
    pub total: i64,
    pub status: OrderStatus,
    pub payment: PaymentView,
    pub placed_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    /// Returns of the confirmed order, oldest first (absent while none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<OrderReturnView>,
    /// Where the order came from, when it was placed with a creator's code
    /// or during a live session (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<AttributionView>,
}

/// Where an order came from: a creator's code, a live session, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributionView {
    /// The creator the order is credited to: the code's creator, else the
    /// live's host (absent for a live without a host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<Uuid>,
    /// The creator code the buyer gave, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_code: Option<String>,
    /// The live session the order was placed during.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineView {
    pub product_id: Uuid,
    /// The product's name when the order was placed.
    pub name: String,
    pub unit_price: i64,
    pub quantity: u64,
    pub line_total: i64,
}

/// How an order is paid, and how far payment has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "Payment")
)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    /// The voucher programme asked to pay, once requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "graphql", graphql(skip))]
    pub programme_id: Option<Uuid>,
    /// The current payment attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "graphql", graphql(skip))]
    pub payment_id: Option<Uuid>,
    /// While DECLINED: the voucher service's stable code (INSUFFICIENT_BALANCE, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// While DECLINED: why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

// ---- returns ----

api_codes! {
    // Where the refund of a return stands.
    #[cfg_attr(feature = "graphql", graphql(name = "OrderRefundStatus"))]
    RefundStatus {
        /// Nothing to refund through Golmok: the order was paid by card.
        NotApplicable,
        /// The voucher service is refunding the amount to the buyer's wallet.
        Pending,
        /// Refunded to the buyer's wallet.
        Refunded,
        /// The voucher service refused; `code` says why.
        Declined,
    }
}

/// Quantities of a confirmed order's lines to return, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnLines {
    pub lines: Vec<OrderLine>,
    pub reason: String,
}

/// A return of a confirmed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderReturnView {
    pub id: Uuid,
    pub lines: Vec<ReturnedLineView>,
    /// Whole won: owed back to the buyer.
    pub amount: i64,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub refund: RefundView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnedLineView {
    pub product_id: Uuid,
    pub quantity: u64,
    /// Whole won: the unit price on the order × `quantity`.
    pub amount: i64,
}

/// Whether a return's amount went back to the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject),
    graphql(name = "OrderRefund")
)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    pub status: RefundStatus,
    /// When it was refunded or declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// While DECLINED: the voucher service's stable code (REFUND_WINDOW_CLOSED, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// While DECLINED: why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::{from_str, json, to_value};

    use super::AddProduct;

    #[test]
    fn an_optional_text_is_absent_or_a_string_never_null() {
        let absent: AddProduct = from_str(r#"{"name":"빵","price":1,"stock":1}"#).unwrap();
        assert_eq!(absent.description, None);
        assert_eq!(to_value(&absent).unwrap().get("description"), None);
        let empty: AddProduct =
            from_str(r#"{"name":"빵","description":"","price":1,"stock":1}"#).unwrap();
        assert_eq!(to_value(&empty).unwrap()["description"], json!(""));
        let null = r#"{"name":"빵","description":null,"price":1,"stock":1}"#;
        assert!(from_str::<AddProduct>(null).is_err());
    }
}
