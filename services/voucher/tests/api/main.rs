//! API tests: every test builds the storefront and the voucher service with
//! `Application::build` on a temporary data directory, lets the voucher tail
//! the storefront's log (the in-process bus), and talks HTTP to both.

mod double_spend;
mod fraud;
mod helpers;
mod hostile;
mod idempotency;
mod orders;
mod persistence;
mod programmes;
mod returns;
mod settlement;
mod wallets;
