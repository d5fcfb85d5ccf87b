//! The promotion feed partners subscribe to: creator-media's promotion and
//! tie-in events, read from the bus (a tail of its log under `golmok up`, its
//! Kafka topic otherwise) into the gateway's own store, released in the
//! producer's log order and broadcast to the open subscriptions.

mod consumer;
mod hub;
mod store;
#[cfg(test)]
mod tests;

pub(crate) use hub::{Feed, FeedFilter, Subscribed};
pub use hub::{FeedError, FeedFollower};
pub(crate) use store::{FeedItem, FeedKind};
