use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::relay::{GlobalId, NodeType, PageRequest};
use crate::schema::creator_media::{CreatorMatch, recommended_creators};
use crate::schema::orders::{Order, orders_of_merchant};
use crate::schema::products::{Product, products_of_merchant};
use crate::schema::scalars::{Date, int};
use crate::upstream::model::{
    self, Diagnosis, Heritage, Market, MerchantKind, MerchantStatus, OnboardingStatus, RevenueTier,
};

/// A one-person business: a 소상인 retailer or a 소공인 manufacturer.
pub(crate) struct Merchant(pub(crate) model::Merchant);

#[Object]
impl Merchant {
    /// The merchant's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Merchant, self.0.id).to_id()
    }

    /// 사업자등록번호, the business registration number: 10 digits.
    async fn business_number(&self) -> &str {
        &self.0.business_number
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> MerchantKind {
        self.0.kind
    }

    async fn category(&self) -> &str {
        &self.0.category
    }

    /// 상권: the commercial district the store is in.
    async fn district(&self) -> &str {
        &self.0.district
    }

    async fn founded_on(&self) -> Date {
        Date(self.0.founded_on)
    }

    async fn revenue_tier(&self) -> RevenueTier {
        self.0.revenue_tier
    }

    async fn status(&self) -> MerchantStatus {
        self.0.status
    }

    async fn suspension_reason(&self) -> Option<&str> {
        self.0.suspension_reason.as_deref()
    }

    /// The heritage badge applied for or held, if any.
    async fn heritage(&self) -> Option<&Heritage> {
        self.0.heritage.as_ref()
    }

    /// The latest expert diagnosis, if any.
    async fn diagnosis(&self) -> Option<&Diagnosis> {
        self.0.diagnosis.as_ref()
    }

    /// Requests to sell on online channels, oldest first.
    async fn channel_onboardings(&self) -> Vec<ChannelOnboarding<'_>> {
        self.0
            .channel_onboardings
            .iter()
            .map(ChannelOnboarding)
            .collect()
    }

    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }

    /// Grows with every change to the merchant.
    async fn version(&self) -> Result<i32> {
        int(self.0.version)
    }

    /// The merchant's products; unpublished ones only to the merchant and operators.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many products, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Product>> {
        products_of_merchant(ctx, self.0.id, first, after).await
    }

    /// The merchant's orders, newest first; only for the merchant and operators
    /// (null with a FORBIDDEN error for anyone else).
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many orders, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Option<Connection<String, Order>>> {
        orders_of_merchant(ctx, self.0.id, first, after)
            .await
            .map(Some)
    }

    /// The creators creator media recommends to the merchant, best first, with
    /// the reasons (shared category, same area, reach, the diagnosis track);
    /// for the merchant, the programme's experts and officials, and operators
    /// (null for anyone else, and until creator media has the merchant).
    async fn recommended_creators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 50 (default 10).")] first: Option<i32>,
    ) -> Result<Option<Vec<CreatorMatch>>> {
        recommended_creators(ctx, self.0.id, first).await
    }
}

/// A merchant's request to sell on an online sales channel.
pub(crate) struct ChannelOnboarding<'a>(&'a model::ChannelOnboarding);

#[Object]
impl ChannelOnboarding<'_> {
    /// The request's global id (used with `updateChannelOnboarding`).
    async fn id(&self) -> ID {
        GlobalId::new(NodeType::ChannelOnboarding, self.0.id).to_id()
    }

    /// The channel, such as a domestic open market or a global mall.
    async fn channel(&self) -> &str {
        &self.0.channel
    }

    async fn market(&self) -> Market {
        self.0.market
    }

    async fn status(&self) -> OnboardingStatus {
        self.0.status
    }

    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
