use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt};
use uuid::Uuid;

use super::types::Product;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::upstream::{Storefront, model};

#[derive(Default)]
pub(crate) struct ProductQuery;

#[Object]
impl ProductQuery {
    /// A product by global id; null when there is none or it is not published
    /// (unpublished products are visible to their merchant and operators).
    async fn product(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        let id = GlobalId::expect(&id, NodeType::Product).map_err(|e| e.extend())?;
        find_product(ctx, id).await
    }

    /// A merchant's products.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The merchant's global id.")] merchant_id: ID,
        #[graphql(desc = "How many products, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Product>> {
        let merchant =
            GlobalId::expect(&merchant_id, NodeType::Merchant).map_err(|e| e.extend())?;
        products_of_merchant(ctx, merchant, first, after).await
    }
}

/// A product by id, through the request's product loader.
pub(crate) async fn find_product(ctx: &Context<'_>, id: Uuid) -> Result<Option<Product>> {
    Ok(ctx
        .request()
        .lookup::<model::Product>(id)
        .await
        .extend()?
        .map(Product))
}

/// One page of a merchant's products.
pub(crate) async fn products_of_merchant(
    ctx: &Context<'_>,
    merchant: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Product>> {
    let list = ListId::new("merchantProducts", &merchant.to_string());
    let request = PageRequest::new(list, first, after)?;
    let storefront = &ctx.request().upstream::<Storefront>();
    page(
        request,
        |first, after| async move { storefront.products(merchant, first, after.as_deref()).await },
        Product,
    )
    .await
    .extend()
}
