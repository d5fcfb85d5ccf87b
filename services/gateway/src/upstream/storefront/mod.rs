//! The storefront's HTTP API (`docs/storefront-http.md`), one method per route;
//! a command sends the contract's request body, so what goes out is checked.

pub(crate) mod model;

use golmok_contracts::storefront::http as contract;
use http::Method;
use uuid::Uuid;

use self::model::{Merchant, MerchantFilter, Order, Product};
use super::{CallError, Key, Lookup, NO_BODY, Routes, Upstream, segments};
use crate::relay::ListPage;

/// The storefront's name in [`Upstreams`](super::Upstreams).
pub(crate) const SERVICE: &str = "storefront";

/// The storefront as seen by one caller.
#[derive(Clone, Copy)]
pub(crate) struct Storefront<'a>(Upstream<'a>);

impl<'a> Routes<'a> for Storefront<'a> {
    const SERVICE: &'static str = SERVICE;

    fn new(upstream: Upstream<'a>) -> Self {
        Storefront(upstream)
    }
}

impl Lookup for Merchant {
    const SERVICE: &'static str = SERVICE;

    fn path(id: Uuid) -> Vec<String> {
        segments!["merchants", id].into()
    }
}

impl Lookup for Product {
    const SERVICE: &'static str = SERVICE;

    fn path(id: Uuid) -> Vec<String> {
        segments!["products", id].into()
    }
}

type Answer<T> = Result<T, CallError>;

impl Storefront<'_> {
    // Merchants

    pub(crate) async fn merchants(
        &self,
        filter: &MerchantFilter,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Merchant>> {
        let mut filters = Vec::new();
        if let Some(district) = &filter.district {
            filters.push(("district", district.as_str()));
        }
        if let Some(category) = &filter.category {
            filters.push(("category", category.as_str()));
        }
        if let Some(heritage) = filter.heritage {
            filters.push(("heritage", model::heritage_code(heritage)));
        }
        if filter.include_suspended {
            filters.push(("includeSuspended", "true"));
        }
        self.0
            .list(&segments!["merchants"], &filters, first, after)
            .await
    }

    pub(crate) async fn register_merchant(
        &self,
        body: &contract::Register,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn update_merchant(
        &self,
        id: Uuid,
        body: &contract::UpdateProfile,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants", id];
        self.0.command(Method::PATCH, &path, Some(body), key).await
    }

    pub(crate) async fn suspend_merchant(
        &self,
        id: Uuid,
        body: &contract::Reason,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants", id, "suspension"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn reinstate_merchant(&self, id: Uuid, key: Key<'_>) -> Answer<Merchant> {
        let path = segments!["merchants", id, "suspension"];
        self.0.command(Method::DELETE, &path, NO_BODY, key).await
    }

    pub(crate) async fn apply_for_heritage(
        &self,
        id: Uuid,
        body: &contract::ApplyForHeritage,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants", id, "heritage"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn approve_heritage(&self, id: Uuid, key: Key<'_>) -> Answer<Merchant> {
        let path = segments!["merchants", id, "heritage", "approval"];
        self.0.command(Method::POST, &path, NO_BODY, key).await
    }

    pub(crate) async fn reject_heritage(
        &self,
        id: Uuid,
        body: &contract::Reason,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants", id, "heritage", "rejection"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn record_diagnosis(
        &self,
        id: Uuid,
        body: &contract::Diagnose,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants", id, "diagnoses"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn request_channel_onboarding(
        &self,
        id: Uuid,
        body: &contract::RequestOnboarding,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants", id, "channel-onboardings"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn update_channel_onboarding(
        &self,
        id: Uuid,
        request: Uuid,
        body: &contract::ChangeOnboarding,
        key: Key<'_>,
    ) -> Answer<Merchant> {
        let path = segments!["merchants", id, "channel-onboardings", request];
        self.0.command(Method::PUT, &path, Some(body), key).await
    }

    // Products

    pub(crate) async fn product(&self, id: Uuid) -> Answer<Option<Product>> {
        self.0.find(&Product::path(id)).await
    }

    pub(crate) async fn products(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Product>> {
        let path = segments!["merchants", merchant, "products"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn create_product(
        &self,
        merchant: Uuid,
        body: &contract::AddProduct,
        key: Key<'_>,
    ) -> Answer<Product> {
        let path = segments!["merchants", merchant, "products"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn update_product(
        &self,
        product: &Product,
        body: &contract::EditProduct,
        key: Key<'_>,
    ) -> Answer<Product> {
        let path = product_path(product, &[]);
        self.0.command(Method::PATCH, &path, Some(body), key).await
    }

    pub(crate) async fn change_price(
        &self,
        product: &Product,
        body: &contract::ChangePrice,
        key: Key<'_>,
    ) -> Answer<Product> {
        let path = product_path(product, &["price"]);
        self.0.command(Method::PUT, &path, Some(body), key).await
    }

    pub(crate) async fn adjust_stock(
        &self,
        product: &Product,
        body: &contract::AdjustStock,
        key: Key<'_>,
    ) -> Answer<Product> {
        let path = product_path(product, &["stock-adjustments"]);
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn publish_product(&self, product: &Product, key: Key<'_>) -> Answer<Product> {
        let path = product_path(product, &["publication"]);
        self.0.command(Method::POST, &path, NO_BODY, key).await
    }

    pub(crate) async fn unpublish_product(
        &self,
        product: &Product,
        key: Key<'_>,
    ) -> Answer<Product> {
        let path = product_path(product, &["publication"]);
        self.0.command(Method::DELETE, &path, NO_BODY, key).await
    }

    // Orders

    pub(crate) async fn order(&self, id: Uuid) -> Answer<Option<Order>> {
        self.0.find(&segments!["orders", id]).await
    }

    pub(crate) async fn merchant_orders(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Order>> {
        let path = segments!["merchants", merchant, "orders"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn buyer_orders(
        &self,
        buyer: &str,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Order>> {
        let path = segments!["buyers", buyer, "orders"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn place_order(
        &self,
        merchant: Uuid,
        body: &contract::PlaceOrder,
        key: Key<'_>,
    ) -> Answer<Order> {
        let path = segments!["merchants", merchant, "orders"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn cancel_order(
        &self,
        order: &Order,
        body: &contract::Reason,
        key: Key<'_>,
    ) -> Answer<Order> {
        let path = order_path(order, "cancellation");
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// The buyer asks the voucher service to pay `order` (answers REQUESTED).
    pub(crate) async fn pay_order_by_voucher(
        &self,
        order: &Order,
        body: &contract::PayByVoucher,
        key: Key<'_>,
    ) -> Answer<Order> {
        let path = order_path(order, "voucher-payment");
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// The merchant accepts `order`; a held voucher payment is then captured.
    pub(crate) async fn confirm_order(&self, order: &Order, key: Key<'_>) -> Answer<Order> {
        let path = order_path(order, "confirmation");
        self.0.command(Method::POST, &path, NO_BODY, key).await
    }

    /// Returns lines of the confirmed `order` (its buyer or its merchant).
    pub(crate) async fn return_order_lines(
        &self,
        order: &Order,
        body: &contract::ReturnLines,
        key: Key<'_>,
    ) -> Answer<Order> {
        let path = order_path(order, "returns");
        self.0.command(Method::POST, &path, Some(body), key).await
    }
}

/// `merchants/<merchant>/products/<id>`, then `rest`.
fn product_path(product: &Product, rest: &[&str]) -> Vec<String> {
    let base = segments!["merchants", product.merchant_id, "products", product.id];
    base.into_iter()
        .chain(rest.iter().map(|s| s.to_string()))
        .collect()
}

/// `merchants/<merchant>/orders/<id>/<action>`.
fn order_path(order: &Order, action: &str) -> [String; 5] {
    segments!["merchants", order.merchant_id, "orders", order.id, action]
}
