//! Read models: one table per query, fed by [`golmok_kernel::Consumer`]s.

mod merchants;
mod shop;
pub mod tables;

use std::sync::Arc;

use golmok_kernel::EventHandler;

pub use merchants::{MerchantProjection, badge_partition};
pub use shop::ShopProjection;

/// Every storefront projection. (A rebuild from event 0 — `golmok replay`,
/// issue 11 — does not exist yet.)
pub fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![Arc::new(MerchantProjection), Arc::new(ShopProjection)]
}
