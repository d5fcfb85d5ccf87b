//! The wallet aggregate (stream `wallet-<uuid>`): one citizen's vouchers of one
//! programme. Purchases, holds, captures, payments, refunds and expiry are
//! decided here, so the balance can never go negative and the per-person
//! monthly cap holds across every purchase, whatever the concurrency.

mod commands;
mod decider;
mod errors;
mod events;
#[cfg(test)]
mod holds_tests;
#[cfg(test)]
mod pruning_tests;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{PurchaseRequest, RedemptionRequest, WalletCommand};
pub use decider::Wallet;
pub use errors::WalletError;
pub use events::{Decline, WalletEvent, WalletSubject};
pub use state::{Purchase, Redemption, RedemptionStatus, WalletInfo, WalletState};
