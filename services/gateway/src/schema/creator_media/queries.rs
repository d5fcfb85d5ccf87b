use async_graphql::connection::Connection;

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt};
use uuid::Uuid;

use super::types::{Creator, Studio};
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::upstream::CreatorMedia;

#[derive(Default)]
pub(crate) struct CreatorMediaQuery;

fn expect(id: &ID, node_type: NodeType) -> Result<Uuid> {
    GlobalId::expect(id, node_type).map_err(|e| e.extend())
}

#[Object]
impl CreatorMediaQuery {
    /// A creator by global id.
    async fn creator(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Creator>> {
        find_creator(ctx, expect(&id, NodeType::Creator)?).await
    }

    /// Every creator, in registration order.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn creators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Creator>> {
        let media = &ctx.request().upstream::<CreatorMedia>();
        page(
            PageRequest::new(ListId::new("creators", ""), first, after)?,
            |first, after| async move { media.creators(first, after.as_deref()).await },
            Creator,
        )
        .await
        .extend()
    }

    /// A shared studio by global id, with its bookings of a day.
    async fn studio(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Studio>> {
        find_studio(ctx, expect(&id, NodeType::Studio)?).await
    }
}

pub(crate) async fn find_creator(ctx: &Context<'_>, id: Uuid) -> Result<Option<Creator>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .creator(id)
        .await
        .extend()?
        .map(Creator))
}

pub(crate) async fn find_studio(ctx: &Context<'_>, id: Uuid) -> Result<Option<Studio>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .studio(id)
        .await
        .extend()?
        .map(Studio))
}
