//! Request bodies of docs/voucher-http.md, defined by the contract
//! (`golmok_contracts::voucher::http`); a programme's becomes the app's
//! `ProgrammeDraft` here.

pub use golmok_contracts::voucher::http::{
    Amount, Empty, Programme, Purchase, Reason, Redeem, Settle,
};

use crate::app::ProgrammeDraft;
use crate::app::views::FeeTiersView;

/// A rate as the domain takes it. Outside 0..=u32::MAX it is beyond every
/// rate's maximum, so it becomes u32::MAX and the programme refuses it with
/// its own code and range.
fn rate(bps: i64) -> u32 {
    u32::try_from(bps).unwrap_or(u32::MAX)
}

impl From<Programme> for ProgrammeDraft {
    fn from(body: Programme) -> ProgrammeDraft {
        ProgrammeDraft {
            issuer: body.issuer,
            name: body.name,
            region: body.region,
            districts: body.districts.into_iter().collect(),
            face_values: body.face_values.into_iter().collect(),
            discount_bps: rate(body.discount_bps),
            monthly_cap: body.monthly_cap,
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            categories: body.categories.into_iter().collect(),
            fee_tiers: FeeTiersView {
                micro: rate(body.fee_tiers.micro),
                small: rate(body.fee_tiers.small),
                medium: rate(body.fee_tiers.medium),
            },
            budget: body.budget,
        }
    }
}
