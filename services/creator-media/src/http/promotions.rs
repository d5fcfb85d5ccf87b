use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use golmok_contracts::creator_media::OfferV1;
use golmok_contracts::creator_media::http as bodies;
use golmok_kernel::ListPage;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::promotion_projection::PromotionView;
use crate::app::{CreatorMedia, NewPromotion};
use crate::domain::promotion::Offer;

fn promotion_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "PROMOTION_NOT_FOUND", "promotion")
}

fn offer(offer: OfferV1) -> Offer {
    match offer {
        OfferV1::PercentOff { bps } => Offer::PercentOff { bps },
        OfferV1::AmountOff { won } => Offer::AmountOff { won },
        OfferV1::Code { code } => Offer::Code { code },
    }
}

/// A merchant publishes a promotion (an operator for any merchant), or a
/// party of one of its active collaborations for the products it covers; the
/// id follows the idempotency key.
pub async fn publish(
    State(service): State<Arc<CreatorMedia>>,
    command: Command<bodies::PublishPromotion>,
) -> Result<Reply<PromotionView>, ApiError> {
    let body = command.body;
    let actor = command.caller.signed_in()?;
    let input = NewPromotion {
        merchant_id: body.merchant_id,
        title: body.title,
        products: body.products,
        offer: offer(body.offer),
        starts: body.starts,
        ends: body.ends,
        tags: body.tags,
        categories: body.categories,
        region: body.region,
        tie_in: body.tie_in,
        collaboration_id: body.collaboration_id,
    };
    let id = command.meta.new_id();
    let committed = service
        .publish_promotion(id, input, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// A promotion the caller may read (a restricted one reads as missing to
/// everyone but its merchant, officials, operators and its tie-in's partner).
pub async fn get(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PromotionView>, ApiError> {
    service
        .promotion(promotion_id(&id)?, caller.0.as_ref())
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("PROMOTION_NOT_FOUND", "promotion"))
}

/// Its merchant (or an operator) withdraws a live promotion.
pub async fn withdraw(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Reply<PromotionView>, ApiError> {
    let id = promotion_id(&id)?;
    let actor = command.caller.signed_in()?;
    let committed = service.withdraw_promotion(id, actor, &command.meta).await?;
    Ok(Reply(StatusCode::OK, committed))
}

/// A merchant's promotions (the merchant or an operator), in publication order.
pub async fn of_merchant(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<PromotionView>>, ApiError> {
    let merchant = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    caller.for_merchant(merchant)?;
    let page = service
        .merchant_promotions(merchant, &params.page()?)
        .await?;
    Ok(params.listed(page))
}
