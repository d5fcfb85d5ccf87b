use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::CommandMeta;
use uuid::Uuid;

use super::projections::tables::{
    ALL, MERCHANTS, OPEN_HOLDS, PROGRAMME_MERCHANTS, PROGRAMMES, SETTLEMENTS_BY_PROGRAMME,
    UNSETTLED, WALLETS_BY_PROGRAMME, pair,
};
use super::views::{
    BatchView, MerchantEntry, OpenHold, ProgrammeView, UnsettledLine, WalletSummary,
};
use super::{AppError, Voucher, settlement_stream, wallet_stream};
use crate::domain::programme::RevenueTier;
use crate::domain::settlement::{CapturedRedemption, SettlementCommand, SettlementError};
use crate::domain::wallet::{WalletCommand, WalletError};
use crate::domain::{Won, seoul_date};

/// What one housekeeping pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Housekeeping {
    pub holds_released: usize,
    pub batches_settled: usize,
    pub batches_paid: usize,
    pub wallets_expired: usize,
}

impl Voucher {
    /// Settles a closed business day of a programme: for every merchant, one
    /// batch of its captured redemptions not yet settled (net of refunds),
    /// minus the fee of its revenue tier, paid on T+N business days. Settling
    /// a day again changes nothing. Answers the day's batches.
    pub async fn settle(
        &self,
        programme_id: Uuid,
        business_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<BatchView>, AppError> {
        let terms = self.terms(programme_id).await?;
        if business_date >= seoul_date(now) {
            return Err(SettlementError::DayNotClosed(business_date).into());
        }
        self.caught_up().await;
        let merchants = self
            .scan_all::<String>(PROGRAMME_MERCHANTS, &programme_id.to_string())
            .await?;
        let mut position = 0;
        for (merchant, _) in merchants {
            let Ok(merchant_id) = merchant.parse::<Uuid>() else {
                continue;
            };
            let candidates = self
                .scan_all::<UnsettledLine>(UNSETTLED, &pair(&programme_id, &merchant_id))
                .await?
                .into_iter()
                .map(|(_, line)| CapturedRedemption {
                    redemption_id: line.redemption_id,
                    wallet_id: line.wallet_id,
                    captured_on: line.captured_on,
                    amount: Won(line.amount),
                })
                .collect();
            // The highest tier's fee when the merchant is unknown: never undercharge.
            let tier = self
                .tables
                .get_json::<MerchantEntry>(MERCHANTS, &merchant, "")
                .await?
                .map_or(RevenueTier::Medium, |m| m.revenue_tier.into());
            let command = SettlementCommand::Settle {
                programme_id,
                merchant_id,
                business_date,
                candidates,
                fee_rate: terms.fees.rate(tier),
                calendar: self.policy.calendar.clone(),
                payout_lag_days: self.policy.payout_lag_days,
                at: now,
            };
            let executed = self
                .settlements
                .execute(
                    &settlement_stream(programme_id, merchant_id),
                    &command,
                    &CommandMeta::default(),
                )
                .await?;
            position = position.max(executed.position);
        }
        self.projections.committed((), position).await;
        self.settlement_report(programme_id, Some(business_date))
            .await
    }

    /// Pays out every batch of a programme whose payout day has come.
    pub async fn pay_out(
        &self,
        programme_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<BatchView>, AppError> {
        self.caught_up().await;
        let today = seoul_date(now);
        let due: Vec<BatchView> = self
            .scan_all::<BatchView>(SETTLEMENTS_BY_PROGRAMME, &programme_id.to_string())
            .await?
            .into_iter()
            .map(|(_, batch)| batch)
            .filter(|b| b.paid_at.is_none() && b.payout_on <= today)
            .collect();
        let mut position = 0;
        for batch in &due {
            let command = SettlementCommand::PayOut {
                business_date: batch.business_date,
                at: now,
            };
            let stream = settlement_stream(programme_id, batch.merchant_id);
            let executed = self
                .settlements
                .execute(&stream, &command, &CommandMeta::default())
                .await?;
            position = position.max(executed.position);
        }
        self.projections.committed((), position).await;
        let paid = self.settlement_report(programme_id, None).await?;
        Ok(paid
            .into_iter()
            .filter(|b| {
                due.iter()
                    .any(|d| d.merchant_id == b.merchant_id && d.business_date == b.business_date)
            })
            .collect())
    }

    /// After a programme's validity: releases open holds and expires every
    /// remaining balance. Answers how many wallets had something to expire.
    pub async fn expire(&self, programme_id: Uuid, now: DateTime<Utc>) -> Result<usize, AppError> {
        let terms = self.terms(programme_id).await?;
        if seoul_date(now) <= terms.valid_until {
            return Err(WalletError::NotYetExpired(terms.valid_until).into());
        }
        self.caught_up().await;
        let wallets = self
            .scan_all::<WalletSummary>(WALLETS_BY_PROGRAMME, &programme_id.to_string())
            .await?;
        let mut expired = 0;
        let mut position = 0;
        for (_, wallet) in wallets.into_iter().filter(|(_, w)| w.balance > 0) {
            let command = WalletCommand::Expire {
                terms: terms.clone(),
                at: now,
            };
            let executed = self
                .wallets
                .execute(&wallet_stream(wallet.id), &command, &CommandMeta::default())
                .await?;
            expired += 1;
            position = position.max(executed.position);
        }
        self.projections.committed((), position).await;
        Ok(expired)
    }

    /// Releases every hold whose time is up; answers how many.
    pub async fn release_timed_out_holds(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let due: Vec<OpenHold> = self
            .scan_all::<OpenHold>(OPEN_HOLDS, ALL)
            .await?
            .into_iter()
            .map(|(_, hold)| hold)
            .filter(|hold| hold.expires_at <= now)
            .collect();
        let wallets: std::collections::BTreeSet<Uuid> = due.iter().map(|h| h.wallet_id).collect();
        let mut position = 0;
        for wallet in wallets {
            let command = WalletCommand::ReleaseTimedOutHolds { at: now };
            let stream = wallet_stream(wallet);
            let executed = self
                .wallets
                .execute(&stream, &command, &CommandMeta::default())
                .await?;
            position = position.max(executed.position);
        }
        self.projections.committed((), position).await;
        Ok(due.len())
    }

    /// One pass of the background work: release timed-out holds; for every
    /// programme settle yesterday (Asia/Seoul), pay out due batches and,
    /// after its validity, expire what is left.
    pub async fn housekeeping(&self, now: DateTime<Utc>) -> Result<Housekeeping, AppError> {
        let mut done = Housekeeping {
            holds_released: self.release_timed_out_holds(now).await?,
            ..Housekeeping::default()
        };
        let today = seoul_date(now);
        for (_, programme) in self.scan_all::<ProgrammeView>(PROGRAMMES, ALL).await? {
            if let Some(yesterday) = today.pred_opt()
                && yesterday >= programme.valid_from
            {
                done.batches_settled += self.settle(programme.id, yesterday, now).await?.len();
            }
            done.batches_paid += self.pay_out(programme.id, now).await?.len();
            if today > programme.valid_until {
                done.wallets_expired += self.expire(programme.id, now).await?;
            }
        }
        Ok(done)
    }
}
