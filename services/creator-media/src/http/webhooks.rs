//! Partner webhooks: registration (the secret shown once), rotation,
//! disabling, deletion, the delivery log and replay from a feed cursor.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use golmok_contracts::creator_media::http::{
    self as bodies, DeliveryView, ReplayView, WebhookView, WebhookWithSecret,
};
use golmok_kernel::ListPage;
use golmok_runtime::Role;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::CreatorMedia;
use crate::app::webhooks::NewWebhook;

fn webhook_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "WEBHOOK_NOT_FOUND", "webhook")
}

/// A partner registers an endpoint for one of its tie-ins (an official or
/// an operator for any tie-in).
pub async fn register(
    State(service): State<Arc<CreatorMedia>>,
    command: Command<bodies::RegisterWebhook>,
) -> Result<Reply<WebhookWithSecret>, ApiError> {
    let actor = command.caller.signed_in()?;
    let body = command.body;
    let input = NewWebhook {
        tie_in: body.tie_in,
        url: body.url,
        description: body.description,
    };
    let id = command.meta.new_id();
    let committed = service
        .register_webhook(id, input, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// The calling partner's webhooks, oldest first.
pub async fn list(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<WebhookView>>, ApiError> {
    let actor = caller.with_role(&[Role::Partner])?;
    Ok(params.listed(service.webhooks(&actor.subject, &params.page()?).await?))
}

pub async fn get(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WebhookView>, ApiError> {
    let id = webhook_id(&id)?;
    Ok(Json(service.webhook(id, caller.signed_in()?).await?))
}

/// A new secret, shown in this reply only.
pub async fn rotate_secret(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Reply<WebhookWithSecret>, ApiError> {
    let id = webhook_id(&id)?;
    let actor = command.caller.signed_in()?;
    let committed = service
        .rotate_webhook_secret(id, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

pub async fn disable(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Reply<WebhookView>, ApiError> {
    let id = webhook_id(&id)?;
    let actor = command.caller.signed_in()?;
    let committed = service.disable_webhook(id, actor, &command.meta).await?;
    Ok(Reply(StatusCode::OK, committed))
}

pub async fn delete(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Reply<WebhookView>, ApiError> {
    let id = webhook_id(&id)?;
    let actor = command.caller.signed_in()?;
    let committed = service.delete_webhook(id, actor, &command.meta).await?;
    Ok(Reply(StatusCode::OK, committed))
}

/// The delivery log, newest first.
pub async fn deliveries(
    State(service): State<Arc<CreatorMedia>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<DeliveryView>>, ApiError> {
    let id = webhook_id(&id)?;
    let actor = caller.signed_in()?;
    Ok(params.listed(service.deliveries(id, actor, &params.page()?).await?))
}

/// Enqueues again every item of the tie-in after the cursor `after`.
pub async fn replay(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::ReplayWebhook>,
) -> Result<Json<ReplayView>, ApiError> {
    let id = webhook_id(&id)?;
    let actor = command.caller.signed_in()?;
    Ok(Json(
        service
            .replay_webhook(id, &command.body.after, actor)
            .await?,
    ))
}
