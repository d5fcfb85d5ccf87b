//! Calls to the services behind the gateway: in-process (the service's axum
//! `Router` as a tower `Service`) or over HTTP, the same requests either way.

mod client;
mod storefront;
mod voucher;

pub(crate) use client::CallError;
pub use client::ServiceClient;
pub(crate) use storefront::Storefront;
pub(crate) use storefront::model;
pub(crate) use voucher::{Vouchers, model as voucher_model};
