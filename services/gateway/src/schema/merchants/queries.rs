use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt};
use uuid::Uuid;

use super::types::Merchant;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::upstream::Storefront;
use crate::upstream::model::{self, MerchantFilter};

#[derive(Default)]
pub(crate) struct MerchantQuery;

#[Object]
impl MerchantQuery {
    /// A merchant by global id; null when there is none.
    async fn merchant(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Merchant>> {
        let id = GlobalId::expect(&id, NodeType::Merchant).map_err(|e| e.extend())?;
        find_merchant(ctx, id).await
    }

    /// The merchant directory. Suspended merchants are left out unless an
    /// official or operator asks for them.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn merchants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters; they combine.")] filter: Option<MerchantFilter>,
        #[graphql(desc = "How many merchants, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Merchant>> {
        let request = PageRequest::new(ListId::new("merchants", ""), first, after)?;
        let filter = filter.unwrap_or_default();
        let storefront = &ctx.request().upstream::<Storefront>();
        page(
            request,
            |first, after| {
                let filter = &filter;
                async move { storefront.merchants(filter, first, after.as_deref()).await }
            },
            Merchant,
        )
        .await
        .extend()
    }
}

/// A merchant by id, through the request's merchant loader.
pub(crate) async fn find_merchant(ctx: &Context<'_>, id: Uuid) -> Result<Option<Merchant>> {
    Ok(ctx
        .request()
        .lookup::<model::Merchant>(id)
        .await
        .extend()?
        .map(Merchant))
}
