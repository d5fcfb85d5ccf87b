//! The storefront's HTTP API (`docs/storefront-http.md`), one method per route.

pub(crate) mod model;

use golmok_runtime::Actor;
use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use self::model::{Merchant, MerchantFilter, Order, Product};
use super::client::{Call, CallError, ServiceClient};
use crate::relay::ListPage;

/// The storefront as seen by one caller: every call carries the caller as
/// the actor header.
#[derive(Clone, Debug)]
pub(crate) struct Storefront {
    client: ServiceClient,
    actor: Option<Actor>,
}

/// An idempotency key for a command, when the caller gave one.
pub(crate) type Key<'a> = Option<&'a str>;

impl Storefront {
    pub(crate) fn new(client: ServiceClient, actor: Option<Actor>) -> Storefront {
        Storefront { client, actor }
    }

    async fn call<T: DeserializeOwned>(&self, call: Call) -> Result<T, CallError> {
        self.client.call(call, self.actor.as_ref()).await
    }

    /// A GET of one object; `None` when it is not there or not the caller's
    /// to see ([`ServiceClient::find`]).
    async fn find<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<Option<T>, CallError> {
        self.client.find(segments, self.actor.as_ref()).await
    }

    async fn list<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        filters: &[(&str, &str)],
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<T>, CallError> {
        let first = first.to_string();
        let mut pairs = filters.to_vec();
        pairs.push(("first", &first));
        if let Some(after) = after {
            pairs.push(("after", after));
        }
        self.call(Call::new(Method::GET, segments.iter().copied(), pairs))
            .await
    }

    // Merchants

    pub(crate) async fn merchant(&self, id: Uuid) -> Result<Option<Merchant>, CallError> {
        self.find(&["merchants", &id.to_string()]).await
    }

    pub(crate) async fn merchants(
        &self,
        filter: &MerchantFilter,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Merchant>, CallError> {
        let mut filters = Vec::new();
        if let Some(district) = &filter.district {
            filters.push(("district", district.as_str()));
        }
        if let Some(category) = &filter.category {
            filters.push(("category", category.as_str()));
        }
        if let Some(heritage) = filter.heritage {
            filters.push(("heritage", heritage.as_str()));
        }
        if filter.include_suspended {
            filters.push(("includeSuspended", "true"));
        }
        self.list(&["merchants"], &filters, first, after).await
    }

    pub(crate) async fn register_merchant(
        &self,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        self.call(
            Call::new(Method::POST, ["merchants"], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn update_merchant(
        &self,
        id: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        self.call(
            Call::new(Method::PATCH, ["merchants", &id.to_string()], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn suspend_merchant(
        &self,
        id: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let id = id.to_string();
        self.call(
            Call::new(Method::POST, ["merchants", &id, "suspension"], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn reinstate_merchant(
        &self,
        id: Uuid,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let id = id.to_string();
        self.call(
            Call::new(Method::DELETE, ["merchants", &id, "suspension"], []).idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn apply_for_heritage(
        &self,
        id: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let id = id.to_string();
        self.call(
            Call::new(Method::POST, ["merchants", &id, "heritage"], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn approve_heritage(
        &self,
        id: Uuid,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let id = id.to_string();
        self.call(
            Call::new(Method::POST, ["merchants", &id, "heritage", "approval"], [])
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn reject_heritage(
        &self,
        id: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let id = id.to_string();
        self.call(
            Call::new(
                Method::POST,
                ["merchants", &id, "heritage", "rejection"],
                [],
            )
            .json(body)
            .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn record_diagnosis(
        &self,
        id: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let id = id.to_string();
        self.call(
            Call::new(Method::POST, ["merchants", &id, "diagnoses"], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn request_channel_onboarding(
        &self,
        id: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let id = id.to_string();
        self.call(
            Call::new(Method::POST, ["merchants", &id, "channel-onboardings"], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn update_channel_onboarding(
        &self,
        id: Uuid,
        request: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Merchant, CallError> {
        let (id, request) = (id.to_string(), request.to_string());
        let path = ["merchants", &id, "channel-onboardings", &request];
        self.call(
            Call::new(Method::PUT, path, [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    // Products

    pub(crate) async fn product(&self, id: Uuid) -> Result<Option<Product>, CallError> {
        self.find(&["products", &id.to_string()]).await
    }

    pub(crate) async fn products(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Product>, CallError> {
        let merchant = merchant.to_string();
        self.list(&["merchants", &merchant, "products"], &[], first, after)
            .await
    }

    pub(crate) async fn create_product(
        &self,
        merchant: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Product, CallError> {
        let merchant = merchant.to_string();
        self.call(
            Call::new(Method::POST, ["merchants", &merchant, "products"], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn update_product(
        &self,
        product: &Product,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Product, CallError> {
        let (merchant, id) = (product.merchant_id.to_string(), product.id.to_string());
        self.call(
            Call::new(Method::PATCH, ["merchants", &merchant, "products", &id], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn change_price(
        &self,
        product: &Product,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Product, CallError> {
        let (merchant, id) = (product.merchant_id.to_string(), product.id.to_string());
        let path = ["merchants", &merchant, "products", &id, "price"];
        self.call(
            Call::new(Method::PUT, path, [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn adjust_stock(
        &self,
        product: &Product,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Product, CallError> {
        let (merchant, id) = (product.merchant_id.to_string(), product.id.to_string());
        let path = ["merchants", &merchant, "products", &id, "stock-adjustments"];
        self.call(
            Call::new(Method::POST, path, [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn publish_product(
        &self,
        product: &Product,
        key: Key<'_>,
    ) -> Result<Product, CallError> {
        let (merchant, id) = (product.merchant_id.to_string(), product.id.to_string());
        let path = ["merchants", &merchant, "products", &id, "publication"];
        self.call(Call::new(Method::POST, path, []).idempotency_key(key))
            .await
    }

    pub(crate) async fn unpublish_product(
        &self,
        product: &Product,
        key: Key<'_>,
    ) -> Result<Product, CallError> {
        let (merchant, id) = (product.merchant_id.to_string(), product.id.to_string());
        let path = ["merchants", &merchant, "products", &id, "publication"];
        self.call(Call::new(Method::DELETE, path, []).idempotency_key(key))
            .await
    }

    // Orders

    pub(crate) async fn order(&self, id: Uuid) -> Result<Option<Order>, CallError> {
        self.find(&["orders", &id.to_string()]).await
    }

    pub(crate) async fn merchant_orders(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Order>, CallError> {
        let merchant = merchant.to_string();
        self.list(&["merchants", &merchant, "orders"], &[], first, after)
            .await
    }

    pub(crate) async fn buyer_orders(
        &self,
        buyer: &str,
        first: usize,
        after: Option<&str>,
    ) -> Result<ListPage<Order>, CallError> {
        self.list(&["buyers", buyer, "orders"], &[], first, after)
            .await
    }

    pub(crate) async fn place_order(
        &self,
        merchant: Uuid,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Order, CallError> {
        let merchant = merchant.to_string();
        self.call(
            Call::new(Method::POST, ["merchants", &merchant, "orders"], [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    pub(crate) async fn cancel_order(
        &self,
        order: &Order,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Order, CallError> {
        let (merchant, id) = (order.merchant_id.to_string(), order.id.to_string());
        let path = ["merchants", &merchant, "orders", &id, "cancellation"];
        self.call(
            Call::new(Method::POST, path, [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    /// The buyer asks the voucher service to pay `order` (answers REQUESTED).
    pub(crate) async fn pay_order_by_voucher(
        &self,
        order: &Order,
        body: &impl Serialize,
        key: Key<'_>,
    ) -> Result<Order, CallError> {
        let (merchant, id) = (order.merchant_id.to_string(), order.id.to_string());
        let path = ["merchants", &merchant, "orders", &id, "voucher-payment"];
        self.call(
            Call::new(Method::POST, path, [])
                .json(body)
                .idempotency_key(key),
        )
        .await
    }

    /// The merchant accepts `order`; a held voucher payment is then captured.
    pub(crate) async fn confirm_order(
        &self,
        order: &Order,
        key: Key<'_>,
    ) -> Result<Order, CallError> {
        let (merchant, id) = (order.merchant_id.to_string(), order.id.to_string());
        let path = ["merchants", &merchant, "orders", &id, "confirmation"];
        self.call(Call::new(Method::POST, path, []).idempotency_key(key))
            .await
    }
}
