//! Published videos: publishing by a creator or a merchant (crediting a
//! creator only under an active collaboration covering the products),
//! unpublishing, and their read model.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use golmok_contracts::creator_media::Platform;
use golmok_contracts::creator_media::http::{
    CollaborationStatus, CollaborationView, VideoStatus, VideoView,
};
use golmok_kernel::{
    CommandHandler, CommandMeta, EventHandler, HandleError, ListPage, PageRequest, RecordedEvent,
    StreamName, Transaction, Wire, json,
};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::codec::{CreatorMediaCodec, CreatorMediaEvent, VideoCodec};
use super::collaboration_projection::{BY_PARTY, merchant_partition};
use super::projections::listed;
use super::{AppError, Committed, CreatorMedia};
use crate::domain::collaboration::{CollaborationError, Party};
use crate::domain::video::{Published, Video, VideoCommand, VideoError, VideoEvent, VideoState};

/// `video-<video id>`: one published video.
pub const VIDEO: StreamName = StreamName::new("video");
/// partition = video id, clustering = "" → `VideoView`.
pub const VIDEO_BY_ID: &str = "creator_media_video_by_id";
/// partition = product id, clustering = `<published at>|<id>` → `VideoView`
/// (published ones only).
pub const VIDEOS_OF_PRODUCT: &str = "creator_media_videos_of_product";
/// partition = creator id, clustering = `<published at>|<id>` → `VideoView`
/// (published ones only).
pub const VIDEOS_OF_CREATOR: &str = "creator_media_videos_of_creator";
/// partition = merchant id, clustering = `<published at>|<id>` → `VideoView`
/// (published ones only).
pub const VIDEOS_OF_MERCHANT: &str = "creator_media_videos_of_merchant";

pub type Videos = CommandHandler<Video, VideoCodec>;

/// How many collaborations one page of the search for a covering one reads.
const COLLABORATION_PAGE: usize = 100;

/// A video as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVideo {
    pub merchant_id: Uuid,
    pub creator_id: Option<Uuid>,
    pub title: String,
    pub url: String,
    pub platform: Platform,
    pub products: Vec<Uuid>,
}

fn view(published: &Published, version: u64) -> VideoView {
    VideoView {
        id: published.video_id,
        merchant_id: published.merchant_id,
        creator_id: published.creator_id,
        collaboration_id: published.collaboration_id,
        published_by: published.published_by.to_wire(),
        title: published.title.clone(),
        url: published.url.clone(),
        platform: published.platform.to_wire(),
        products: published.products.clone(),
        status: VideoStatus::Published,
        published_at: published.at,
        unpublished_at: None,
        version,
    }
}

/// The view of a video's current state.
fn view_of(state: &VideoState, version: u64) -> Option<VideoView> {
    match state {
        VideoState::Unknown => None,
        VideoState::Published(published) => Some(view(published, version)),
        VideoState::Unpublished(published, at) => Some(VideoView {
            status: VideoStatus::Unpublished,
            unpublished_at: Some(*at),
            ..view(published, version)
        }),
    }
}

impl CreatorMedia {
    /// Publishes a video of `input.merchant_id`'s products: the merchant (or
    /// an operator for it), or a creator for its own registered creator. A
    /// credited creator needs an active collaboration with the merchant
    /// covering every product; refused input writes nothing.
    pub async fn publish_video(
        &self,
        video_id: Uuid,
        actor: &Actor,
        input: NewVideo,
        meta: &CommandMeta,
    ) -> Result<Committed<VideoView>, AppError> {
        let published_by = if actor.acts_for_merchant(input.merchant_id) {
            Party::Merchant
        } else if actor.role == Role::Creator {
            Party::Creator
        } else {
            return Err(AppError::Forbidden);
        };
        let collaboration_id = match input.creator_id {
            Some(creator) => {
                let profile = self.registered_creator(creator).await?;
                if published_by == Party::Creator
                    && profile.owner.as_deref() != Some(&actor.subject)
                {
                    return Err(AppError::Forbidden);
                }
                Some(
                    self.collaboration_covering(input.merchant_id, creator, &input.products, actor)
                        .await?,
                )
            }
            None => None,
        };
        let command = VideoCommand::Publish(Box::new(Published {
            video_id,
            merchant_id: input.merchant_id,
            creator_id: input.creator_id,
            collaboration_id,
            published_by,
            title: input.title,
            url: input.url,
            platform: input.platform.into(),
            products: input.products,
            at: Utc::now(),
        }));
        self.execute_video(video_id, &command, meta).await
    }

    /// The active collaboration between the merchant and the creator that
    /// covers every product: candidates from the read model, each checked
    /// against its stream. `COLLABORATION_NOT_ACTIVE` when there is none,
    /// `PRODUCT_NOT_COVERED` when active ones do not cover the products.
    async fn collaboration_covering(
        &self,
        merchant: Uuid,
        creator: Uuid,
        products: &[Uuid],
        actor: &Actor,
    ) -> Result<Uuid, AppError> {
        let partition = merchant_partition(merchant);
        let mut refusal: AppError = CollaborationError::NotActive.into();
        let mut after = None;
        loop {
            let page = PageRequest {
                first: COLLABORATION_PAGE,
                after,
            };
            let listed: ListPage<CollaborationView> =
                self.page_in(BY_PARTY, &partition, &page).await?;
            let candidates = listed
                .items
                .iter()
                .filter(|c| c.creator_id == creator && c.status == CollaborationStatus::Active);
            for candidate in candidates {
                match self
                    .covering_collaboration(candidate.id, merchant, products, actor)
                    .await
                {
                    Ok(proposal) => return Ok(proposal.collaboration_id),
                    Err(error @ AppError::Collaboration(CollaborationError::ProductNotCovered)) => {
                        refusal = error;
                    }
                    Err(AppError::Collaboration(_)) => {}
                    Err(error) => return Err(error),
                }
            }
            match listed.next_cursor {
                Some(next) => after = Some(next),
                None => return Err(refusal),
            }
        }
    }

    /// Unpublishes a video: its publisher, its merchant or an operator.
    pub async fn unpublish_video(
        &self,
        video_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<VideoView>, AppError> {
        let (state, _) = self.videos.load(&VIDEO.of(video_id)).await?;
        let published = state.published().ok_or(VideoError::NotFound)?;
        let publisher = match (published.published_by, published.creator_id) {
            (Party::Creator, Some(creator)) if actor.role == Role::Creator => {
                self.registered_creator(creator).await?.owner.as_deref() == Some(&actor.subject)
            }
            _ => false,
        };
        if !(publisher || actor.acts_for_merchant(published.merchant_id)) {
            return Err(AppError::Forbidden);
        }
        let command = VideoCommand::Unpublish { at: Utc::now() };
        self.execute_video(video_id, &command, meta).await
    }

    async fn execute_video(
        &self,
        video_id: Uuid,
        command: &VideoCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<VideoView>, AppError> {
        let executed = self
            .videos
            .execute(&VIDEO.of(video_id), command, meta)
            .await?;
        let view = view_of(&executed.state, executed.stream_version).ok_or(VideoError::NotFound)?;
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// A video, published or not (published videos are public).
    pub async fn video(&self, id: Uuid) -> Result<Option<VideoView>, AppError> {
        self.by_id(VIDEO_BY_ID, id).await
    }

    /// A product's published videos by publication time.
    pub async fn videos_of_product(
        &self,
        product: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<VideoView>, AppError> {
        self.page_in(VIDEOS_OF_PRODUCT, &product.to_string(), page)
            .await
    }

    /// A creator's published videos by publication time.
    pub async fn videos_of_creator(
        &self,
        creator: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<VideoView>, AppError> {
        self.page_in(VIDEOS_OF_CREATOR, &creator.to_string(), page)
            .await
    }

    /// A merchant's published videos by publication time.
    pub async fn videos_of_merchant(
        &self,
        merchant: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<VideoView>, AppError> {
        self.page_in(VIDEOS_OF_MERCHANT, &merchant.to_string(), page)
            .await
    }
}

/// The videos by id and the published ones by product, creator and merchant.
pub struct VideosProjection;

/// Every video projection.
pub fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![Arc::new(VideosProjection)]
}

/// Each list partition `view` is listed in.
fn lists(view: &VideoView) -> Vec<(&'static str, String)> {
    let mut lists: Vec<(&'static str, String)> = view
        .products
        .iter()
        .map(|product| (VIDEOS_OF_PRODUCT, product.to_string()))
        .collect();
    if let Some(creator) = view.creator_id {
        lists.push((VIDEOS_OF_CREATOR, creator.to_string()));
    }
    lists.push((VIDEOS_OF_MERCHANT, view.merchant_id.to_string()));
    lists
}

#[async_trait]
impl EventHandler for VideosProjection {
    fn name(&self) -> &'static str {
        "creator-media.videos"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let CreatorMediaEvent::Video(video) = event.decode::<CreatorMediaCodec>()? else {
            return Ok(());
        };
        let version = event.envelope.stream_version;
        let id = VIDEO.parse(&event.envelope.subject).ok_or_else(|| {
            HandleError::permanent(format!("{} is not a video stream", event.envelope.subject))
        })?;
        let view = match &video {
            VideoEvent::Published(published) => {
                let view = view(published, version);
                let value = json(&view);
                for (table, partition) in lists(&view) {
                    let key = listed(view.published_at, view.id);
                    tx.put(table, &partition, &key, value.clone());
                }
                view
            }
            VideoEvent::Unpublished { at, .. } => {
                let Some(mut view) = tx
                    .row::<VideoView>(VIDEO_BY_ID, &id.to_string(), "")
                    .await?
                else {
                    return Ok(());
                };
                for (table, partition) in lists(&view) {
                    tx.delete(table, &partition, &listed(view.published_at, view.id));
                }
                view.status = VideoStatus::Unpublished;
                view.unpublished_at = Some(*at);
                view.version = version;
                view
            }
        };
        tx.put(VIDEO_BY_ID, &id.to_string(), "", json(&view));
        Ok(())
    }
}
