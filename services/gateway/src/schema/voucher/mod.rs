//! Alley vouchers: programmes and their budgets (officials), wallets,
//! purchases and payments (citizens), redemptions and settlements
//! (merchants), fraud cases and suspension (officials). The voucher service
//! decides who may do what from the caller; the gateway passes the caller on.

mod mutations;
mod queries;
mod types;

pub(crate) use mutations::VoucherMutation;
pub(crate) use queries::{VoucherQuery, find_case, find_programme, find_wallet};
pub(crate) use types::{FraudCase, VoucherProgramme, VoucherWallet};
