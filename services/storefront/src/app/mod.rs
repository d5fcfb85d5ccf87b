//! Command handling, projections, read-model queries and the wire format of
//! events: the I/O around the pure domain.

pub mod attribution;
pub mod codec;
mod error;
mod merchants;
pub mod projections;
mod queries;
mod returns;
mod samples;
mod shop;
mod storefront;
pub mod views;
pub mod vocabulary;
mod voucher_process;

pub use attribution::CreatorMediaFollower;
pub use error::AppError;
pub use golmok_kernel::Committed;
pub use merchants::NewMerchant;
pub use queries::{DirectoryFilter, PageRequest, Visibility};
pub use shop::{OrderDraft, ProductDraft};
pub use storefront::{MERCHANT, SHOP, Storefront, merchant_stream, shop_stream};
pub use voucher_process::VoucherProcess;
