//! Calls to the services behind the gateway, keyed by service name: one
//! generic client ([`Upstream`]: find, list, command) over a tower `Service`
//! stack (metrics, `traceparent`, timeout) over the transport, in-process
//! (the service's axum `Router`) or over HTTP, the same requests either way.
//! Each service's module keeps only its routes.

mod client;
mod layers;
mod partner;
mod transport;

mod creator_media;
mod storefront;
mod voucher;

pub(crate) use client::{
    CallError, Caller, Clients, Key, Lookup, NO_BODY, Routes, Upstream, segments,
};
pub use client::{UpstreamError, Upstreams};
pub(crate) use creator_media::{
    Answering, CreatorMedia, model as creator_media_model, promotions as promotion_model,
};
pub(crate) use layers::TraceContext;
pub(crate) use storefront::{Storefront, model};
pub use transport::ServiceClient;
pub(crate) use voucher::{Vouchers, model as voucher_model};

/// Every service the schema calls; [`Upstreams`] must name each, and only these.
pub(crate) const SERVICES: &[&str] = &[
    storefront::SERVICE,
    voucher::SERVICE,
    creator_media::SERVICE,
];
