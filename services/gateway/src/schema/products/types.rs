use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::relay::{GlobalId, NodeType};
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::scalars::{Won, int};
use crate::upstream::model;

/// A product in a merchant's catalogue.
pub(crate) struct Product(pub(crate) model::Product);

#[Object]
impl Product {
    /// The product's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Product, self.0.id).to_id()
    }

    /// The merchant selling the product.
    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn price(&self) -> Won {
        Won(self.0.price)
    }

    /// Units in stock, including those reserved by open orders.
    async fn stock(&self) -> Result<i32> {
        int(self.0.stock)
    }

    /// Units held for open orders.
    async fn reserved(&self) -> Result<i32> {
        int(self.0.reserved)
    }

    /// Units that can still be ordered.
    async fn available(&self) -> Result<i32> {
        int(self.0.available)
    }

    /// Whether buyers can see and order the product.
    async fn published(&self) -> bool {
        self.0.published
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
