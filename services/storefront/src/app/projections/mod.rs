//! Read models: one table per query, fed by [`golmok_kernel::Consumer`]s.

mod merchants;
mod shop;
pub mod tables;

use std::sync::Arc;

use golmok_kernel::EventHandler;

pub use merchants::{MerchantProjection, badge_partition};
pub use shop::ShopProjection;

/// Every storefront projection; `golmok replay storefront` rebuilds them
/// from event 0 (their tables are declared in `startup.rs`).
pub fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![Arc::new(MerchantProjection), Arc::new(ShopProjection)]
}
