//! Live sessions: a merchant's live commerce broadcasts of its products,
//! optionally hosted by a creator.

use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http::{
    self as contract, DelegatedActionKind as Kind, DelegationScope,
};
use uuid::Uuid;

use super::types::Creator;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::{ContextExt, RequestContext};
use crate::schema::delegation::{self, Acting, Intent};
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::outcome::{InputNames, Refusal, idempotency_key, input_id, payload, settle};
use crate::schema::products::{Product, find_product};
use crate::schema::scalars::Won;
use crate::upstream::creator_media_model::{self as model, LiveStatus};
use crate::upstream::{CallError, CreatorMedia, Key};

/// A live commerce broadcast of a merchant's products.
pub(crate) struct LiveSession(pub(crate) model::Live);

#[Object]
impl LiveSession {
    /// The live session's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::LiveSession, self.0.id).to_id()
    }

    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    /// The creator who hosts it; null when the merchant hosts it itself.
    async fn host(&self, ctx: &Context<'_>) -> Result<Option<Creator>> {
        match self.0.host_creator_id {
            Some(id) => super::find_creator(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }

    async fn status(&self) -> LiveStatus {
        self.0.status
    }

    /// The products shown, tagged when it was scheduled.
    async fn products(&self) -> Vec<LiveSessionProduct<'_>> {
        self.0.products.iter().map(LiveSessionProduct).collect()
    }

    /// The product pinned on screen now (only while on air).
    async fn pinned_product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        match self.0.pinned_product_id {
            Some(id) => find_product(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
}

/// A product shown in a live.
pub(crate) struct LiveSessionProduct<'a>(&'a model::LiveProduct);

#[Object]
impl LiveSessionProduct<'_> {
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        find_product(ctx, self.0.product_id).await
    }

    /// The price of orders placed while the live is on air; null: the
    /// product's usual price.
    async fn live_price(&self) -> Option<Won> {
        self.0.live_price.map(Won)
    }
}

pub(crate) async fn find_live(ctx: &Context<'_>, id: Uuid) -> Result<Option<LiveSession>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .live(id)
        .await
        .extend()?
        .map(LiveSession))
}

#[derive(Default)]
pub(crate) struct LiveQuery;

#[Object]
impl LiveQuery {
    /// A live session by global id.
    async fn live_session(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LiveSession>> {
        let id = GlobalId::expect(&id, NodeType::LiveSession).map_err(|e| e.extend())?;
        find_live(ctx, id).await
    }

    /// A merchant's live sessions by start time.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn live_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The merchant's global id.")] merchant_id: ID,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, LiveSession>> {
        let merchant =
            GlobalId::expect(&merchant_id, NodeType::Merchant).map_err(|e| e.extend())?;
        let media = &ctx.request().upstream::<CreatorMedia>();
        page(
            PageRequest::new(
                ListId::new("live-sessions", &merchant.to_string()),
                first,
                after,
            )?,
            |first, after| async move { media.lives_of(merchant, first, after.as_deref()).await },
            LiveSession,
        )
        .await
        .extend()
    }
}

/// Refusals about ids in the path point at their inputs.
const NAMES: InputNames = InputNames {
    renames: &[],
    codes: &[
        ("LIVE_NOT_FOUND", "liveId"),
        ("CREATOR_NOT_FOUND", "hostCreatorId"),
        ("PRODUCT_NOT_TAGGED", "productId"),
    ],
};

fn refusal(error: CallError) -> Refusal {
    NAMES.refusal(error)
}

#[derive(InputObject)]
pub(crate) struct LiveProductInput {
    /// The product's global id.
    product_id: ID,
    /// The price of orders placed while the live is on air, more than zero;
    /// absent: the product's usual price.
    live_price: Option<Won>,
}

#[derive(InputObject)]
pub(crate) struct ScheduleLiveInput {
    /// The merchant's global id (the caller's own store).
    merchant_id: ID,
    /// A registered creator who hosts it; absent: the merchant hosts.
    host_creator_id: Option<ID>,
    title: String,
    /// In the future, within a year.
    starts_at: DateTime<Utc>,
    /// 1 to 20 distinct products.
    products: Vec<LiveProductInput>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct LiveSessionInput {
    /// The live session's global id.
    live_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct PinLiveProductInput {
    /// The live session's global id.
    live_id: ID,
    /// One of its products' global ids.
    product_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(LiveSessionPayload {
    live_session: LiveSession
});

#[derive(Default)]
pub(crate) struct LiveMutation;

impl LiveMutation {
    /// `start`, `end` or `cancellation` of the live `input` names.
    async fn step(
        ctx: &Context<'_>,
        input: &LiveSessionInput,
        step: &str,
        kind: Kind,
    ) -> Result<LiveSessionPayload> {
        let request = ctx.request();
        settle(
            async {
                let live = input_id(&input.live_id, NodeType::LiveSession, "liveId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let acting = acting_on_live(request, live, kind, None, key).await?;
                let stepped = acting
                    .upstream::<CreatorMedia>(request)
                    .live_step(live, step, key)
                    .await;
                Ok(LiveSession(
                    acting.finish(request, stepped).await.map_err(refusal)?,
                ))
            }
            .await,
        )
    }
}

/// How a live action calls creator-media: a creator whose delegated-selling
/// collaboration from the live's merchant grants RUN_LIVES acts for that
/// merchant, the action recorded first in the audit trail
/// (`schema/delegation.rs`); anyone else as themselves (the merchant; the
/// host creator runs its live as host, with or without another delegation).
async fn acting_on_live(
    request: &RequestContext,
    live: Uuid,
    kind: Kind,
    product: Option<Uuid>,
    key: Key<'_>,
) -> Result<Acting, Refusal> {
    let delegation = match delegation::by_creator(request) {
        true => match request
            .upstream::<CreatorMedia>()
            .live(live)
            .await
            .map_err(refusal)?
        {
            Some(found) => delegation::delegation_from(request, found.merchant_id)
                .await?
                .filter(|d| {
                    d.delegation
                        .as_ref()
                        .is_some_and(|terms| terms.scopes.contains(&DelegationScope::RunLives))
                }),
            None => None,
        },
        false => None,
    };
    let intent = Intent {
        kind,
        product,
        price: None,
        summary: format!("{kind:?} {live}"),
    };
    delegation::begin(request, delegation, intent, key).await
}

#[Object]
impl LiveMutation {
    /// Schedules a live of the merchant's products (the merchant), with
    /// live-only prices and an optional host creator.
    async fn schedule_live(
        &self,
        ctx: &Context<'_>,
        input: ScheduleLiveInput,
    ) -> Result<LiveSessionPayload> {
        let request = ctx.request();
        settle(
            async {
                let merchant = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let host = match &input.host_creator_id {
                    Some(id) => Some(input_id(id, NodeType::Creator, "hostCreatorId")?),
                    None => None,
                };
                let mut products = Vec::with_capacity(input.products.len());
                for product in &input.products {
                    products.push(contract::LiveProduct {
                        product_id: input_id(&product.product_id, NodeType::Product, "products")?,
                        live_price: product.live_price.map(|price| price.0),
                    });
                }
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let delegation = delegation::delegation_from(request, merchant).await?;
                let intent = Intent {
                    kind: Kind::ScheduleLive,
                    product: None,
                    price: None,
                    summary: format!("live \"{}\" at {}", input.title, input.starts_at),
                };
                let acting = delegation::begin(request, delegation, intent, key).await?;
                let body = contract::ScheduleLive {
                    merchant_id: merchant,
                    host_creator_id: host,
                    title: input.title.clone(),
                    starts_at: input.starts_at,
                    products,
                };
                let scheduled = acting
                    .upstream::<CreatorMedia>(request)
                    .schedule_live(&body, key)
                    .await;
                Ok(LiveSession(
                    acting.finish(request, scheduled).await.map_err(refusal)?,
                ))
            }
            .await,
        )
    }

    /// Puts a scheduled live on air (the merchant or the host creator).
    async fn start_live(
        &self,
        ctx: &Context<'_>,
        input: LiveSessionInput,
    ) -> Result<LiveSessionPayload> {
        LiveMutation::step(ctx, &input, "start", Kind::StartLive).await
    }

    /// Pins one of the live's products on screen while it is on air.
    async fn pin_live_product(
        &self,
        ctx: &Context<'_>,
        input: PinLiveProductInput,
    ) -> Result<LiveSessionPayload> {
        let request = ctx.request();
        settle(
            async {
                let live = input_id(&input.live_id, NodeType::LiveSession, "liveId")?;
                let product = input_id(&input.product_id, NodeType::Product, "productId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let acting =
                    acting_on_live(request, live, Kind::PinLiveProduct, Some(product), key).await?;
                let body = contract::PinProduct {
                    product_id: product,
                };
                let pinned = acting
                    .upstream::<CreatorMedia>(request)
                    .pin_live_product(live, &body, key)
                    .await;
                Ok(LiveSession(
                    acting.finish(request, pinned).await.map_err(refusal)?,
                ))
            }
            .await,
        )
    }

    /// Ends a live on air (the merchant or the host creator).
    async fn end_live(
        &self,
        ctx: &Context<'_>,
        input: LiveSessionInput,
    ) -> Result<LiveSessionPayload> {
        LiveMutation::step(ctx, &input, "end", Kind::EndLive).await
    }

    /// Cancels a live that has not started (the merchant).
    async fn cancel_live(
        &self,
        ctx: &Context<'_>,
        input: LiveSessionInput,
    ) -> Result<LiveSessionPayload> {
        LiveMutation::step(ctx, &input, "cancellation", Kind::CancelLive).await
    }
}
