//! The double-entry ledger under the vouchers (ADR 0005). Every movement of
//! value is a [`Transfer`] from one account (debit) to another (credit) with a
//! unique id, so debits equal credits by construction. [`postings`] derives the
//! transfers of every domain event; [`Ledger`] applies them, refusing a
//! duplicate id, an unknown pending transfer or an overdrawn constrained account.

mod accounts;
mod book;
mod postings;
#[cfg(test)]
mod tests;

pub use accounts::{AccountId, AccountKind};
pub use book::{Balance, Ledger, LedgerError, Mode, Transfer};
pub use postings::{programme_postings, settlement_postings, wallet_postings};
