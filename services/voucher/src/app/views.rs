//! What the API answers and the read models store: serde views of the
//! domain. The API's views are the contract's
//! (`golmok_contracts::voucher::http`); here they are made from the domain.

pub use golmok_contracts::voucher::http::{
    AccountView, BatchView, CaseView, FeeTiersView, MerchantEntry, MerchantStanding, ProgrammeView,
    PurchaseView, RedemptionView, Totals, TransferMode, TransferView, UnsettledLine, WalletReply,
    WalletView,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vocabulary::{CaseStatus, RedemptionStatus};
use crate::domain::case::CaseEvent;
use crate::domain::ledger::{AccountId, Balance, Mode, Transfer};
use crate::domain::programme::{MerchantFacts, ProgrammeState};
use crate::domain::settlement::Batch;
use crate::domain::wallet::{self, Decline, Redemption, WalletState, WalletSubject};
use crate::domain::{Won, YearMonth, seoul_date};

/// The view of a created programme.
pub fn programme_view(state: &ProgrammeState) -> Option<ProgrammeView> {
    let terms = state.terms.as_ref()?;
    Some(ProgrammeView {
        id: terms.programme_id,
        issuer: terms.issuer.clone(),
        name: terms.name.clone(),
        region: terms.region.clone(),
        districts: terms.districts.clone(),
        face_values: terms.face_values.iter().map(|w| w.0).collect(),
        discount_bps: terms.discount.0,
        monthly_cap: terms.monthly_cap.0,
        valid_from: terms.valid_from,
        valid_until: terms.valid_until,
        categories: terms.categories.clone(),
        fee_tiers: FeeTiersView {
            micro: terms.fees.micro.0,
            small: terms.fees.small.0,
            medium: terms.fees.medium.0,
        },
        budget: terms.budget.0,
        budget_committed: state.committed.0,
        budget_remaining: state.remaining().0,
    })
}

/// The view of the redemption `id` of the wallet `wallet_id` in `programme_id`.
pub fn redemption_view(
    id: Uuid,
    wallet_id: Uuid,
    programme_id: Uuid,
    redemption: &Redemption,
) -> RedemptionView {
    let (status, decline_code, expires_at, captured_at) = match redemption.status {
        wallet::RedemptionStatus::Held { expires_at } => {
            (RedemptionStatus::Held, None, Some(expires_at), None)
        }
        wallet::RedemptionStatus::Captured { at } => {
            (RedemptionStatus::Captured, None, None, Some(at))
        }
        wallet::RedemptionStatus::Voided => (RedemptionStatus::Voided, None, None, None),
        wallet::RedemptionStatus::TimedOut => (RedemptionStatus::TimedOut, None, None, None),
        wallet::RedemptionStatus::Declined(reason) => (
            RedemptionStatus::Declined,
            Some(reason.code().to_owned()),
            None,
            None,
        ),
    };
    RedemptionView {
        id,
        wallet_id,
        programme_id,
        merchant_id: redemption.merchant_id,
        amount: redemption.amount.0,
        status,
        refunded: redemption.refunded.0,
        decline_code,
        expires_at,
        captured_at,
        at: redemption.at,
    }
}

/// A redemption as the wallet's history has it, for a decision about one the
/// state has let go; `None` for a view that does not say enough.
pub fn recalled(view: &RedemptionView) -> Option<Redemption> {
    let status = match view.status {
        RedemptionStatus::Held => wallet::RedemptionStatus::Held {
            expires_at: view.expires_at?,
        },
        RedemptionStatus::Captured => wallet::RedemptionStatus::Captured {
            at: view.captured_at?,
        },
        RedemptionStatus::Voided => wallet::RedemptionStatus::Voided,
        RedemptionStatus::TimedOut => wallet::RedemptionStatus::TimedOut,
        RedemptionStatus::Declined => {
            wallet::RedemptionStatus::Declined(Decline::from_code(view.decline_code.as_deref()?)?)
        }
    };
    Some(Redemption {
        merchant_id: view.merchant_id,
        amount: Won(view.amount),
        status,
        refunded: Won(view.refunded),
        at: view.at,
    })
}

/// A wallet as of `at` (holds whose time is up reserve nothing).
pub fn wallet_view(state: &WalletState, at: DateTime<Utc>) -> Option<WalletView> {
    let info = state.wallet.as_ref()?;
    let month = YearMonth::of(seoul_date(at));
    Some(WalletView {
        id: info.wallet_id,
        programme_id: info.programme_id,
        owner: info.owner.clone(),
        balance: state.balance.0,
        held: state.held_at(at).0,
        available: state.available_at(at).0,
        expired: state.expired.0,
        purchased_this_month: state
            .purchased_in
            .get(&month)
            .copied()
            .unwrap_or_default()
            .0,
        purchases: state
            .purchases
            .iter()
            .map(|(id, p)| PurchaseView {
                id: *id,
                face: p.face.0,
                discount: p.discount.0,
                paid: p.paid.0,
                at: p.at,
                refunded: p.refunded,
            })
            .collect(),
        as_of: at,
    })
}

/// The answer of a wallet command: the wallet's balances and what the
/// command was about (a redemption the state no longer keeps is left out;
/// the caller finds it in the wallet's history).
pub fn wallet_reply(
    state: &WalletState,
    subject: WalletSubject,
    at: DateTime<Utc>,
) -> Option<WalletReply> {
    let wallet = wallet_view(state, at)?;
    let purchase = match subject {
        WalletSubject::Purchase(id) => wallet.purchases.iter().find(|p| p.id == id).cloned(),
        _ => None,
    };
    let redemption = match subject {
        WalletSubject::Redemption(id) => state
            .redemptions
            .get(&id)
            .map(|r| redemption_view(id, wallet.id, wallet.programme_id, r)),
        _ => None,
    };
    Some(WalletReply {
        wallet,
        purchase,
        redemption,
    })
}

/// A wallet in its programme's list (for expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletSummary {
    pub id: Uuid,
    pub owner: String,
    pub balance: i64,
}

/// A hold awaiting capture, void or time-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenHold {
    pub wallet_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

impl From<&Batch> for BatchView {
    fn from(batch: &Batch) -> Self {
        Self {
            programme_id: batch.programme_id,
            merchant_id: batch.merchant_id,
            business_date: batch.business_date,
            lines: batch
                .lines
                .iter()
                .map(|l| UnsettledLine {
                    redemption_id: l.redemption_id,
                    wallet_id: l.wallet_id,
                    captured_on: l.captured_on,
                    amount: l.amount.0,
                })
                .collect(),
            gross: batch.gross.0,
            fee_bps: batch.fee_rate.0,
            fee: batch.fee.0,
            net: batch.net.0,
            payout_on: batch.payout_on,
            settled_at: batch.at,
            paid_at: None,
        }
    }
}

/// A case's view after `event`, from the view before it (`None` before `Opened`).
pub fn evolve_case(before: Option<CaseView>, event: &CaseEvent) -> Option<CaseView> {
    let decided = |mut view: CaseView, status, official: &String, reason: Option<&String>, at| {
        view.status = status;
        view.decided_by = Some(official.clone());
        view.reason = reason.cloned();
        view.decided_at = Some(at);
        Some(view)
    };
    match (before, event) {
        (_, CaseEvent::Opened(info)) => Some(CaseView {
            id: info.case_id,
            programme_id: info.programme_id,
            merchant_id: info.merchant_id,
            rule: info.rule.into(),
            evidence: info.evidence.clone(),
            status: CaseStatus::Open,
            opened_at: info.opened_at,
            decided_by: None,
            reason: None,
            decided_at: None,
        }),
        (
            Some(view),
            CaseEvent::MerchantSuspended {
                official,
                reason,
                at,
            },
        ) => decided(
            view,
            CaseStatus::MerchantSuspended,
            official,
            Some(reason),
            *at,
        ),
        (
            Some(view),
            CaseEvent::Dismissed {
                official,
                reason,
                at,
            },
        ) => decided(view, CaseStatus::Dismissed, official, Some(reason), *at),
        (Some(view), CaseEvent::MerchantReinstated { official, at }) => {
            decided(view, CaseStatus::MerchantReinstated, official, None, *at)
        }
        (None, _) => None,
    }
}

/// The view of a case aggregate, folded from its events.
pub fn case_view(events: &[CaseEvent]) -> Option<CaseView> {
    events.iter().fold(None, evolve_case)
}

/// What a programme's rules need to know of a merchant.
pub fn merchant_facts(entry: &MerchantEntry, voucher_suspended: bool) -> MerchantFacts {
    MerchantFacts {
        merchant_id: entry.id,
        district: entry.district.clone(),
        category: entry.category.clone(),
        revenue_tier: entry.revenue_tier.into(),
        registered_on: entry.registered_on,
        suspended: entry.suspended,
        voucher_suspended,
    }
}

impl From<Balance> for Totals {
    fn from(b: Balance) -> Self {
        Self {
            debits_posted: b.debits_posted.0,
            credits_posted: b.credits_posted.0,
            debits_pending: b.debits_pending.0,
            credits_pending: b.credits_pending.0,
        }
    }
}

impl From<Totals> for Balance {
    fn from(t: Totals) -> Self {
        Self {
            debits_posted: Won(t.debits_posted),
            credits_posted: Won(t.credits_posted),
            debits_pending: Won(t.debits_pending),
            credits_pending: Won(t.credits_pending),
        }
    }
}

/// The view of the ledger account `code`.
pub fn account_view(code: String, balance: Balance) -> AccountView {
    AccountView {
        code,
        totals: balance.into(),
        balance: balance.posted().0,
        available: balance.available().0,
    }
}

/// The ledger transfer a view records, `None` when a stored code is not an account.
pub fn transfer_of(view: &TransferView) -> Option<Transfer> {
    let account = |code: &str| AccountId::parse(view.programme_id, code);
    let mode = match (view.mode, &view.pending_id) {
        (TransferMode::Posted, None) => Mode::Posted,
        (TransferMode::Pending, None) => Mode::Pending,
        (TransferMode::PostPending, Some(id)) => Mode::PostPending {
            pending_id: id.clone(),
        },
        (TransferMode::VoidPending, Some(id)) => Mode::VoidPending {
            pending_id: id.clone(),
        },
        _ => return None,
    };
    Some(Transfer {
        id: view.id.clone(),
        debit: account(&view.debit)?,
        credit: account(&view.credit)?,
        amount: Won(view.amount),
        mode,
    })
}

/// The view of a ledger transfer, caused by the event `event_id` at `at`.
pub fn transfer_view(transfer: &Transfer, event_id: Uuid, at: DateTime<Utc>) -> TransferView {
    let (mode, pending_id) = match &transfer.mode {
        Mode::Posted => (TransferMode::Posted, None),
        Mode::Pending => (TransferMode::Pending, None),
        Mode::PostPending { pending_id } => (TransferMode::PostPending, Some(pending_id.clone())),
        Mode::VoidPending { pending_id } => (TransferMode::VoidPending, Some(pending_id.clone())),
    };
    TransferView {
        id: transfer.id.clone(),
        programme_id: transfer.debit.programme,
        debit: transfer.debit.code(),
        credit: transfer.credit.code(),
        amount: transfer.amount.0,
        mode,
        pending_id,
        event_id,
        at,
    }
}
