//! The voucher's codes as they appear on the wire, in events and on the HTTP
//! API alike. A published code is never renamed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::case as c;
use crate::domain::fraud as f;
use crate::domain::programme as p;

pub use golmok_contracts::voucher::{DeclineReason, Ineligible, Rule};
use golmok_contracts::{codes, map_codes};

codes! {
    /// A merchant's annual revenue band (drives its fee tier).
    RevenueTier <=> p::RevenueTier { Micro, Small, Medium }
}
map_codes!(Ineligible <=> p::Ineligible { OutsideRegion, CategoryNotEligible, Suspended });
map_codes!(Rule <=> f::Rule { VelocityAboveBaseline, RoundAmountBurst, NewMerchantVolume, RepeatedWallet });
codes! {
    /// Where a fraud case stands.
    CaseStatus <=> c::CaseStatus { Open, MerchantSuspended, Dismissed, MerchantReinstated }
}

/// Where a redemption stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RedemptionStatus {
    Held,
    Captured,
    Voided,
    TimedOut,
    Declined,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_screaming_snake_case() {
        let text = serde_json::to_string(&(
            Rule::from(f::Rule::RoundAmountBurst),
            CaseStatus::MerchantSuspended,
            RedemptionStatus::TimedOut,
            Ineligible::from(p::Ineligible::CategoryNotEligible),
        ))
        .unwrap();
        assert_eq!(
            text,
            r#"["ROUND_AMOUNT_BURST","MERCHANT_SUSPENDED","TIMED_OUT","CATEGORY_NOT_ELIGIBLE"]"#
        );
    }
}
