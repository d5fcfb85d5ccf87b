//! Request bodies of docs/voucher-http.md (a programme's is the app's
//! `ProgrammeDraft`).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::ProgrammeDraft;
use crate::app::views::FeeTiersView;

/// The body of `POST /programmes`: the app's `ProgrammeDraft`, with its rates
/// read as any integer so that a negative or huge rate is refused by the
/// programme's own rule (RATE_OUT_OF_RANGE, naming the field) rather than by
/// the JSON parser.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Programme {
    pub issuer: String,
    pub name: String,
    pub region: String,
    pub districts: BTreeSet<String>,
    pub face_values: BTreeSet<i64>,
    pub discount_bps: i64,
    pub monthly_cap: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub categories: BTreeSet<String>,
    pub fee_tiers: FeeTiers,
    pub budget: i64,
}

/// Basis points per revenue tier, as sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeTiers {
    pub micro: i64,
    pub small: i64,
    pub medium: i64,
}

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
            districts: body.districts,
            face_values: body.face_values,
            discount_bps: rate(body.discount_bps),
            monthly_cap: body.monthly_cap,
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            categories: body.categories,
            fee_tiers: FeeTiersView {
                micro: rate(body.fee_tiers.micro),
                small: rate(body.fee_tiers.small),
                medium: rate(body.fee_tiers.medium),
            },
            budget: body.budget,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Purchase {
    pub face_value: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Redeem {
    pub merchant_id: Uuid,
    pub amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Amount {
    pub amount: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settle {
    pub business_date: NaiveDate,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}
