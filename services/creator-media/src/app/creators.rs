use chrono::Utc;
use golmok_kernel::{CommandError, CommandMeta, Decider, ListPage, PageRequest};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::projections::{CREATOR_BY_ID, CREATORS};
use super::views::{CreatorView, creator_view};
use super::{AppError, CREATOR, Committed, CreatorMedia};
use crate::domain::creator::{
    Claim, Creator, CreatorCommand, CreatorError, Handle, Profile, ProfileChanges, ProfileInput,
};

/// A registration as entered; the handle is still raw text.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCreator {
    pub handle: String,
    pub profile: ProfileInput,
}

fn handle_stream(handle: &Handle) -> String {
    format!("creator-handle-{handle}")
}

impl CreatorMedia {
    /// Registers `creator_id` for `owner`. The handle is first claimed in its
    /// own stream (`creator-handle-<handle>`, optimistic concurrency), so of
    /// two registrations of one handle only one can succeed; the profile is
    /// checked before the claim, so refused input claims nothing.
    pub async fn register(
        &self,
        creator_id: Uuid,
        owner: Option<String>,
        input: NewCreator,
        meta: &CommandMeta,
    ) -> Result<Committed<CreatorView>, AppError> {
        let handle = Handle::parse(&input.handle)?;
        let at = Utc::now();
        let command = CreatorCommand::Register {
            creator_id,
            handle: handle.clone(),
            owner,
            profile: input.profile,
            at,
        };
        if !self.creators.already_done(meta).await? {
            let (current, _) = self.creators.load(&CREATOR.of(creator_id)).await?;
            Creator::decide(&current, &command)?;
            let claim = Claim {
                handle: handle.clone(),
                creator_id,
                at,
            };
            let claimed = self
                .claims
                .execute(&handle_stream(&handle), &claim, &meta.without_key())
                .await;
            match claimed {
                Ok(_) => {}
                // Another request with this key won the race: answer its outcome.
                Err(CommandError::Rejected(_)) if self.creators.already_done(meta).await? => {}
                Err(error) => return Err(error.into()),
            }
        }
        self.creator_command(creator_id, command, meta).await
    }

    /// Changes the profile of a creator `actor` acts for.
    pub async fn update_profile(
        &self,
        creator_id: Uuid,
        actor: &Actor,
        changes: ProfileChanges,
        meta: &CommandMeta,
    ) -> Result<Committed<CreatorView>, AppError> {
        self.acting_creator(creator_id, actor).await?;
        let command = CreatorCommand::UpdateProfile {
            changes,
            at: Utc::now(),
        };
        self.creator_command(creator_id, command, meta).await
    }

    async fn creator_command(
        &self,
        creator_id: Uuid,
        command: CreatorCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<CreatorView>, AppError> {
        let executed = self
            .creators
            .execute(&CREATOR.of(creator_id), &command, meta)
            .await?;
        let profile = executed.state.profile().ok_or(CreatorError::NotFound)?;
        let view = creator_view(profile, executed.stream_version);
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// The registered creator, if `actor` acts for it: the creator that
    /// registered itself, or an operator.
    pub(super) async fn acting_creator(
        &self,
        creator_id: Uuid,
        actor: &Actor,
    ) -> Result<Profile, AppError> {
        let profile = self.registered_creator(creator_id).await?;
        let own = actor.role == Role::Creator && profile.owner.as_deref() == Some(&actor.subject);
        if own || actor.role == Role::Operator {
            Ok(profile)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The profile of a registered creator, from its stream.
    pub(super) async fn registered_creator(&self, creator_id: Uuid) -> Result<Profile, AppError> {
        let (state, _) = self.creators.load(&CREATOR.of(creator_id)).await?;
        Ok(state.profile().ok_or(CreatorError::NotFound)?.clone())
    }

    pub async fn creator(&self, id: Uuid) -> Result<Option<CreatorView>, AppError> {
        self.by_id(CREATOR_BY_ID, id).await
    }

    /// Creators in registration order.
    pub async fn creators(&self, page: &PageRequest) -> Result<ListPage<CreatorView>, AppError> {
        self.page(CREATORS, page).await
    }
}
