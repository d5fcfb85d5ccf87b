use std::collections::{BTreeMap, BTreeSet};

use super::AccountId;
use crate::domain::Won;

/// How a transfer affects balances (TigerBeetle's two-phase transfers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Posted,
    /// Reserves the amount on both accounts until posted or voided.
    Pending,
    /// Posts the pending transfer `pending_id` (same accounts, same amount).
    PostPending {
        pending_id: String,
    },
    /// Releases the pending transfer `pending_id`.
    VoidPending {
        pending_id: String,
    },
}

/// One movement of `amount` from `debit` to `credit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Unique in the ledger.
    pub id: String,
    pub debit: AccountId,
    pub credit: AccountId,
    pub amount: Won,
    pub mode: Mode,
}

/// An account's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balance {
    pub debits_posted: Won,
    pub credits_posted: Won,
    pub debits_pending: Won,
    pub credits_pending: Won,
}

impl Balance {
    /// Credits minus debits, posted only (saturating; the ledger refuses a
    /// transfer whose totals would not fit).
    pub fn posted(&self) -> Won {
        Won(self.credits_posted.0.saturating_sub(self.debits_posted.0))
    }

    /// What can still be debited: posted balance minus pending debits.
    pub fn available(&self) -> Won {
        Won(self.posted().0.saturating_sub(self.debits_pending.0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("transfer {0} was already applied")]
    Duplicate(String),
    #[error("transfer {0} does not move a positive amount between two accounts")]
    Malformed(String),
    #[error("transfer {id} refers to pending transfer {pending_id}, which is not pending")]
    UnknownPending { id: String, pending_id: String },
    #[error("transfer {0} would take an account's totals beyond what can be represented")]
    Overflow(String),
    #[error("transfer {id} would overdraw {account} ({available:?} available)")]
    Overdrawn {
        id: String,
        account: String,
        available: Won,
    },
}

/// Accounts, pending transfers and the ids already applied. The projection
/// loads just the part a transfer touches; tests keep the whole book.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    pub accounts: BTreeMap<AccountId, Balance>,
    pub pending: BTreeMap<String, Transfer>,
    pub applied: BTreeSet<String>,
}

/// `won += amount`, refused on overflow.
fn add(won: &mut Won, amount: Won) -> Option<()> {
    *won = won.plus(amount)?;
    Some(())
}

/// `won -= amount`, refused on overflow.
fn sub(won: &mut Won, amount: Won) -> Option<()> {
    *won = won.minus(amount)?;
    Some(())
}

impl Ledger {
    pub fn balance(&self, account: &AccountId) -> Balance {
        self.accounts.get(account).copied().unwrap_or_default()
    }

    /// Applies `transfer` or refuses it, leaving the ledger unchanged.
    pub fn apply(&mut self, transfer: &Transfer) -> Result<(), LedgerError> {
        let id = &transfer.id;
        if self.applied.contains(id) {
            return Err(LedgerError::Duplicate(id.clone()));
        }
        let (debit, credit, amount) = match &transfer.mode {
            Mode::Posted | Mode::Pending => {
                if !transfer.amount.is_positive() || transfer.debit == transfer.credit {
                    return Err(LedgerError::Malformed(id.clone()));
                }
                (transfer.debit, transfer.credit, transfer.amount)
            }
            Mode::PostPending { pending_id } | Mode::VoidPending { pending_id } => {
                let pending =
                    self.pending
                        .get(pending_id)
                        .ok_or_else(|| LedgerError::UnknownPending {
                            id: id.clone(),
                            pending_id: pending_id.clone(),
                        })?;
                (pending.debit, pending.credit, pending.amount)
            }
        };
        let mut from = self.balance(&debit);
        let mut to = self.balance(&credit);
        let moved = match &transfer.mode {
            Mode::Posted => add(&mut from.debits_posted, amount)
                .and_then(|()| add(&mut to.credits_posted, amount)),
            Mode::Pending => add(&mut from.debits_pending, amount)
                .and_then(|()| add(&mut to.credits_pending, amount)),
            Mode::PostPending { .. } => sub(&mut from.debits_pending, amount)
                .and_then(|()| sub(&mut to.credits_pending, amount))
                .and_then(|()| add(&mut from.debits_posted, amount))
                .and_then(|()| add(&mut to.credits_posted, amount)),
            Mode::VoidPending { .. } => sub(&mut from.debits_pending, amount)
                .and_then(|()| sub(&mut to.credits_pending, amount)),
        };
        let representable = |b: &Balance| {
            b.credits_posted
                .minus(b.debits_posted)
                .and_then(|posted| posted.minus(b.debits_pending))
                .is_some()
        };
        let fits = moved.is_some() && representable(&from) && representable(&to);
        if !fits {
            return Err(LedgerError::Overflow(id.clone()));
        }
        if debit.constrained() && from.available().0 < 0 {
            return Err(LedgerError::Overdrawn {
                id: id.clone(),
                account: debit.code(),
                available: self.balance(&debit).available(),
            });
        }
        match &transfer.mode {
            Mode::Pending => {
                self.pending.insert(id.clone(), transfer.clone());
            }
            Mode::PostPending { pending_id } | Mode::VoidPending { pending_id } => {
                self.pending.remove(pending_id);
            }
            Mode::Posted => {}
        }
        self.accounts.insert(debit, from);
        self.accounts.insert(credit, to);
        self.applied.insert(id.clone());
        Ok(())
    }

    /// Total debits and total credits over every account (posted and
    /// pending), `None` if a total does not fit.
    pub fn totals(&self) -> Option<(Won, Won)> {
        self.accounts
            .values()
            .try_fold((Won::ZERO, Won::ZERO), |(d, c), b| {
                Some((
                    Won::sum([d, b.debits_posted, b.debits_pending])?,
                    Won::sum([c, b.credits_posted, b.credits_pending])?,
                ))
            })
    }
}
