use chrono::{DateTime, Utc};
use golmok_kernel::CommandMeta;
use golmok_runtime::Actor;
use uuid::Uuid;

use super::views::{CaseView, case_view};
use super::{AppError, Committed, Voucher, case_stream};
use crate::domain::case::{CaseCommand, CaseError};

/// More events than a case ever has (opened, decided, reinstated).
const CASE_EVENTS_MAX: u64 = 16;

/// An official's decision on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseDecision {
    /// Suspend the merchant from the programme.
    Suspend {
        reason: String,
    },
    Dismiss {
        reason: String,
    },
    /// Lift the suspension.
    Reinstate,
}

impl Voucher {
    pub async fn case(&self, case_id: Uuid) -> Result<CaseView, AppError> {
        let events = self
            .cases
            .events_until(&case_stream(case_id), CASE_EVENTS_MAX)
            .await?;
        Ok(case_view(&events).ok_or(CaseError::NotFound)?)
    }

    pub async fn decide_case(
        &self,
        case_id: Uuid,
        decision: CaseDecision,
        official: &Actor,
        meta: &CommandMeta,
        now: DateTime<Utc>,
    ) -> Result<Committed<CaseView>, AppError> {
        let official = official.subject.clone();
        let command = match decision {
            CaseDecision::Suspend { reason } => CaseCommand::Suspend {
                official,
                reason,
                at: now,
            },
            CaseDecision::Dismiss { reason } => CaseCommand::Dismiss {
                official,
                reason,
                at: now,
            },
            CaseDecision::Reinstate => CaseCommand::Reinstate { official, at: now },
        };
        let stream = case_stream(case_id);
        let executed = self.cases.execute(&stream, &command, meta).await?;
        let events = self
            .cases
            .events_until(&stream, executed.stream_version)
            .await?;
        let view = case_view(&events).ok_or(CaseError::NotFound)?;
        Ok(self.projections.committed(view, executed.position).await)
    }
}
