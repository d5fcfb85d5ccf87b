//! Collaborations, the delegations the gateway enforces and their audit trail.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use golmok_contracts::creator_media::http::{
    self as bodies, AuditEntryView, CollaborationView, Empty,
};
use golmok_kernel::ListPage;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::{Answer, CreatorMedia, NewCollaboration};
use crate::domain::collaboration::Action;

type Service = State<Arc<CreatorMedia>>;

pub(super) fn routes() -> Router<Arc<CreatorMedia>> {
    Router::new()
        .route("/collaborations", post(propose).get(list))
        .route("/collaborations/{id}", get(read))
        .route("/collaborations/{id}/acceptance", post(accept))
        .route("/collaborations/{id}/declination", post(decline))
        .route("/collaborations/{id}/end", post(end))
        .route("/collaborations/{id}/audit", get(audit))
        .route("/collaborations/{id}/actions", post(request_action))
        .route(
            "/collaborations/{id}/actions/{entry}/outcome",
            post(complete_action),
        )
        .route("/delegations", get(delegations))
}

fn collaboration_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "COLLABORATION_NOT_FOUND", "collaboration")
}

/// A merchant invites a creator or a creator applies to a merchant; the id
/// follows the idempotency key.
async fn propose(
    State(service): Service,
    command: Command<bodies::ProposeCollaboration>,
) -> Result<Reply<CollaborationView>, ApiError> {
    let actor = command.caller.signed_in()?;
    let body = command.body;
    let input = NewCollaboration {
        merchant_id: body.merchant_id,
        creator_id: body.creator_id,
        products: body.products,
        commission_bps: body.commission_bps,
        product_commissions: body
            .product_commissions
            .into_iter()
            .map(|c| (c.product_id, c.bps))
            .collect(),
        starts: body.starts,
        ends: body.ends,
        respond_by: body.respond_by,
        mode: body.mode.into(),
        scopes: body.scopes,
        price_floor: body.price_floor,
        revenue_share_bps: body.revenue_share_bps,
    };
    let id = command.meta.new_id();
    let committed = service.propose(id, input, actor, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

async fn answer(
    service: Arc<CreatorMedia>,
    id: &str,
    answer: Answer,
    command: Command<Empty>,
) -> Result<Reply<CollaborationView>, ApiError> {
    let id = collaboration_id(id)?;
    let actor = command.caller.signed_in()?;
    let committed = service.answer(id, answer, actor, &command.meta).await?;
    Ok(Reply(StatusCode::OK, committed))
}

async fn accept(
    State(service): Service,
    Path(id): Path<String>,
    command: Command<Empty>,
) -> Result<Reply<CollaborationView>, ApiError> {
    answer(service, &id, Answer::Accept, command).await
}

async fn decline(
    State(service): Service,
    Path(id): Path<String>,
    command: Command<Empty>,
) -> Result<Reply<CollaborationView>, ApiError> {
    answer(service, &id, Answer::Decline, command).await
}

async fn end(
    State(service): Service,
    Path(id): Path<String>,
    command: Command<Empty>,
) -> Result<Reply<CollaborationView>, ApiError> {
    answer(service, &id, Answer::End, command).await
}

async fn read(
    State(service): Service,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CollaborationView>, ApiError> {
    let actor = caller.signed_in()?;
    Ok(Json(
        service.collaboration(collaboration_id(&id)?, actor).await?,
    ))
}

async fn list(
    State(service): Service,
    caller: Caller,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<CollaborationView>>, ApiError> {
    let actor = caller.signed_in()?;
    Ok(params.listed(service.collaborations(actor, &params.page()?).await?))
}

async fn audit(
    State(service): Service,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<AuditEntryView>>, ApiError> {
    let actor = caller.signed_in()?;
    let id = collaboration_id(&id)?;
    Ok(params.listed(service.audit_trail(id, actor, &params.page()?).await?))
}

async fn delegations(
    State(service): Service,
    caller: Caller,
) -> Result<Json<Vec<CollaborationView>>, ApiError> {
    let actor = caller.signed_in()?;
    Ok(Json(service.delegations(actor).await?))
}

/// The gateway records an action before it takes it for the creator.
async fn request_action(
    State(service): Service,
    Path(id): Path<String>,
    command: Command<bodies::RequestDelegatedAction>,
) -> Result<Reply<AuditEntryView>, ApiError> {
    let id = collaboration_id(&id)?;
    let actor = command.caller.signed_in()?;
    let body = command.body;
    let action = Action {
        kind: body.action.into(),
        product_id: body.product_id,
        price: body.price,
        summary: body.summary,
    };
    let committed = service
        .request_action(id, action, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// ... and its outcome after.
async fn complete_action(
    State(service): Service,
    Path((id, entry)): Path<(String, String)>,
    command: Command<bodies::CompleteDelegatedAction>,
) -> Result<Reply<AuditEntryView>, ApiError> {
    let id = collaboration_id(&id)?;
    let entry = path_id(&entry, "AUDIT_ENTRY_NOT_FOUND", "audit entry")?;
    let actor = command.caller.signed_in()?;
    let committed = service
        .complete_action(id, entry, command.body.error_code, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}
