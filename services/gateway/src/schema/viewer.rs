use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, Object, Result};
use golmok_runtime::{Actor, Role as ActorRole};

use crate::relay::PageRequest;
use crate::schema::context::ContextExt;
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::orders::{Order, orders_of_buyer};

/// Roles of the public programme.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A one-person business owner.
    Merchant,
    /// A one-person creator promoting or selling for merchants.
    Creator,
    /// A citizen buying and paying with vouchers.
    Citizen,
    /// An expert diagnosing merchants.
    Expert,
    /// A local-government official.
    Official,
    /// A partner organisation (guarantee foundation, export agency, event partner).
    Partner,
    /// Runs the platform.
    Operator,
}

impl From<ActorRole> for Role {
    fn from(role: ActorRole) -> Role {
        match role {
            ActorRole::Merchant => Role::Merchant,
            ActorRole::Creator => Role::Creator,
            ActorRole::Citizen => Role::Citizen,
            ActorRole::Expert => Role::Expert,
            ActorRole::Official => Role::Official,
            ActorRole::Partner => Role::Partner,
            ActorRole::Operator => Role::Operator,
        }
    }
}

/// The signed-in caller.
pub(crate) struct Viewer(Actor);

#[Object]
impl Viewer {
    /// The token subject: a stable id of the person or system.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// The store a merchant token acts for.
    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        match self.0.merchant_id {
            Some(id) => find_merchant(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The caller's own orders as a buyer, newest first.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many orders, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Order>> {
        orders_of_buyer(ctx, &self.0.subject, first, after).await
    }
}

#[derive(Default)]
pub(crate) struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who is calling; null for anonymous callers.
    async fn viewer(&self, ctx: &Context<'_>) -> Option<Viewer> {
        ctx.request().actor.clone().map(Viewer)
    }
}
