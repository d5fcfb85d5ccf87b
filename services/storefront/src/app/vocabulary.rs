//! The programme's codes as they appear on the wire, in events and on the HTTP
//! API alike. A published code is never renamed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::merchant as m;
use crate::domain::shop as s;

/// Defines a wire enum with SCREAMING_SNAKE codes that maps one to one onto a
/// domain enum with the same variant names. Exported for the other services'
/// vocabularies (the caller imports `Serialize`, `Deserialize` and `JsonSchema`).
#[macro_export]
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident <=> $module:ident :: $domain:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($variant),+
        }

        impl From<$module::$domain> for $name {
            fn from(value: $module::$domain) -> Self {
                match value {
                    $($module::$domain::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for $module::$domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $module::$domain::$variant),+
                }
            }
        }
    };
}

codes! {
    /// 소상인 RETAILER or 소공인 MANUFACTURER.
    Kind <=> m::MerchantKind { Retailer, Manufacturer }
}
codes! {
    /// Annual revenue band.
    RevenueTier <=> m::RevenueTier { Micro, Small, Medium }
}
codes! {
    /// 백년가게 CENTURY_STORE or 명문소공인 MASTER_ARTISAN.
    HeritageBadge <=> m::HeritageBadge { CenturyStore, MasterArtisan }
}
codes! {
    /// Where a diagnosis routes the merchant.
    Route <=> m::Route { ChannelListing, DedicatedSeller, Education }
}
codes! {
    /// Domestic or global sales channel.
    Market <=> m::Market { Domestic, Global }
}
codes! {
    /// Status of a channel onboarding request.
    OnboardingStatus <=> m::OnboardingStatus { Requested, InReview, Live, Rejected }
}
codes! {
    /// How an order is paid.
    PaymentMethod <=> s::PaymentMethod { Voucher, Card }
}
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
