use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::{
    CommandError, CommandHandler, CommandMeta, EventHandler, HandleError, RecordedEvent,
    Transaction, json,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::tables::{FRAUD_RISK, MERCHANTS, WALLET_PROGRAMME};
use super::wallet_programme;
use crate::app::codec::{CaseCodec, VoucherCodec, VoucherEvent};
use crate::app::views::MerchantEntry;
use crate::app::vocabulary::Rule;
use crate::app::{WALLET, case_stream, voucher::derived_id};
use crate::domain::Won;
use crate::domain::case::{Case, CaseCommand, CaseInfo};
use crate::domain::fraud::{DayStats, FraudPolicy, MerchantRisk, Signal, observe};
use crate::domain::wallet::WalletEvent;

/// Feeds captured redemptions to the fraud rules (a process manager): a hit
/// opens a case for an official. The case id derives from programme,
/// merchant, rule and day, so a batch handled again after a crash opens the
/// same case, once.
pub struct FraudProjection {
    cases: Arc<CommandHandler<Case, CaseCodec>>,
    policy: FraudPolicy,
}

const NAME: &str = "voucher.fraud";

impl FraudProjection {
    pub fn new(cases: Arc<CommandHandler<Case, CaseCodec>>, policy: FraudPolicy) -> Self {
        Self { cases, policy }
    }
}

/// The stored form of a [`DayStats`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DayRecord {
    day: NaiveDate,
    count: u32,
    /// Whole won.
    volume: i64,
    per_wallet: Vec<(Uuid, u32)>,
}

/// The stored form of [`MerchantRisk`].
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RiskRecord {
    first_seen: Option<NaiveDate>,
    days: Vec<DayRecord>,
    round_times: Vec<DateTime<Utc>>,
    hits: Vec<(NaiveDate, Rule)>,
}

impl From<&MerchantRisk> for RiskRecord {
    fn from(risk: &MerchantRisk) -> Self {
        Self {
            first_seen: risk.first_seen,
            days: risk
                .days
                .iter()
                .map(|(day, stats)| DayRecord {
                    day: *day,
                    count: stats.count,
                    volume: stats.volume.0,
                    per_wallet: stats.per_wallet.iter().map(|(w, n)| (*w, *n)).collect(),
                })
                .collect(),
            round_times: risk.round_times.iter().copied().collect(),
            hits: risk.hits.iter().map(|(d, r)| (*d, (*r).into())).collect(),
        }
    }
}

impl From<RiskRecord> for MerchantRisk {
    fn from(record: RiskRecord) -> Self {
        Self {
            first_seen: record.first_seen,
            days: record
                .days
                .into_iter()
                .map(|d| {
                    let stats = DayStats {
                        count: d.count,
                        volume: Won(d.volume),
                        per_wallet: d.per_wallet.into_iter().collect(),
                    };
                    (d.day, stats)
                })
                .collect(),
            round_times: record.round_times.into_iter().collect(),
            hits: record
                .hits
                .into_iter()
                .map(|(d, r)| (d, r.into()))
                .collect(),
        }
    }
}

#[async_trait]
impl EventHandler for FraudProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let envelope = &event.envelope;
        let Some(wallet) = WALLET.parse(&envelope.subject) else {
            return Ok(());
        };
        let VoucherEvent::Wallet(decoded) = event.decode::<VoucherCodec>()? else {
            return Ok(());
        };
        let (merchant_id, amount, at) = match decoded {
            WalletEvent::Opened { programme_id, .. } => {
                tx.put(
                    WALLET_PROGRAMME,
                    &wallet.to_string(),
                    NAME,
                    json(&programme_id),
                );
                return Ok(());
            }
            WalletEvent::HoldCaptured {
                merchant_id,
                amount,
                at,
                ..
            }
            | WalletEvent::Paid {
                merchant_id,
                amount,
                at,
                ..
            } => (merchant_id, amount, at),
            _ => return Ok(()),
        };
        let programme = wallet_programme(tx, NAME, wallet).await?;
        let merchant = merchant_id.to_string();
        let registered_on = tx
            .row::<MerchantEntry>(MERCHANTS, &merchant, "")
            .await?
            .map(|m| m.registered_on);
        let mut risk: MerchantRisk = tx
            .row::<RiskRecord>(FRAUD_RISK, &merchant, "")
            .await?
            .unwrap_or_default()
            .into();
        let signal = Signal::Redemption {
            merchant_id,
            wallet_id: wallet,
            amount,
            at,
            registered_on,
        };
        for hit in observe(&self.policy, &mut risk, &signal) {
            let rule: Rule = hit.rule.into();
            let code = serde_json::to_string(&rule).map_err(HandleError::permanent)?;
            let case_id = derived_id(&[
                "case",
                &programme.to_string(),
                &merchant,
                &code,
                &hit.day.to_string(),
            ]);
            let open = CaseCommand::Open {
                info: CaseInfo {
                    case_id,
                    programme_id: programme,
                    merchant_id,
                    rule: hit.rule,
                    evidence: hit.evidence,
                    opened_at: at,
                },
            };
            tracing::warn!(%merchant_id, rule = %code, "fraud rule hit; case opened");
            let meta = CommandMeta {
                causation_id: Some(envelope.id),
                correlation_id: Some(envelope.correlation_id),
                ..CommandMeta::default()
            };
            match self
                .cases
                .execute(&case_stream(case_id), &open, &meta)
                .await
            {
                Ok(_) => {}
                Err(CommandError::Storage(error)) => return Err(HandleError::Storage(error)),
                Err(error) => return Err(HandleError::permanent(error)),
            }
        }
        tx.put(FRAUD_RISK, &merchant, "", json(&RiskRecord::from(&risk)));
        Ok(())
    }
}
