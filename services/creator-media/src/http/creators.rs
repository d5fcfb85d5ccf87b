use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use golmok_contracts::creator_media::http as bodies;
use golmok_kernel::ListPage;
use golmok_runtime::Role;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::views::CreatorView;
use crate::app::{CreatorMedia, NewCreator};
use crate::domain::creator::{ChannelInput, ProfileChanges, ProfileInput};

type Answer = Result<Reply<CreatorView>, ApiError>;

pub(super) fn creator_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "CREATOR_NOT_FOUND", "creator")
}

fn channels(channels: Vec<bodies::Channel>) -> Vec<ChannelInput> {
    channels
        .into_iter()
        .map(|c| ChannelInput {
            platform: c.platform.into(),
            url: c.url,
            audience: c.audience,
        })
        .collect()
}

/// A creator registers itself (it owns the profile), or an operator
/// registers one; the id follows the idempotency key, so a retry is the same
/// registration.
pub async fn register(
    State(service): State<Arc<CreatorMedia>>,
    command: Command<bodies::RegisterCreator>,
) -> Answer {
    let actor = command.caller.with_role(&[Role::Creator, Role::Operator])?;
    let owner = (actor.role == Role::Creator).then(|| actor.subject.clone());
    let body = command.body;
    let input = NewCreator {
        handle: body.handle,
        profile: ProfileInput {
            display_name: body.display_name,
            channels: channels(body.channels),
            categories: body.categories,
            region: body.region,
            languages: body.languages,
        },
    };
    let id = command.meta.new_id();
    let committed = service.register(id, owner, input, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

pub async fn get(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Json<CreatorView>, ApiError> {
    service
        .creator(creator_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("CREATOR_NOT_FOUND", "creator"))
}

pub async fn list(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<CreatorView>>, ApiError> {
    Ok(params.listed(service.creators(&params.page()?).await?))
}

pub async fn update(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::UpdateCreator>,
) -> Answer {
    let id = creator_id(&id)?;
    let actor = command.caller.signed_in()?;
    let body = command.body;
    let changes = ProfileChanges {
        display_name: body.display_name,
        channels: body.channels.map(channels),
        categories: body.categories,
        region: body.region,
        languages: body.languages,
    };
    let committed = service
        .update_profile(id, actor, changes, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}
