use async_trait::async_trait;
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction, json};

use super::tables::{
    LEDGER_ACCOUNTS, LEDGER_APPLIED, LEDGER_HISTORY, LEDGER_PENDING, WALLET_PROGRAMME,
};
use super::{settlement_subject, wallet_programme};
use crate::app::WALLET;
use crate::app::codec::{VoucherCodec, VoucherEvent};
use crate::app::views::{
    AccountView, Totals, TransferView, account_view, transfer_of, transfer_view,
};
use crate::domain::ledger::{
    Ledger, Mode, Transfer, programme_postings, settlement_postings, wallet_postings,
};
use crate::domain::wallet::WalletEvent;

/// The double-entry ledger: every event's transfers applied to the accounts
/// with the domain's [`Ledger`], which refuses a duplicate transfer id, an
/// unknown pending transfer or an overdrawn constrained account (such an
/// event is dead-lettered: the aggregates should have made it impossible).
pub struct LedgerProjection;

const NAME: &str = "voucher.ledger";

/// Loads the part of the ledger `transfer` touches.
async fn touched(tx: &Transaction<'_>, transfer: &Transfer) -> Result<Ledger, HandleError> {
    let mut ledger = Ledger::default();
    if tx.get(LEDGER_APPLIED, &transfer.id, "").await?.is_some() {
        ledger.applied.insert(transfer.id.clone());
    }
    let mut accounts = vec![transfer.debit, transfer.credit];
    if let Mode::PostPending { pending_id } | Mode::VoidPending { pending_id } = &transfer.mode
        && let Some(view) = tx
            .row::<TransferView>(LEDGER_PENDING, pending_id, "")
            .await?
    {
        let pending = transfer_of(&view).ok_or_else(|| {
            HandleError::permanent(format!("pending transfer {pending_id} is damaged"))
        })?;
        accounts.extend([pending.debit, pending.credit]);
        ledger.pending.insert(pending_id.clone(), pending);
    }
    for account in accounts {
        let stored = tx
            .row::<AccountView>(
                LEDGER_ACCOUNTS,
                &account.programme.to_string(),
                &account.code(),
            )
            .await?;
        let totals: Totals = stored.map(|a| a.totals).unwrap_or_default();
        ledger.accounts.insert(account, totals.into());
    }
    Ok(ledger)
}

async fn post(
    tx: &mut Transaction<'_>,
    transfer: &Transfer,
    view: TransferView,
    clustering: &str,
) -> Result<(), HandleError> {
    let mut ledger = touched(tx, transfer).await?;
    ledger.apply(transfer).map_err(HandleError::permanent)?;
    for (account, balance) in &ledger.accounts {
        let code = account.code();
        let partition = account.programme.to_string();
        tx.put(
            LEDGER_ACCOUNTS,
            &partition,
            &code,
            json(&account_view(code.clone(), *balance)),
        );
    }
    match &transfer.mode {
        Mode::Pending => tx.put(LEDGER_PENDING, &transfer.id, "", json(&view)),
        Mode::PostPending { pending_id } | Mode::VoidPending { pending_id } => {
            tx.delete(LEDGER_PENDING, pending_id, "");
        }
        Mode::Posted => {}
    }
    tx.put(LEDGER_APPLIED, &transfer.id, "", Vec::new());
    let value = json(&view);
    for account in [transfer.debit, transfer.credit] {
        let partition = format!("{}/{}", account.programme, account.code());
        tx.put(LEDGER_HISTORY, &partition, clustering, value.clone());
    }
    Ok(())
}

#[async_trait]
impl EventHandler for LedgerProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let envelope = &event.envelope;
        let decoded = event.decode::<VoucherCodec>()?;
        let transfers = match &decoded {
            VoucherEvent::Programme(event) => programme_postings(event),
            VoucherEvent::Wallet(event) => {
                let wallet = WALLET.parse(&envelope.subject).ok_or_else(|| {
                    HandleError::permanent("a wallet event outside a wallet stream")
                })?;
                if let WalletEvent::Opened { programme_id, .. } = event {
                    tx.put(
                        WALLET_PROGRAMME,
                        &wallet.to_string(),
                        NAME,
                        json(programme_id),
                    );
                }
                let programme = wallet_programme(tx, NAME, wallet).await?;
                wallet_postings(programme, wallet, event, envelope.id)
            }
            VoucherEvent::Settlement(event) => {
                let (programme, merchant) =
                    settlement_subject(&envelope.subject).ok_or_else(|| {
                        HandleError::permanent("a settlement event outside a settlement stream")
                    })?;
                settlement_postings(programme, merchant, event)
            }
            VoucherEvent::Case(_) | VoucherEvent::Payment(_) => Vec::new(),
        };
        for (index, transfer) in transfers.iter().enumerate() {
            let view = transfer_view(transfer, envelope.id, envelope.time);
            let clustering = format!("{:020}:{index:03}", event.position);
            post(tx, transfer, view, &clustering).await?;
        }
        Ok(())
    }
}
