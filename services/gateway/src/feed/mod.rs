//! The feeds subscriptions follow, each a producer's published events read
//! from the bus (a tail of its log under `golmok up`, its Kafka topic
//! otherwise) into the gateway's own store, released in the producer's log
//! order and broadcast to the open subscriptions: creator-media's (the
//! promotion feed of a tie-in, a creator's commission changes) and the
//! storefront's (a merchant's order changes). One machinery serves them
//! all: the store and watermark (`store`), the consumer (`consumer`) and
//! the release to subscriptions (`hub`), the rendering of an item once for
//! all the subscriptions of one operation and caller (`render`) and the
//! hand-off of items from a subscription to its transport (`tap`); a producer's
//! module says only how its events become items.

mod consumer;
mod creator_media;
mod hub;
mod render;
mod staged;
mod store;
mod storefront;
mod tap;
#[cfg(test)]
mod tests;

pub(crate) use consumer::Producer;
pub(crate) use creator_media::{
    CommissionChange, CommissionKind, CreatorMedia, FeedFilter, FeedKind, MediaEntry,
    PromotionChange,
};
pub(crate) use hub::{Feed, Subscribed};
pub use hub::{FeedError, FeedFollower};
pub(crate) use render::{Framed, RenderOne, Rendered, copy};
pub(crate) use store::FeedItem;
pub(crate) use storefront::{OrderChange, OrderEvent, Storefront};
pub(crate) use tap::{Tap, Tapped, Taps, tap};

/// The gateway's feeds. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Feeds {
    pub(crate) creator_media: Feed<CreatorMedia>,
    pub(crate) storefront: Feed<Storefront>,
}
