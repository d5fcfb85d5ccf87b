//! The voucher's codes as they appear on the wire, in events and on the HTTP
//! API alike (defined by the contract), mapped onto the domain's enums. A
//! published code is never renamed.

use crate::domain::case as c;
use crate::domain::fraud as f;
use crate::domain::programme as p;

use golmok_contracts::map_codes;
pub use golmok_contracts::voucher::http::{CaseStatus, RedemptionStatus, RevenueTier};
pub use golmok_contracts::voucher::{DeclineReason, Ineligible, Rule};

map_codes!(RevenueTier <=> p::RevenueTier { Micro, Small, Medium });
map_codes!(Ineligible <=> p::Ineligible { OutsideRegion, CategoryNotEligible, Suspended });
map_codes!(Rule <=> f::Rule { VelocityAboveBaseline, RoundAmountBurst, NewMerchantVolume, RepeatedWallet });
map_codes!(CaseStatus <=> c::CaseStatus { Open, MerchantSuspended, Dismissed, MerchantReinstated });

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
