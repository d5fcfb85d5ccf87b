//! Event tie-ins and promotions: officials create tie-ins (such as "MAMA
//! 2026") for an event partner, merchants publish promotions, and a partner
//! token reads its tie-ins and the promotions they include. The
//! creator-media service decides who may read what; the gateway passes the
//! caller on.

use async_graphql::connection::Connection;
use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, Object, Result, ResultExt, SimpleObject,
};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::OfferV1;
use golmok_contracts::creator_media::http as contract;
use uuid::Uuid;

use super::collaborations::{Collaboration, find_collaboration};
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::schema::merchants::{Merchant, find_merchant};
use crate::schema::outcome::{
    InputNames, Refusal, UserError, idempotency_key, input_id, payload, settle,
};
use crate::schema::scalars::Won;
use crate::upstream::promotion_model::{self as model, PromotionStatus};
use crate::upstream::{CallError, CreatorMedia};

/// The service names list entries `products[1]`; the input is `productIds`.
const NAMES: InputNames = InputNames {
    renames: &[("products", "productIds"), ("tieIn", "tieInId")],
    codes: &[
        ("PROMOTION_NOT_FOUND", "promotionId"),
        ("TIE_IN_NOT_FOUND", "tieInId"),
        ("COLLABORATION_NOT_FOUND", "collaborationId"),
        ("COLLABORATION_NOT_ACTIVE", "collaborationId"),
        ("PRODUCT_NOT_COVERED", "productIds"),
    ],
};

/// A service refusal as a user error: `products[1]` → `["input", "productIds", "1"]`.
fn refusal(mut error: CallError) -> Refusal {
    if let CallError::Rejected { body, .. } = &mut error {
        body.field = body
            .field
            .take()
            .map(|field| field.replace('[', ".").replace(']', ""));
    }
    NAMES.refusal(error)
}

fn expect(id: &ID, node_type: NodeType) -> Result<Uuid> {
    GlobalId::expect(id, node_type).map_err(|e| e.extend())
}

/// An event tie-in: the promotions of its period that match its filter,
/// read by the one partner it names.
pub(crate) struct TieIn(pub(crate) model::TieIn);

#[Object]
impl TieIn {
    /// The tie-in's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::TieIn, self.0.id).to_id()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The token subject of the event partner allowed to read it.
    async fn partner(&self) -> &str {
        &self.0.partner
    }

    async fn starts(&self) -> DateTime<Utc> {
        self.0.starts
    }

    async fn ends(&self) -> DateTime<Utc> {
        self.0.ends
    }

    /// Lower case; empty does not restrict.
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }

    /// Lower case; empty does not restrict.
    async fn categories(&self) -> &[String] {
        &self.0.categories
    }

    /// Lower case; empty does not restrict.
    async fn regions(&self) -> &[String] {
        &self.0.regions
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The promotions this tie-in includes, in publication order (withdrawn
    /// and expired ones too): the ones restricted to it, and the public ones
    /// of its period that match its filter.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn promotions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Promotion>> {
        let media = &ctx.request().upstream::<CreatorMedia>();
        let tie_in = self.0.id;
        page(
            PageRequest::new(
                ListId::new("tieInPromotions", &tie_in.to_string()),
                first,
                after,
            )?,
            |first, after| async move {
                media
                    .tie_in_promotions(tie_in, first, after.as_deref())
                    .await
            },
            Promotion,
        )
        .await
        .extend()
    }
}

/// What a promotion offers: exactly one of the three is set.
#[derive(SimpleObject)]
pub(crate) struct PromotionOffer {
    /// A percentage off, in basis points (1 to 10,000).
    percent_off_bps: Option<i32>,
    /// A fixed amount off each unit.
    amount_off_won: Option<Won>,
    /// A code the buyer gives at checkout.
    code: Option<String>,
}

/// A merchant's offer on some of its products for a while, public or
/// restricted to one tie-in.
pub(crate) struct Promotion(pub(crate) model::Promotion);

#[Object]
impl Promotion {
    /// The promotion's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Promotion, self.0.id).to_id()
    }

    /// The merchant; null when the caller may not see it.
    async fn merchant(&self, ctx: &Context<'_>) -> Result<Option<Merchant>> {
        find_merchant(ctx, self.0.merchant_id).await
    }

    /// The collaboration that published it, for its parties and operators;
    /// null when the merchant published it alone.
    async fn collaboration(&self, ctx: &Context<'_>) -> Result<Option<Collaboration>> {
        match self.0.collaboration_id {
            Some(id) => find_collaboration(ctx, id).await,
            None => Ok(None),
        }
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The global ids of the merchant's products it covers.
    async fn product_ids(&self) -> Vec<ID> {
        self.0
            .products
            .iter()
            .map(|id| GlobalId::new(NodeType::Product, *id).to_id())
            .collect()
    }

    async fn offer(&self) -> PromotionOffer {
        let mut offer = PromotionOffer {
            percent_off_bps: None,
            amount_off_won: None,
            code: None,
        };
        match &self.0.offer {
            OfferV1::PercentOff { bps } => offer.percent_off_bps = i32::try_from(*bps).ok(),
            OfferV1::AmountOff { won } => {
                offer.amount_off_won = Some(Won(i64::try_from(*won).unwrap_or(i64::MAX)));
            }
            OfferV1::Code { code } => offer.code = Some(code.clone()),
        }
        offer
    }

    async fn starts(&self) -> DateTime<Utc> {
        self.0.starts
    }

    async fn ends(&self) -> DateTime<Utc> {
        self.0.ends
    }

    /// Lower case.
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }

    /// Lower case.
    async fn categories(&self) -> &[String] {
        &self.0.categories
    }

    /// Lower case.
    async fn region(&self) -> &str {
        &self.0.region
    }

    /// The tie-in it is restricted to; null for a public promotion or when
    /// the caller may not see the tie-in.
    async fn tie_in(&self, ctx: &Context<'_>) -> Result<Option<TieIn>> {
        match self.0.tie_in {
            Some(id) => find_tie_in(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Whether it is restricted to one tie-in.
    async fn restricted(&self) -> bool {
        self.0.tie_in.is_some()
    }

    async fn status(&self) -> PromotionStatus {
        self.0.status
    }

    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }

    /// When it was withdrawn or expired.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
}

#[derive(Default)]
pub(crate) struct PromotionQuery;

#[Object]
impl PromotionQuery {
    /// An event tie-in by global id: for officials, operators and its
    /// partner; null for anyone else.
    async fn tie_in(&self, ctx: &Context<'_>, id: ID) -> Result<Option<TieIn>> {
        find_tie_in(ctx, expect(&id, NodeType::TieIn)?).await
    }

    /// The tie-ins the caller may read (a partner: its own), in creation order.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn tie_ins(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, TieIn>> {
        let media = &ctx.request().upstream::<CreatorMedia>();
        let scope = ctx
            .request()
            .actor
            .as_ref()
            .map(|actor| actor.subject.clone())
            .unwrap_or_default();
        page(
            PageRequest::new(ListId::new("tieIns", &scope), first, after)?,
            |first, after| async move { media.tie_ins(first, after.as_deref()).await },
            TieIn,
        )
        .await
        .extend()
    }

    /// A promotion by global id; null when there is none or the caller may
    /// not see it.
    async fn promotion(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Promotion>> {
        find_promotion(ctx, expect(&id, NodeType::Promotion)?).await
    }
}

pub(crate) async fn find_tie_in(ctx: &Context<'_>, id: Uuid) -> Result<Option<TieIn>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .tie_in(id)
        .await
        .extend()?
        .map(TieIn))
}

pub(crate) async fn find_promotion(ctx: &Context<'_>, id: Uuid) -> Result<Option<Promotion>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .promotion(id)
        .await
        .extend()?
        .map(Promotion))
}

#[derive(InputObject)]
pub(crate) struct CreateTieInInput {
    /// 1 to 80 characters.
    name: String,
    /// The token subject of the event partner allowed to read it.
    partner: String,
    starts: DateTime<Utc>,
    /// After `starts`.
    ends: DateTime<Utc>,
    /// At most 20 labels each; empty does not restrict.
    #[graphql(default)]
    tags: Vec<String>,
    #[graphql(default)]
    categories: Vec<String>,
    #[graphql(default)]
    regions: Vec<String>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

/// Exactly one of the three.
#[derive(InputObject)]
pub(crate) struct PromotionOfferInput {
    /// A percentage off, in basis points (1 to 10,000).
    percent_off_bps: Option<i32>,
    /// A fixed amount off each unit, more than 0.
    amount_off_won: Option<Won>,
    /// A code the buyer gives at checkout: 4 to 20 of `A-Z 0-9 -`.
    code: Option<String>,
}

impl PromotionOfferInput {
    fn offer(&self) -> Result<OfferV1, Refusal> {
        let invalid = |message: &str| {
            Refusal::User(UserError::at("offer", "OFFER_INVALID", message.to_owned()))
        };
        match (&self.percent_off_bps, &self.amount_off_won, &self.code) {
            (Some(bps), None, None) => u32::try_from(*bps)
                .map(|bps| OfferV1::PercentOff { bps })
                .map_err(|_| invalid("a percentage is 1 to 10,000 basis points")),
            (None, Some(won), None) => u64::try_from(won.0)
                .map(|won| OfferV1::AmountOff { won })
                .map_err(|_| invalid("an amount off is more than 0 won")),
            (None, None, Some(code)) => Ok(OfferV1::Code { code: code.clone() }),
            _ => Err(invalid(
                "an offer is exactly one of percentOffBps, amountOffWon and code",
            )),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct PublishPromotionInput {
    /// The merchant's global id (the caller's own store).
    merchant_id: ID,
    /// 1 to 80 characters.
    title: String,
    /// 1 to 50 distinct global ids of the merchant's products.
    product_ids: Vec<ID>,
    offer: PromotionOfferInput,
    starts: DateTime<Utc>,
    /// After `starts`, in the future.
    ends: DateTime<Utc>,
    /// At most 20 labels.
    #[graphql(default)]
    tags: Vec<String>,
    /// At most 20 labels.
    #[graphql(default)]
    categories: Vec<String>,
    region: String,
    /// Restricts the promotion to this tie-in (its global id).
    tie_in_id: Option<ID>,
    /// Publishes it as this collaboration of the merchant (its global id):
    /// either party may, while it is active, for the products it covers.
    collaboration_id: Option<ID>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct WithdrawPromotionInput {
    /// The promotion's global id.
    promotion_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(CreateTieInPayload { tie_in: TieIn });
payload!(PublishPromotionPayload {
    promotion: Promotion
});
payload!(WithdrawPromotionPayload {
    promotion: Promotion
});

#[derive(Default)]
pub(crate) struct PromotionMutation;

#[Object]
impl PromotionMutation {
    /// Creates an event tie-in for a partner (officials).
    async fn create_tie_in(
        &self,
        ctx: &Context<'_>,
        input: CreateTieInInput,
    ) -> Result<CreateTieInPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::CreateTieIn {
                    name: input.name.clone(),
                    partner: input.partner.clone(),
                    starts: input.starts,
                    ends: input.ends,
                    tags: input.tags.clone(),
                    categories: input.categories.clone(),
                    regions: input.regions.clone(),
                };
                let created = request
                    .upstream::<CreatorMedia>()
                    .create_tie_in(&body, key)
                    .await;
                Ok(TieIn(created.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Publishes a promotion of the merchant's products (the merchant),
    /// public or restricted to one tie-in.
    async fn publish_promotion(
        &self,
        ctx: &Context<'_>,
        input: PublishPromotionInput,
    ) -> Result<PublishPromotionPayload> {
        let request = ctx.request();
        settle(
            async {
                let merchant = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let products = input
                    .product_ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| input_id(id, NodeType::Product, &format!("productIds.{i}")))
                    .collect::<Result<Vec<_>, _>>()?;
                let tie_in = input
                    .tie_in_id
                    .as_ref()
                    .map(|id| input_id(id, NodeType::TieIn, "tieInId"))
                    .transpose()?;
                let collaboration = input
                    .collaboration_id
                    .as_ref()
                    .map(|id| input_id(id, NodeType::Collaboration, "collaborationId"))
                    .transpose()?;
                let offer = input.offer.offer()?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::PublishPromotion {
                    merchant_id: merchant,
                    title: input.title.clone(),
                    products,
                    offer,
                    starts: input.starts,
                    ends: input.ends,
                    tags: input.tags.clone(),
                    categories: input.categories.clone(),
                    region: input.region.clone(),
                    tie_in,
                    collaboration_id: collaboration,
                };
                let published = request
                    .upstream::<CreatorMedia>()
                    .publish_promotion(&body, key)
                    .await;
                Ok(Promotion(published.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Withdraws a live promotion (its merchant).
    async fn withdraw_promotion(
        &self,
        ctx: &Context<'_>,
        input: WithdrawPromotionInput,
    ) -> Result<WithdrawPromotionPayload> {
        let request = ctx.request();
        settle(
            async {
                let promotion = input_id(&input.promotion_id, NodeType::Promotion, "promotionId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let withdrawn = request
                    .upstream::<CreatorMedia>()
                    .withdraw_promotion(promotion, key)
                    .await;
                Ok(Promotion(withdrawn.map_err(refusal)?))
            }
            .await,
        )
    }
}
