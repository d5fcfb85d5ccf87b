//! Voucher: alley vouchers (지역사랑상품권) of local governments — programmes per
//! issuer, citizen wallets, redemption at merchants, a double-entry ledger, daily
//! T+2 settlement and fraud (깡) cases.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod app;
pub mod config;
pub mod domain;
pub mod http;
pub mod startup;

pub use config::Settings;
pub use golmok_runtime::StartupError;
pub use startup::{Application, SERVICE};
