use golmok_kernel::ScanOrder;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::projections::tables::{
    ALL, DIRECTORY, DIRECTORY_BY_CATEGORY, DIRECTORY_BY_DISTRICT, DIRECTORY_BY_HERITAGE,
    MERCHANT_BY_ID, ORDER_BY_ID, ORDERS_BY_BUYER, ORDERS_BY_MERCHANT, PRODUCT_BY_ID,
    PRODUCTS_BY_MERCHANT, PUBLISHED_PRODUCTS_BY_MERCHANT,
};
use super::views::{ListPage, MerchantView, OrderView, ProductView};
use super::vocabulary::{HeritageBadge, MerchantStatus};
use super::{AppError, Storefront};
use golmok_kernel::telemetry::decode_row as decode;

pub use golmok_kernel::PageRequest;

/// Directory filters; they combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryFilter {
    pub district: Option<String>,
    pub category: Option<String>,
    /// Only merchants holding this approved badge.
    pub heritage: Option<HeritageBadge>,
    pub suspended: Visibility,
}

/// Whether entries that the public does not see are listed too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Visibility {
    #[default]
    Public,
    All,
}

const SCAN_BATCH: usize = 100;

impl Storefront {
    /// One page of a partition, skipping rows `keep` refuses and rows that
    /// cannot be decoded (each logged and counted), so one damaged row does not
    /// take the whole list down.
    async fn scan<T: DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
        order: ScanOrder,
        page: &PageRequest,
        keep: impl Fn(&T) -> bool,
    ) -> Result<ListPage<T>, AppError> {
        let mut items = Vec::new();
        let mut last_kept: Option<String> = None;
        let mut after = page.after.clone();
        loop {
            let batch = self
                .tables
                .scan(
                    table,
                    partition,
                    after.as_deref(),
                    order,
                    SCAN_BATCH.max(page.first + 1),
                )
                .await?;
            for row in batch.rows {
                let Some(value) = decode::<T>(table, partition, &row.clustering, &row.value) else {
                    continue;
                };
                if !keep(&value) {
                    continue;
                }
                if items.len() == page.first {
                    return Ok(ListPage {
                        items,
                        next_cursor: last_kept,
                    });
                }
                items.push(value);
                last_kept = Some(row.clustering);
            }
            match batch.next {
                Some(next) => after = Some(next),
                None => {
                    return Ok(ListPage {
                        items,
                        next_cursor: None,
                    });
                }
            }
        }
    }

    pub async fn merchant(&self, id: Uuid) -> Result<Option<MerchantView>, AppError> {
        Ok(self
            .tables
            .get_json(MERCHANT_BY_ID, &id.to_string(), "")
            .await?)
    }

    /// The directory in registration order, read from the table of the most
    /// selective filter and narrowed by the others.
    pub async fn directory(
        &self,
        filter: &DirectoryFilter,
        page: &PageRequest,
    ) -> Result<ListPage<MerchantView>, AppError> {
        let badge = filter.heritage.map(super::projections::badge_partition);
        let (table, partition) = match (&badge, &filter.district, &filter.category) {
            (Some(badge), _, _) => (DIRECTORY_BY_HERITAGE, badge.clone()),
            (None, Some(district), _) => (DIRECTORY_BY_DISTRICT, district.clone()),
            (None, None, Some(category)) => (DIRECTORY_BY_CATEGORY, category.clone()),
            (None, None, None) => (DIRECTORY, ALL.to_owned()),
        };
        let keep = |m: &MerchantView| {
            filter.district.as_ref().is_none_or(|d| *d == m.district)
                && filter.category.as_ref().is_none_or(|c| *c == m.category)
                && filter
                    .heritage
                    .is_none_or(|b| m.approved_badge() == Some(b))
                && (filter.suspended == Visibility::All || m.status == MerchantStatus::Active)
        };
        self.scan(table, &partition, ScanOrder::Ascending, page, keep)
            .await
    }

    pub async fn product(&self, id: Uuid) -> Result<Option<ProductView>, AppError> {
        Ok(self
            .tables
            .get_json(PRODUCT_BY_ID, &id.to_string(), "")
            .await?)
    }

    /// A merchant's products in the order they were added; unpublished ones
    /// only with [`Visibility::All`].
    pub async fn products(
        &self,
        merchant_id: Uuid,
        visibility: Visibility,
        page: &PageRequest,
    ) -> Result<ListPage<ProductView>, AppError> {
        let table = match visibility {
            Visibility::Public => PUBLISHED_PRODUCTS_BY_MERCHANT,
            Visibility::All => PRODUCTS_BY_MERCHANT,
        };
        self.scan(
            table,
            &merchant_id.to_string(),
            ScanOrder::Ascending,
            page,
            |_: &ProductView| true,
        )
        .await
    }

    pub async fn order(&self, id: Uuid) -> Result<Option<OrderView>, AppError> {
        Ok(self
            .tables
            .get_json(ORDER_BY_ID, &id.to_string(), "")
            .await?)
    }

    /// A merchant's orders, newest first.
    pub async fn merchant_orders(
        &self,
        merchant_id: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<OrderView>, AppError> {
        self.scan(
            ORDERS_BY_MERCHANT,
            &merchant_id.to_string(),
            ScanOrder::Descending,
            page,
            |_: &OrderView| true,
        )
        .await
    }

    /// A buyer's orders, newest first.
    pub async fn buyer_orders(
        &self,
        buyer: &str,
        page: &PageRequest,
    ) -> Result<ListPage<OrderView>, AppError> {
        self.scan(
            ORDERS_BY_BUYER,
            buyer,
            ScanOrder::Descending,
            page,
            |_: &OrderView| true,
        )
        .await
    }
}
