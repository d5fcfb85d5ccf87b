//! API tests: every test builds the storefront with `Application::build` on a
//! temporary data directory and talks HTTP to it.

mod attribution;
mod attribution_kafka;
mod claims;
mod helpers;
mod hostile;
mod idempotency;
mod merchants;
mod persistence;
mod returns;
mod shop;
mod tenancy;
mod voucher_flow;
