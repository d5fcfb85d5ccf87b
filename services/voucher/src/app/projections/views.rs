use async_trait::async_trait;
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction, json};
use uuid::Uuid;

use super::tables::{
    ALL, CASE_BY_ID, CASES_BY_PROGRAMME, OPEN_HOLDS, PROGRAMME_MERCHANTS, PROGRAMMES,
    REDEMPTIONS_BY_MERCHANT, REDEMPTIONS_BY_WALLET, SANCTIONS, SETTLEMENTS_BY_MERCHANT,
    SETTLEMENTS_BY_PROGRAMME, UNSETTLED, WALLET_PROGRAMME, WALLETS_BY_PROGRAMME, pair,
};
use super::{settlement_subject, wallet_programme};
use crate::app::codec::{VoucherCodec, VoucherEvent};
use crate::app::views::{
    BatchView, CaseView, OpenHold, ProgrammeView, RedemptionView, UnsettledLine, WalletSummary,
    evolve_case, programme_view, redemption_view,
};
use crate::app::vocabulary::RedemptionStatus;
use crate::app::{CASE, PROGRAMME, WALLET};
use crate::domain::case::CaseEvent;
use crate::domain::programme::{ProgrammeEvent, ProgrammeState};
use crate::domain::settlement::SettlementEvent;
use crate::domain::wallet::{self, Redemption, WalletEvent};
use crate::domain::{Won, seoul_date};

/// Programmes, wallets per programme, open holds, redemptions per merchant and wallet,
/// unsettled captures, settlement batches, cases and sanctions.
pub struct ViewsProjection;

const NAME: &str = "voucher.views";

async fn programme(
    tx: &mut Transaction<'_>,
    event: &ProgrammeEvent,
    id: &str,
) -> Result<(), HandleError> {
    let view = match event {
        ProgrammeEvent::Created { terms, .. } => programme_view(&ProgrammeState {
            terms: Some(terms.clone()),
            ..ProgrammeState::default()
        }),
        ProgrammeEvent::SubsidyCommitted { amount, .. }
        | ProgrammeEvent::SubsidyReleased { amount, .. } => {
            let sign = if matches!(event, ProgrammeEvent::SubsidyCommitted { .. }) {
                1
            } else {
                -1
            };
            tx.row::<ProgrammeView>(PROGRAMMES, ALL, id)
                .await?
                .map(|mut view| {
                    // The programme decider keeps these within the budget.
                    let change = amount.0.saturating_mul(sign);
                    view.budget_committed = view.budget_committed.saturating_add(change);
                    view.budget_remaining = view.budget_remaining.saturating_sub(change);
                    view
                })
        }
    };
    let view =
        view.ok_or_else(|| HandleError::permanent(format!("programme {id} was never created")))?;
    tx.put(PROGRAMMES, ALL, id, json(&view));
    Ok(())
}

/// The change of a wallet's balance an event makes.
fn balance_delta(event: &WalletEvent) -> i64 {
    match event {
        WalletEvent::Purchased { face, .. } => face.0,
        WalletEvent::RedemptionRefunded { amount, .. } => amount.0,
        WalletEvent::PurchaseRefunded { face, .. } => face.0.saturating_neg(),
        WalletEvent::HoldCaptured { amount, .. }
        | WalletEvent::Paid { amount, .. }
        | WalletEvent::BalanceExpired { amount, .. } => amount.0.saturating_neg(),
        _ => 0,
    }
}

struct WalletKeys {
    wallet: Uuid,
    programme: Uuid,
}

impl WalletKeys {
    async fn redemption(
        &self,
        tx: &Transaction<'_>,
        merchant: Uuid,
        id: Uuid,
    ) -> Result<Option<RedemptionView>, HandleError> {
        tx.row(
            REDEMPTIONS_BY_MERCHANT,
            &merchant.to_string(),
            &id.to_string(),
        )
        .await
    }

    /// Files the redemption under its merchant and under its wallet.
    fn put_redemption(&self, tx: &mut Transaction<'_>, view: &RedemptionView) {
        let (id, value) = (view.id.to_string(), json(view));
        tx.put(
            REDEMPTIONS_BY_MERCHANT,
            &view.merchant_id.to_string(),
            &id,
            value.clone(),
        );
        tx.put(REDEMPTIONS_BY_WALLET, &self.wallet.to_string(), &id, value);
    }

    fn unsettled(&self, tx: &mut Transaction<'_>, merchant: Uuid, line: &UnsettledLine) {
        tx.put(
            UNSETTLED,
            &pair(&self.programme, &merchant),
            &line.redemption_id.to_string(),
            json(line),
        );
        tx.put(
            PROGRAMME_MERCHANTS,
            &self.programme.to_string(),
            &merchant.to_string(),
            json(&""),
        );
    }
}

async fn wallet(
    tx: &mut Transaction<'_>,
    subject: &str,
    event: &WalletEvent,
) -> Result<(), HandleError> {
    let wallet = WALLET
        .parse(subject)
        .ok_or_else(|| HandleError::permanent("a wallet event outside a wallet stream"))?;
    if let WalletEvent::Opened {
        programme_id,
        owner,
        ..
    } = event
    {
        tx.put(
            WALLET_PROGRAMME,
            &wallet.to_string(),
            NAME,
            json(programme_id),
        );
        let summary = WalletSummary {
            id: wallet,
            owner: owner.clone(),
            balance: 0,
        };
        tx.put(
            WALLETS_BY_PROGRAMME,
            &programme_id.to_string(),
            &wallet.to_string(),
            json(&summary),
        );
        return Ok(());
    }
    let keys = WalletKeys {
        wallet,
        programme: wallet_programme(tx, NAME, wallet).await?,
    };
    let delta = balance_delta(event);
    if delta != 0 {
        let (partition, clustering) = (keys.programme.to_string(), wallet.to_string());
        let mut summary: WalletSummary = tx
            .row(WALLETS_BY_PROGRAMME, &partition, &clustering)
            .await?
            .ok_or_else(|| HandleError::permanent(format!("wallet {wallet} is not listed")))?;
        summary.balance = summary.balance.saturating_add(delta);
        tx.put(
            WALLETS_BY_PROGRAMME,
            &partition,
            &clustering,
            json(&summary),
        );
    }
    let fresh = |id: Uuid, merchant: Uuid, amount: Won, status, at| {
        redemption_view(
            id,
            keys.wallet,
            keys.programme,
            &Redemption {
                merchant_id: merchant,
                amount,
                status,
                refunded: Won::ZERO,
                at,
            },
        )
    };
    match event {
        WalletEvent::HoldPlaced {
            redemption_id,
            merchant_id,
            amount,
            expires_at,
            at,
        } => {
            let hold = OpenHold {
                wallet_id: wallet,
                expires_at: *expires_at,
            };
            tx.put(OPEN_HOLDS, ALL, &redemption_id.to_string(), json(&hold));
            let view = fresh(
                *redemption_id,
                *merchant_id,
                *amount,
                wallet::RedemptionStatus::Held {
                    expires_at: *expires_at,
                },
                *at,
            );
            keys.put_redemption(tx, &view);
        }
        WalletEvent::Paid {
            redemption_id,
            merchant_id,
            amount,
            at,
        } => {
            let view = fresh(
                *redemption_id,
                *merchant_id,
                *amount,
                wallet::RedemptionStatus::Captured { at: *at },
                *at,
            );
            keys.put_redemption(tx, &view);
            let line = UnsettledLine {
                redemption_id: *redemption_id,
                wallet_id: wallet,
                captured_on: seoul_date(*at),
                amount: amount.0,
            };
            keys.unsettled(tx, *merchant_id, &line);
        }
        WalletEvent::RedemptionDeclined {
            redemption_id,
            merchant_id,
            amount,
            reason,
            at,
        } => {
            let view = fresh(
                *redemption_id,
                *merchant_id,
                *amount,
                wallet::RedemptionStatus::Declined(*reason),
                *at,
            );
            keys.put_redemption(tx, &view);
        }
        WalletEvent::HoldCaptured {
            redemption_id,
            merchant_id,
            at,
            ..
        }
        | WalletEvent::HoldVoided {
            redemption_id,
            merchant_id,
            at,
            ..
        }
        | WalletEvent::HoldTimedOut {
            redemption_id,
            merchant_id,
            at,
            ..
        } => {
            tx.delete(OPEN_HOLDS, ALL, &redemption_id.to_string());
            let mut view = keys
                .redemption(tx, *merchant_id, *redemption_id)
                .await?
                .ok_or_else(|| {
                    HandleError::permanent(format!("redemption {redemption_id} was never held"))
                })?;
            view.expires_at = None;
            view.status = match event {
                WalletEvent::HoldCaptured { .. } => {
                    view.captured_at = Some(*at);
                    let line = UnsettledLine {
                        redemption_id: *redemption_id,
                        wallet_id: wallet,
                        captured_on: seoul_date(*at),
                        amount: view.amount,
                    };
                    keys.unsettled(tx, *merchant_id, &line);
                    RedemptionStatus::Captured
                }
                WalletEvent::HoldVoided { .. } => RedemptionStatus::Voided,
                _ => RedemptionStatus::TimedOut,
            };
            keys.put_redemption(tx, &view);
        }
        WalletEvent::RedemptionRefunded {
            redemption_id,
            merchant_id,
            amount,
            ..
        } => {
            if let Some(mut view) = keys.redemption(tx, *merchant_id, *redemption_id).await? {
                view.refunded = view.refunded.saturating_add(amount.0);
                keys.put_redemption(tx, &view);
            }
            let (partition, clustering) = (
                pair(&keys.programme, merchant_id),
                redemption_id.to_string(),
            );
            if let Some(mut line) = tx
                .row::<UnsettledLine>(UNSETTLED, &partition, &clustering)
                .await?
            {
                line.amount = line.amount.saturating_sub(amount.0);
                tx.put(UNSETTLED, &partition, &clustering, json(&line));
            }
        }
        WalletEvent::Opened { .. }
        | WalletEvent::Purchased { .. }
        | WalletEvent::PurchaseRefunded { .. }
        | WalletEvent::BalanceExpired { .. } => {}
    }
    Ok(())
}

async fn settlement(
    tx: &mut Transaction<'_>,
    subject: &str,
    event: &SettlementEvent,
) -> Result<(), HandleError> {
    let (programme, merchant) = settlement_subject(subject)
        .ok_or_else(|| HandleError::permanent("a settlement event outside a settlement stream"))?;
    let (by_programme, by_merchant) = (programme.to_string(), merchant.to_string());
    let keys =
        |date: chrono::NaiveDate| (format!("{date}:{merchant}"), format!("{date}:{programme}"));
    let batch = match event {
        SettlementEvent::Settled(batch) => {
            for line in &batch.lines {
                tx.delete(
                    UNSETTLED,
                    &pair(&programme, &merchant),
                    &line.redemption_id.to_string(),
                );
            }
            BatchView::from(batch)
        }
        SettlementEvent::PaidOut {
            business_date, at, ..
        } => {
            let mut view: BatchView = tx
                .row(
                    SETTLEMENTS_BY_PROGRAMME,
                    &by_programme,
                    &keys(*business_date).0,
                )
                .await?
                .ok_or_else(|| {
                    HandleError::permanent(format!("no batch of {business_date} to pay"))
                })?;
            view.paid_at = Some(*at);
            view
        }
    };
    let (programme_key, merchant_key) = keys(batch.business_date);
    tx.put(
        SETTLEMENTS_BY_PROGRAMME,
        &by_programme,
        &programme_key,
        json(&batch),
    );
    tx.put(
        SETTLEMENTS_BY_MERCHANT,
        &by_merchant,
        &merchant_key,
        json(&batch),
    );
    Ok(())
}

async fn case(
    tx: &mut Transaction<'_>,
    subject: &str,
    event: &CaseEvent,
) -> Result<(), HandleError> {
    let id = CASE
        .parse(subject)
        .ok_or_else(|| HandleError::permanent("a case event outside a case stream"))?;
    let before: Option<CaseView> = tx.row(CASE_BY_ID, &id.to_string(), "").await?;
    let after = evolve_case(before, event)
        .ok_or_else(|| HandleError::permanent(format!("case {id} was never opened")))?;
    let sanction = (
        pair(&after.programme_id, &after.merchant_id),
        id.to_string(),
    );
    match event {
        CaseEvent::MerchantSuspended { .. } => {
            tx.put(SANCTIONS, &sanction.0, &sanction.1, json(&""))
        }
        CaseEvent::MerchantReinstated { .. } => tx.delete(SANCTIONS, &sanction.0, &sanction.1),
        CaseEvent::Opened(_) | CaseEvent::Dismissed { .. } => {}
    }
    let value = json(&after);
    tx.put(CASE_BY_ID, &id.to_string(), "", value.clone());
    tx.put(
        CASES_BY_PROGRAMME,
        &after.programme_id.to_string(),
        &id.to_string(),
        value,
    );
    Ok(())
}

#[async_trait]
impl EventHandler for ViewsProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let envelope = &event.envelope;
        let subject = envelope.subject.as_str();
        match event.decode::<VoucherCodec>()? {
            VoucherEvent::Programme(event) => {
                let id = PROGRAMME.parse(subject).ok_or_else(|| {
                    HandleError::permanent("a programme event outside a programme stream")
                })?;
                programme(tx, &event, &id.to_string()).await
            }
            VoucherEvent::Wallet(event) => wallet(tx, subject, &event).await,
            VoucherEvent::Settlement(event) => settlement(tx, subject, &event).await,
            VoucherEvent::Case(event) => case(tx, subject, &event).await,
            VoucherEvent::Payment(_) => Ok(()),
        }
    }
}
