use uuid::Uuid;

use super::{AccountId, AccountKind, Mode, Transfer};
use crate::domain::Won;
use crate::domain::programme::ProgrammeEvent;
use crate::domain::settlement::SettlementEvent;
use crate::domain::wallet::WalletEvent;

/// Builds the transfers of one programme's events; zero amounts move nothing.
struct Book {
    programme: Uuid,
    transfers: Vec<Transfer>,
}

impl Book {
    fn new(programme: Uuid) -> Self {
        Self {
            programme,
            transfers: Vec::new(),
        }
    }

    fn push(
        &mut self,
        id: String,
        debit: AccountKind,
        credit: AccountKind,
        amount: Won,
        mode: Mode,
    ) {
        if amount.is_positive() {
            self.transfers.push(Transfer {
                id,
                debit: AccountId::new(self.programme, debit),
                credit: AccountId::new(self.programme, credit),
                amount,
                mode,
            });
        }
    }

    fn posted(&mut self, id: String, debit: AccountKind, credit: AccountKind, amount: Won) {
        self.push(id, debit, credit, amount, Mode::Posted);
    }
}

/// The transfers of a programme event: the budget is funded from the issuer float.
pub fn programme_postings(event: &ProgrammeEvent) -> Vec<Transfer> {
    match event {
        ProgrammeEvent::Created { terms, .. } => {
            let mut book = Book::new(terms.programme_id);
            book.posted(
                format!("budget:{}", terms.programme_id),
                AccountKind::IssuerFloat,
                AccountKind::SubsidyBudget,
                terms.budget,
            );
            book.transfers
        }
        // A commitment reserves budget inside the aggregate; the ledger moves
        // the subsidy when the wallet is credited with it.
        ProgrammeEvent::SubsidyCommitted { .. } | ProgrammeEvent::SubsidyReleased { .. } => {
            Vec::new()
        }
    }
}

/// The transfers of a wallet event. `event_id` makes the ids of movements that
/// can repeat (refunds, expiries) unique; the others are named by their
/// purchase or redemption.
pub fn wallet_postings(
    programme: Uuid,
    wallet: Uuid,
    event: &WalletEvent,
    event_id: Uuid,
) -> Vec<Transfer> {
    use AccountKind::{Expired, IssuerFloat, MerchantReceivable, SubsidyBudget, Wallet};
    let mut book = Book::new(programme);
    let hold = |redemption: &Uuid| format!("hold:{redemption}");
    match event {
        WalletEvent::Opened { .. } | WalletEvent::RedemptionDeclined { .. } => {}
        WalletEvent::Purchased {
            purchase_id,
            discount,
            paid,
            ..
        } => {
            book.posted(
                format!("purchase:{purchase_id}:paid"),
                IssuerFloat,
                Wallet(wallet),
                *paid,
            );
            book.posted(
                format!("purchase:{purchase_id}:subsidy"),
                SubsidyBudget,
                Wallet(wallet),
                *discount,
            );
        }
        WalletEvent::PurchaseRefunded {
            purchase_id,
            discount,
            paid,
            ..
        } => {
            book.posted(
                format!("purchase-refund:{purchase_id}:paid"),
                Wallet(wallet),
                IssuerFloat,
                *paid,
            );
            book.posted(
                format!("purchase-refund:{purchase_id}:subsidy"),
                Wallet(wallet),
                SubsidyBudget,
                *discount,
            );
        }
        WalletEvent::HoldPlaced {
            redemption_id,
            merchant_id,
            amount,
            ..
        } => book.push(
            hold(redemption_id),
            Wallet(wallet),
            MerchantReceivable(*merchant_id),
            *amount,
            Mode::Pending,
        ),
        WalletEvent::HoldCaptured {
            redemption_id,
            merchant_id,
            amount,
            ..
        } => book.push(
            format!("capture:{redemption_id}"),
            Wallet(wallet),
            MerchantReceivable(*merchant_id),
            *amount,
            Mode::PostPending {
                pending_id: hold(redemption_id),
            },
        ),
        WalletEvent::HoldVoided {
            redemption_id,
            merchant_id,
            amount,
            ..
        }
        | WalletEvent::HoldTimedOut {
            redemption_id,
            merchant_id,
            amount,
            ..
        } => book.push(
            format!("release:{redemption_id}"),
            Wallet(wallet),
            MerchantReceivable(*merchant_id),
            *amount,
            Mode::VoidPending {
                pending_id: hold(redemption_id),
            },
        ),
        WalletEvent::Paid {
            redemption_id,
            merchant_id,
            amount,
            ..
        } => book.posted(
            format!("pay:{redemption_id}"),
            Wallet(wallet),
            MerchantReceivable(*merchant_id),
            *amount,
        ),
        WalletEvent::RedemptionRefunded {
            redemption_id,
            merchant_id,
            amount,
            ..
        } => book.posted(
            format!("redemption-refund:{redemption_id}:{event_id}"),
            MerchantReceivable(*merchant_id),
            Wallet(wallet),
            *amount,
        ),
        WalletEvent::BalanceExpired { amount, .. } => {
            book.posted(
                format!("expiry:{wallet}:{event_id}"),
                Wallet(wallet),
                Expired,
                *amount,
            );
        }
    }
    book.transfers
}

/// The transfers of a settlement event: the fee and the net leave the
/// merchant's receivable at settlement; the net leaves clearing at payout.
pub fn settlement_postings(
    programme: Uuid,
    merchant: Uuid,
    event: &SettlementEvent,
) -> Vec<Transfer> {
    use AccountKind::{Clearing, Fees, IssuerFloat, MerchantReceivable};
    let mut book = Book::new(programme);
    match event {
        SettlementEvent::Settled(batch) => {
            let key = format!("settlement:{programme}:{merchant}:{}", batch.business_date);
            book.posted(
                format!("{key}:fee"),
                MerchantReceivable(merchant),
                Fees,
                batch.fee,
            );
            book.posted(
                format!("{key}:net"),
                MerchantReceivable(merchant),
                Clearing,
                batch.net,
            );
        }
        SettlementEvent::PaidOut {
            business_date,
            amount,
            ..
        } => book.posted(
            format!("payout:{programme}:{merchant}:{business_date}"),
            Clearing,
            IssuerFloat,
            *amount,
        ),
    }
    book.transfers
}
