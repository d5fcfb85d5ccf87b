use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt};
use uuid::Uuid;

use super::types::Order;
use crate::errors::coded;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::upstream::Storefront;

#[derive(Default)]
pub(crate) struct OrderQuery;

#[Object]
impl OrderQuery {
    /// An order by global id, for its buyer, its merchant and operators; null
    /// when there is none.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let id = GlobalId::expect(&id, NodeType::Order).map_err(|e| e.extend())?;
        find_order(ctx, id).await
    }

    /// The caller's own orders as a buyer, newest first.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn my_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many orders, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Order>> {
        let Some(actor) = &ctx.request().actor else {
            return Err(coded("UNAUTHENTICATED", "sign in to see your orders"));
        };
        orders_of_buyer(ctx, &actor.subject, first, after).await
    }

    /// A merchant's orders, newest first: for the merchant and operators.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn merchant_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The merchant's global id.")] merchant_id: ID,
        #[graphql(desc = "How many orders, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Order>> {
        let merchant =
            GlobalId::expect(&merchant_id, NodeType::Merchant).map_err(|e| e.extend())?;
        orders_of_merchant(ctx, merchant, first, after).await
    }
}

/// An order by id: null when there is none or it is not the caller's to see.
pub(crate) async fn find_order(ctx: &Context<'_>, id: Uuid) -> Result<Option<Order>> {
    Ok(ctx
        .request()
        .upstream::<Storefront>()
        .order(id)
        .await
        .extend()?
        .map(Order))
}

/// One page of a merchant's orders.
pub(crate) async fn orders_of_merchant(
    ctx: &Context<'_>,
    merchant: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Order>> {
    let list = ListId::new("merchantOrders", &merchant.to_string());
    let request = PageRequest::new(list, first, after)?;
    let storefront = &ctx.request().upstream::<Storefront>();
    page(
        request,
        |first, after| async move {
            storefront
                .merchant_orders(merchant, first, after.as_deref())
                .await
        },
        Order,
    )
    .await
    .extend()
}

/// One page of a buyer's orders.
pub(crate) async fn orders_of_buyer(
    ctx: &Context<'_>,
    buyer: &str,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Order>> {
    let request = PageRequest::new(ListId::new("buyerOrders", buyer), first, after)?;
    let storefront = &ctx.request().upstream::<Storefront>();
    page(
        request,
        |first, after| async move {
            storefront
                .buyer_orders(buyer, first, after.as_deref())
                .await
        },
        Order,
    )
    .await
    .extend()
}
