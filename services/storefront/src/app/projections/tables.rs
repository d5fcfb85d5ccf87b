//! Read-model tables (partition key → clustering key → JSON view).

/// partition = merchant id, clustering = "" → `MerchantView`.
pub const MERCHANT_BY_ID: &str = "storefront_merchant_by_id";
/// partition = "all", clustering = merchant id → `MerchantView`.
pub const DIRECTORY: &str = "storefront_directory";
/// partition = district, clustering = merchant id → `MerchantView`.
pub const DIRECTORY_BY_DISTRICT: &str = "storefront_directory_by_district";
/// partition = category, clustering = merchant id → `MerchantView`.
pub const DIRECTORY_BY_CATEGORY: &str = "storefront_directory_by_category";
/// partition = approved heritage badge code, clustering = merchant id → `MerchantView`.
pub const DIRECTORY_BY_HERITAGE: &str = "storefront_directory_by_heritage";
/// The single partition of [`DIRECTORY`].
pub const ALL: &str = "all";

/// partition = product id, clustering = "" → `ProductView`.
pub const PRODUCT_BY_ID: &str = "storefront_product_by_id";
/// partition = merchant id, clustering = product id → `ProductView`.
pub const PRODUCTS_BY_MERCHANT: &str = "storefront_products_by_merchant";
/// partition = merchant id, clustering = product id → published `ProductView`s only.
pub const PUBLISHED_PRODUCTS_BY_MERCHANT: &str = "storefront_published_products_by_merchant";

/// partition = order id, clustering = "" → `OrderView`.
pub const ORDER_BY_ID: &str = "storefront_order_by_id";
/// partition = merchant id, clustering = order id (UUIDv7: time order) → `OrderView`.
pub const ORDERS_BY_MERCHANT: &str = "storefront_orders_by_merchant";
/// partition = buyer subject, clustering = order id → `OrderView`.
pub const ORDERS_BY_BUYER: &str = "storefront_orders_by_buyer";

/// Every read-model table, for tools that compare or rebuild them.
pub const ALL_TABLES: [&str; 11] = [
    MERCHANT_BY_ID,
    DIRECTORY,
    DIRECTORY_BY_DISTRICT,
    DIRECTORY_BY_CATEGORY,
    DIRECTORY_BY_HERITAGE,
    PRODUCT_BY_ID,
    PRODUCTS_BY_MERCHANT,
    PUBLISHED_PRODUCTS_BY_MERCHANT,
    ORDER_BY_ID,
    ORDERS_BY_MERCHANT,
    ORDERS_BY_BUYER,
];

/// partition = voucher fraud case id, clustering = "" → the case's merchant id
/// (kept by the consumer of the voucher's events; not rebuilt from this log).
pub const VOUCHER_CASES: &str = "storefront_voucher_cases";
