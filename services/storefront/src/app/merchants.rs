use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::{CommandError, CommandMeta, Decider};
use uuid::Uuid;

use super::views::{MerchantView, merchant_view};
use super::{AppError, Committed, Storefront, merchant_stream};
use crate::domain::business_number::{BusinessNumber, CLAIM_GRACE, ClaimCommand, ClaimError};
use crate::domain::merchant::{
    Merchant, MerchantCommand, MerchantError, MerchantKind, MerchantStanding, MerchantState,
    MerchantStatus, Registration, RevenueTier,
};

/// A registration as entered; the business number is still raw text.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMerchant {
    pub business_number: String,
    pub name: String,
    pub kind: MerchantKind,
    pub category: String,
    pub district: String,
    pub founded_on: NaiveDate,
    pub revenue_tier: RevenueTier,
}

fn claim_stream(number: &BusinessNumber) -> String {
    format!("business-number-{}", number.digits())
}

impl Storefront {
    /// Registers `merchant_id`. The business number is first claimed in its
    /// own stream (`business-number-<digits>`, optimistic concurrency), so of
    /// two registrations of one number only one can succeed.
    pub async fn register(
        &self,
        merchant_id: Uuid,
        input: NewMerchant,
        meta: &CommandMeta,
    ) -> Result<Committed<MerchantView>, AppError> {
        let number = BusinessNumber::parse(&input.business_number)?;
        let at = Utc::now();
        let command = MerchantCommand::Register(Registration {
            merchant_id,
            business_number: number.clone(),
            name: input.name,
            kind: input.kind,
            category: input.category,
            district: input.district,
            founded_on: input.founded_on,
            revenue_tier: input.revenue_tier,
            at,
        });
        if self.merchants.already_done(meta).await? {
            return self.merchant_command(merchant_id, command, meta).await;
        }
        // Refuse what the merchant stream would refuse before claiming the number.
        let (current, _) = self.merchants.load(&merchant_stream(merchant_id)).await?;
        Merchant::decide(&current, &command)?;
        match self.claim(&number, merchant_id, at, meta).await {
            Err(AppError::BusinessNumberTaken(_)) if self.merchants.already_done(meta).await? => {}
            Err(error) => return Err(error),
            Ok(()) => {}
        }
        self.merchant_command(merchant_id, command, meta).await
    }

    async fn claim(
        &self,
        number: &BusinessNumber,
        merchant_id: Uuid,
        at: DateTime<Utc>,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let stream = claim_stream(number);
        let meta = meta.without_key();
        let claim = ClaimCommand::Claim {
            number: number.clone(),
            merchant_id,
            at,
        };
        let (holder, taken) = match self.claims.execute(&stream, &claim, &meta).await {
            Ok(_) => return Ok(()),
            Err(CommandError::Rejected(
                taken @ ClaimError::Taken {
                    holder, claimed_at, ..
                },
            )) if at - claimed_at >= CLAIM_GRACE => (holder, taken),
            Err(error) => return Err(error.into()),
        };
        // The claim is old: take it over if its holder never registered with it.
        let holder_stream = merchant_stream(holder);
        let (state, _) = self.merchants.load(&holder_stream).await?;
        match &*state {
            MerchantState::Registered(profile) if profile.business_number == *number => {
                return Err(taken.into());
            }
            MerchantState::Registered(_) | MerchantState::Abandoned => {}
            MerchantState::Unregistered => {
                let abandon = MerchantCommand::AbandonRegistration { at };
                match self
                    .merchants
                    .execute(&holder_stream, &abandon, &meta)
                    .await
                {
                    Ok(_) => {}
                    Err(CommandError::Rejected(MerchantError::AlreadyRegistered)) => {
                        return Err(taken.into());
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        }
        tracing::warn!(%holder, %merchant_id, "taking over a stale business number claim");
        let take_over = ClaimCommand::TakeOver {
            number: number.clone(),
            merchant_id,
            abandoned: holder,
            at,
        };
        self.claims.execute(&stream, &take_over, &meta).await?;
        Ok(())
    }

    /// Executes a command on a registered merchant and answers its view.
    pub async fn merchant_command(
        &self,
        merchant_id: Uuid,
        command: MerchantCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<MerchantView>, AppError> {
        let executed = self
            .merchants
            .execute(&merchant_stream(merchant_id), &command, meta)
            .await?;
        let profile = executed.state.profile().ok_or(MerchantError::NotFound)?;
        let view = merchant_view(profile, executed.stream_version);
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// Suspends the merchant because an official suspended it from a voucher
    /// programme over fraud case `case_id` (issued by the consumer of the
    /// voucher's events). Already suspended, or unknown here: nothing changes.
    pub(crate) async fn suspend_for_case(
        &self,
        merchant_id: Uuid,
        case_id: Uuid,
        reason: &str,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let command = MerchantCommand::Suspend {
            reason: case_reason(case_id, reason),
            at: Utc::now(),
        };
        match self
            .merchants
            .execute(&merchant_stream(merchant_id), &command, meta)
            .await
        {
            Ok(_)
            | Err(CommandError::Rejected(
                MerchantError::AlreadySuspended | MerchantError::NotFound,
            )) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Lifts a suspension that fraud case `case_id` caused; a suspension for
    /// any other reason stays.
    pub(crate) async fn reinstate_for_case(
        &self,
        merchant_id: Uuid,
        case_id: Uuid,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let stream = merchant_stream(merchant_id);
        let (state, _) = self.merchants.load(&stream).await?;
        let caused = state.profile().is_some_and(|p| {
            matches!(&p.status, MerchantStatus::Suspended { reason }
                if reason.starts_with(&case_prefix(case_id)))
        });
        if !caused {
            return Ok(());
        }
        let command = MerchantCommand::Reinstate { at: Utc::now() };
        match self.merchants.execute(&stream, &command, meta).await {
            Ok(_) | Err(CommandError::Rejected(MerchantError::NotSuspended)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Whether the merchant may trade, from its aggregate (not a read model).
    pub async fn standing(&self, merchant_id: Uuid) -> Result<MerchantStanding, AppError> {
        let (state, _) = self.merchants.load(&merchant_stream(merchant_id)).await?;
        Ok(state.standing())
    }
}

fn case_prefix(case_id: Uuid) -> String {
    format!("voucher fraud case {case_id}")
}

/// The storefront's suspension reason for a fraud case: names the case,
/// then the official's reason, within the reason's length limit.
fn case_reason(case_id: Uuid, reason: &str) -> String {
    format!("{}: {reason}", case_prefix(case_id))
        .chars()
        .take(crate::domain::merchant::REASON_MAX)
        .collect()
}
