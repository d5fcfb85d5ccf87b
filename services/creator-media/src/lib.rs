//! Creator media: one-person creators (a unique handle, channels, categories,
//! region, languages), shared studios booked by slot, and merchants'
//! promotions with the event tie-ins (such as "MAMA 2026") their partners read.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod app;
pub mod config;
pub mod domain;
pub mod http;
pub mod startup;

pub use config::Settings;
pub use golmok_runtime::StartupError;
pub use startup::{Application, SERVICE};
