//! Products: a merchant's catalogue, prices, stock and publication.

mod mutations;
mod queries;
mod types;

pub(crate) use mutations::ProductMutation;
pub(crate) use queries::{ProductQuery, find_product, products_of_merchant};
pub(crate) use types::Product;
