//! The Golmok GraphQL gateway: one Relay-style schema over the services,
//! JWT bearer auth with roles and merchant scoping, query limits, and a
//! GraphiQL page that works offline.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![forbid(unsafe_code)]

pub mod auth;
mod config;
mod documents;
mod errors;
mod feed;
mod http;
mod limits;
mod relay;
mod schema;
mod startup;
mod upstream;

pub use config::{AuthSettings, CorsSettings, FeedSettings, LimitSettings, Settings};
pub use feed::{FeedError, FeedFollower};

/// The services whose events the gateway's feeds follow: creator-media's
/// (promotion feeds, commission changes) and the storefront's (order changes).
pub const FEED_PRODUCERS: [&str; 2] = [
    golmok_contracts::creator_media::SERVICE,
    golmok_contracts::storefront::SERVICE,
];
pub use startup::{Application, StartupError};
pub use upstream::{ServiceClient, UpstreamError, Upstreams};
