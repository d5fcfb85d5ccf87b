use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use golmok_contracts::creator_media::http as bodies;
use golmok_kernel::ListPage;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::promotion_projection::{PromotionView, TieInView};
use crate::app::{CreatorMedia, NewTieIn};

fn tie_in_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "TIE_IN_NOT_FOUND", "tie-in")
}

fn missing() -> ApiError {
    ApiError::not_found("TIE_IN_NOT_FOUND", "tie-in")
}

/// Officials (or an operator) create event tie-ins; the id follows the
/// idempotency key.
pub async fn create(
    State(service): State<Arc<CreatorMedia>>,
    command: Command<bodies::CreateTieIn>,
) -> Result<Reply<TieInView>, ApiError> {
    command.caller.official()?;
    let body = command.body;
    let input = NewTieIn {
        name: body.name,
        partner: body.partner,
        starts: body.starts,
        ends: body.ends,
        tags: body.tags,
        categories: body.categories,
        regions: body.regions,
    };
    let id = command.meta.new_id();
    let committed = service.create_tie_in(id, input, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// A tie-in, for officials, operators and its partner (another partner's
/// reads as missing).
pub async fn get(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TieInView>, ApiError> {
    let actor = caller.signed_in()?;
    service
        .tie_in(tie_in_id(&id)?, actor)
        .await?
        .map(Json)
        .ok_or_else(missing)
}

/// The tie-ins the caller may read, in creation order.
pub async fn list(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<TieInView>>, ApiError> {
    let actor = caller.signed_in()?;
    Ok(params.listed(service.tie_ins(actor, &params.page()?).await?))
}

/// The promotions a tie-in includes, in publication order.
pub async fn promotions(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<PromotionView>>, ApiError> {
    let actor = caller.signed_in()?;
    let page = service
        .tie_in_promotions(tie_in_id(&id)?, actor, &params.page()?)
        .await?
        .ok_or_else(missing)?;
    Ok(params.listed(page))
}
