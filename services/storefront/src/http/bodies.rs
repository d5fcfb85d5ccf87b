//! Request bodies (camelCase JSON; unknown fields are refused).

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::vocabulary::{
    HeritageBadge, Kind, Market, OnboardingStatus, PaymentMethod, RevenueTier,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProfile {
    pub name: Option<String>,
    pub category: Option<String>,
    pub district: Option<String>,
    pub revenue_tier: Option<RevenueTier>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplyForHeritage {
    pub badge: HeritageBadge,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Diagnose {
    pub marketability: i64,
    pub online_capability: i64,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestOnboarding {
    pub channel: String,
    pub market: Market,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeOnboarding {
    pub status: OnboardingStatus,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddProduct {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub price: i64,
    pub stock: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditProduct {
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePrice {
    pub price: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdjustStock {
    pub delta: i64,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderLine {
    pub product_id: Uuid,
    pub quantity: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaceOrder {
    pub lines: Vec<OrderLine>,
    pub payment: PaymentMethod,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayByVoucher {
    /// The voucher programme whose wallet pays.
    pub programme_id: Uuid,
}
