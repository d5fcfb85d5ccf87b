//! Live sessions (stream `live-<id>`): a merchant schedules a live commerce
//! broadcast of its products, each tagged beforehand with an optional
//! live-only price, optionally hosted by a creator; it starts, pins one
//! product at a time, and ends (or is cancelled before it starts). The
//! storefront can follow the published events to price orders placed during
//! the live.

mod decider;
#[cfg(test)]
mod tests;

pub use decider::{
    Live, LiveCommand, LiveError, LiveEvent, LiveState, LiveStatus, Schedule, TaggedProduct,
};
