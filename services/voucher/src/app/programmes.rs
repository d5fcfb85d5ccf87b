use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::CommandMeta;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::views::{FeeTiersView, ProgrammeView, programme_view};
use super::{AppError, Committed, Voucher, programme_stream};
use crate::domain::programme::{FeeTiers, ProgrammeCommand, ProgrammeError, Terms};
use crate::domain::{Bps, Won};

/// A programme as entered by an official (the body of `POST /programmes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgrammeDraft {
    pub issuer: String,
    pub name: String,
    pub region: String,
    pub districts: BTreeSet<String>,
    pub face_values: BTreeSet<i64>,
    pub discount_bps: u32,
    pub monthly_cap: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub categories: BTreeSet<String>,
    /// Basis points per revenue tier.
    pub fee_tiers: FeeTiersView,
    pub budget: i64,
}

impl Voucher {
    pub async fn create_programme(
        &self,
        draft: ProgrammeDraft,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<ProgrammeView>, AppError> {
        let FeeTiersView {
            micro,
            small,
            medium,
        } = draft.fee_tiers;
        let terms = Terms {
            programme_id: Uuid::now_v7(),
            issuer: draft.issuer,
            name: draft.name,
            region: draft.region,
            districts: draft.districts,
            face_values: draft.face_values.into_iter().map(Won).collect(),
            discount: Bps(draft.discount_bps),
            monthly_cap: Won(draft.monthly_cap),
            valid_from: draft.valid_from,
            valid_until: draft.valid_until,
            categories: draft.categories,
            fees: FeeTiers {
                micro: Bps(micro),
                small: Bps(small),
                medium: Bps(medium),
            },
            budget: Won(draft.budget),
        };
        let stream = programme_stream(terms.programme_id);
        let command = ProgrammeCommand::Create { terms, at: now };
        let executed = self.programmes.execute(&stream, &command, meta).await?;
        // A replay answers the programme the key created first, as it was then.
        let view = programme_view(&executed.state).ok_or(ProgrammeError::NotFound)?;
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// The programme from its aggregate (budget figures are current).
    pub async fn programme(&self, programme_id: Uuid) -> Result<ProgrammeView, AppError> {
        let (state, _) = self
            .programmes
            .load(&programme_stream(programme_id))
            .await?;
        Ok(programme_view(&state).ok_or(ProgrammeError::NotFound)?)
    }

    pub(super) async fn terms(&self, programme_id: Uuid) -> Result<Terms, AppError> {
        let (state, _) = self
            .programmes
            .load(&programme_stream(programme_id))
            .await?;
        Ok(state.terms.ok_or(ProgrammeError::NotFound)?)
    }
}
