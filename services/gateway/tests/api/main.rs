//! The gateway through HTTP, like a partner app: over the real storefront,
//! and over small stand-ins where the test must observe or break the service.

mod attribution;
mod auth;
mod collaborations;
mod commissions;
mod contract;
mod creators;
mod fake_storefront;
mod feed;
mod feed_commissions;
mod feed_kafka;
mod feed_orders;
mod feed_shared;
mod feed_support;
mod graphiql;
mod hostile;
mod journeys;
mod limits;
mod lives;
mod loaders;
mod matching;
mod media;
mod merchants;
mod ops;
mod products;
mod promotions;
mod relay;
mod returns;
mod support;
mod tenancy;
mod tour;
mod unavailable;
mod user_errors;
mod videos;
mod vouchers;
mod webhooks;
