//! A creator's commissions and their payouts.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use golmok_contracts::creator_media::http::{CreatorCommissionsView, Empty, PayoutView};
use golmok_runtime::edge::{ApiError, Caller, Command, Json, ListParams, Reply, path_id};
use uuid::Uuid;

use crate::app::CreatorMedia;

type Service = State<Arc<CreatorMedia>>;

pub(super) fn routes() -> Router<Arc<CreatorMedia>> {
    Router::new()
        .route("/creators/{id}/commissions", get(commissions))
        .route("/creators/{id}/payouts", post(pay_out))
}

fn creator_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "CREATOR_NOT_FOUND", "creator")
}

/// The creator's account and its commissions, in accrual order: for its
/// owner, officials and operators.
async fn commissions(
    State(service): Service,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<CreatorCommissionsView>, ApiError> {
    let actor = caller.signed_in()?;
    let page = params.page()?;
    let view = service
        .creator_commissions(creator_id(&id)?, actor, &page)
        .await?;
    Ok(Json(view))
}

/// An official or an operator pays out the creator's payable commissions,
/// less what was clawed back; the payout id follows the idempotency key.
async fn pay_out(
    State(service): Service,
    Path(id): Path<String>,
    command: Command<Empty>,
) -> Result<Reply<PayoutView>, ApiError> {
    let actor = command.caller.signed_in()?;
    let creator = creator_id(&id)?;
    let payout_id = command.meta.new_id();
    let committed = service
        .pay_out_commissions(creator, payout_id, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}
