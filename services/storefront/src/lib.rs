//! Storefront: merchants (사업자등록번호, heritage badges, expert diagnosis, channel
//! onboarding) and each merchant's shop (products, stock, orders).

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod app;
pub mod config;
pub mod domain;
pub mod http;
pub mod startup;

pub use config::Settings;
pub use golmok_runtime::StartupError;
pub use startup::{Application, SERVICE};
