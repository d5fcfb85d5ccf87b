//! The storefront's codes as they appear on the wire, in events and on the
//! HTTP API alike (defined by the contract), mapped onto the domain's enums.
//! A published code is never renamed.

use crate::domain::merchant as m;
use crate::domain::shop as s;

use golmok_contracts::map_codes;
pub use golmok_contracts::storefront::http::{
    HeritageStatus, MerchantStatus, OrderStatus, PaymentStatus,
};
pub use golmok_contracts::storefront::{
    HeritageBadge, Kind, Market, OnboardingStatus, PaymentMethod, RevenueTier, Route,
};

map_codes!(Kind <=> m::MerchantKind { Retailer, Manufacturer });
map_codes!(RevenueTier <=> m::RevenueTier { Micro, Small, Medium });
map_codes!(HeritageBadge <=> m::HeritageBadge { CenturyStore, MasterArtisan });
map_codes!(Route <=> m::Route { ChannelListing, DedicatedSeller, Education });
map_codes!(Market <=> m::Market { Domestic, Global });
map_codes!(OnboardingStatus <=> m::OnboardingStatus { Requested, InReview, Live, Rejected });
map_codes!(PaymentMethod <=> s::PaymentMethod { Voucher, Card });
map_codes!(PaymentStatus <=> s::PaymentStatus { Awaiting, Requested, Held, Paid, Voided, Declined });

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
