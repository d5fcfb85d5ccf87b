//! The programme's codes as they appear on the wire, in events and on the HTTP
//! API alike. A published code is never renamed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::merchant as m;
use crate::domain::shop as s;

pub use golmok_contracts::storefront::{
    HeritageBadge, Kind, Market, OnboardingStatus, PaymentMethod, RevenueTier, Route,
};
use golmok_contracts::{codes, map_codes};

map_codes!(Kind <=> m::MerchantKind { Retailer, Manufacturer });
map_codes!(RevenueTier <=> m::RevenueTier { Micro, Small, Medium });
map_codes!(HeritageBadge <=> m::HeritageBadge { CenturyStore, MasterArtisan });
map_codes!(Route <=> m::Route { ChannelListing, DedicatedSeller, Education });
map_codes!(Market <=> m::Market { Domestic, Global });
map_codes!(OnboardingStatus <=> m::OnboardingStatus { Requested, InReview, Live, Rejected });
map_codes!(PaymentMethod <=> s::PaymentMethod { Voucher, Card });

codes! {
    /// Where an order's payment stands.
    PaymentStatus <=> s::PaymentStatus { Awaiting, Requested, Held, Paid, Voided, Declined }
}

/// Whether a merchant may trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MerchantStatus {
    Active,
    Suspended,
}

/// Where a heritage application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HeritageStatus {
    Applied,
    Approved,
    Rejected,
}

/// Whether an order stands, was confirmed by its merchant or was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Placed,
    Confirmed,
    Cancelled,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_screaming_snake_case() {
        let text = serde_json::to_string(&[
            serde_json::to_value(Kind::from(m::MerchantKind::Manufacturer)).unwrap(),
            serde_json::to_value(HeritageBadge::CenturyStore).unwrap(),
            serde_json::to_value(OnboardingStatus::InReview).unwrap(),
            serde_json::to_value(Route::DedicatedSeller).unwrap(),
        ])
        .unwrap();
        assert_eq!(
            text,
            r#"["MANUFACTURER","CENTURY_STORE","IN_REVIEW","DEDICATED_SELLER"]"#
        );
        let back: s::PaymentMethod = serde_json::from_str::<PaymentMethod>(r#""CARD""#)
            .unwrap()
            .into();
        assert_eq!(back, s::PaymentMethod::Card);
    }
}
