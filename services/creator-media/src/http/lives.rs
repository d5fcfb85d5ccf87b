use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use golmok_contracts::creator_media::http::{self as bodies, LiveView};
use golmok_kernel::ListPage;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::{CreatorMedia, LiveAction, NewLive};

type Answer = Result<Reply<LiveView>, ApiError>;

fn live_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "LIVE_NOT_FOUND", "live session")
}

/// A merchant (or an operator) schedules a live of its products; the id
/// follows the idempotency key.
pub async fn schedule(
    State(service): State<Arc<CreatorMedia>>,
    command: Command<bodies::ScheduleLive>,
) -> Answer {
    let actor = command.caller.signed_in()?;
    let body = command.body;
    let input = NewLive {
        merchant_id: body.merchant_id,
        host_creator_id: body.host_creator_id,
        title: body.title,
        starts_at: body.starts_at,
        products: body.products,
    };
    let id = command.meta.new_id();
    let committed = service
        .schedule_live(id, actor, input, &command.meta)
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

async fn act(
    service: &CreatorMedia,
    id: &str,
    action: LiveAction,
    command: &Command<impl Send>,
) -> Answer {
    let actor = command.caller.signed_in()?;
    let committed = service
        .act_on_live(live_id(id)?, action, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

pub async fn start(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Answer {
    act(&service, &id, LiveAction::Start, &command).await
}

pub async fn pin(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::PinProduct>,
) -> Answer {
    let action = LiveAction::Pin(command.body.product_id);
    act(&service, &id, action, &command).await
}

pub async fn end(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Answer {
    act(&service, &id, LiveAction::End, &command).await
}

pub async fn cancel(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Answer {
    act(&service, &id, LiveAction::Cancel, &command).await
}

/// Lives are public: anyone may see what is scheduled and on air.
pub async fn get(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Json<LiveView>, ApiError> {
    service
        .live(live_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("LIVE_NOT_FOUND", "live session"))
}

/// A merchant's lives by start time.
pub async fn of_merchant(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<LiveView>>, ApiError> {
    let merchant = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    Ok(params.listed(service.lives_of(merchant, &params.page()?).await?))
}
