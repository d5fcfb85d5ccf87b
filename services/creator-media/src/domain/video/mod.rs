//! Published videos (stream `video-<id>`): a creator or a merchant publishes
//! a video (a title, an `https://` URL on a channel platform) showing 1 to 20
//! of the merchant's storefront products, optionally crediting a creator who
//! has an active collaboration with the merchant covering them (the
//! application checks the collaboration); the publisher, the merchant or an
//! operator unpublishes it.

mod decider;
#[cfg(test)]
mod tests;

pub use decider::{
    PRODUCTS_MAX, Published, URL_MAX, Video, VideoCommand, VideoError, VideoEvent, VideoState,
};
