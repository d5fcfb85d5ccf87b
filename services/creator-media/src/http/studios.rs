use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use golmok_contracts::creator_media::http as bodies;
use golmok_kernel::ListPage;
use golmok_runtime::Role;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::views::{BookingView, StudioView};
use crate::app::{CreatorMedia, NewStudio};

fn studio_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "STUDIO_NOT_FOUND", "studio")
}

fn booking_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "BOOKING_NOT_FOUND", "booking")
}

/// The programme's officials (or an operator) open shared studios.
pub async fn create(
    State(service): State<Arc<CreatorMedia>>,
    command: Command<bodies::CreateStudio>,
) -> Result<Reply<StudioView>, ApiError> {
    command.caller.official()?;
    let body = command.body;
    let input = NewStudio {
        name: body.name,
        region: body.region,
        slot_minutes: body.slot_minutes,
        open_hour: body.open_hour,
        close_hour: body.close_hour,
    };
    let id = command.meta.new_id();
    let committed = service.create_studio(id, input, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

pub async fn get(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Json<StudioView>, ApiError> {
    service
        .studio(studio_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("STUDIO_NOT_FOUND", "studio"))
}

pub async fn list(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<StudioView>>, ApiError> {
    Ok(params.listed(service.studios(&params.page()?).await?))
}

/// A creator books a slot for itself (an operator for any creator).
pub async fn book(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::BookSlot>,
) -> Result<Reply<BookingView>, ApiError> {
    let studio = studio_id(&id)?;
    let actor = command.caller.with_role(&[Role::Creator, Role::Operator])?;
    let booking = command.meta.new_id();
    let body = command.body;
    let committed = service
        .book(
            booking,
            studio,
            body.creator_id,
            body.start,
            actor,
            &command.meta,
        )
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

pub async fn booking(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Json<BookingView>, ApiError> {
    service
        .booking(booking_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("BOOKING_NOT_FOUND", "booking"))
}

/// A studio's bookings on one day (`YYYY-MM-DD`, KST), by start.
pub async fn day_bookings(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    Path((id, day)): Path<(String, String)>,
) -> Result<Json<Vec<BookingView>>, ApiError> {
    let studio = studio_id(&id)?;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|_| ApiError::bad_input("DAY_INVALID", "a day is written YYYY-MM-DD"))?;
    service
        .day_bookings(studio, day)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("STUDIO_NOT_FOUND", "studio"))
}

pub async fn cancel(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Reply<BookingView>, ApiError> {
    let id = booking_id(&id)?;
    let actor = command.caller.signed_in()?;
    let committed = service.cancel_booking(id, actor, &command.meta).await?;
    Ok(Reply(StatusCode::OK, committed))
}
