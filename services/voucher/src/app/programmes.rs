use chrono::{DateTime, Utc};
use golmok_contracts::voucher::http::Programme;
use golmok_kernel::CommandMeta;
use uuid::Uuid;

use super::views::{ProgrammeView, programme_view};
use super::{AppError, Committed, Voucher, programme_stream};
use crate::domain::programme::{FeeTiers, ProgrammeCommand, ProgrammeError, Terms};
use crate::domain::{Bps, Won};

/// A rate as the domain takes it. Outside 0..=u32::MAX it is beyond every
/// rate's maximum, so it becomes u32::MAX and the programme refuses it with
/// its own code and range.
fn rate(bps: i64) -> Bps {
    Bps(u32::try_from(bps).unwrap_or(u32::MAX))
}

impl Voucher {
    pub async fn create_programme(
        &self,
        body: Programme,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<ProgrammeView>, AppError> {
        let terms = Terms {
            programme_id: Uuid::now_v7(),
            issuer: body.issuer,
            name: body.name,
            region: body.region,
            districts: body.districts.into_iter().collect(),
            face_values: body.face_values.into_iter().map(Won).collect(),
            discount: rate(body.discount_bps),
            monthly_cap: Won(body.monthly_cap),
            valid_from: body.valid_from,
            valid_until: body.valid_until,
            categories: body.categories.into_iter().collect(),
            fees: FeeTiers {
                micro: rate(body.fee_tiers.micro),
                small: rate(body.fee_tiers.small),
                medium: rate(body.fee_tiers.medium),
            },
            budget: Won(body.budget),
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
        Ok(state.terms.clone().ok_or(ProgrammeError::NotFound)?)
    }
}
