//! Promotions (stream `promotion-<id>`): a merchant's offer on some of its
//! products for a while, public or restricted to one event tie-in; withdrawn
//! by the merchant, or expired when it ends (a withdrawn one never expires).

mod decider;
mod offer;
#[cfg(test)]
mod tests;

pub use decider::{
    Promotion, PromotionCommand, PromotionError, PromotionEvent, PromotionState, Published,
};
pub use offer::Offer;
