use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use crate::domain::collaboration::Party;
use crate::domain::creator::Platform;
use crate::domain::webhook::check_url;
use crate::domain::{Refusal, TextRule};

/// A published video: stream `video-<id>`.
pub struct Video;

/// A video as published (and as entered: `decide` checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub video_id: Uuid,
    pub merchant_id: Uuid,
    /// The creator credited; required when a creator publishes.
    pub creator_id: Option<Uuid>,
    /// The active collaboration covering the products that allowed crediting
    /// the creator (found by the application); present exactly with a
    /// creator.
    pub collaboration_id: Option<Uuid>,
    /// Who published it.
    pub published_by: Party,
    pub title: String,
    pub url: String,
    pub platform: Platform,
    pub products: Vec<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VideoCommand {
    Publish(Box<Published>),
    Unpublish { at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum VideoEvent {
    Published(Published),
    Unpublished { video_id: Uuid, at: DateTime<Utc> },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum VideoState {
    #[default]
    Unknown,
    Published(Published),
    Unpublished(Published, DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VideoError {
    #[error("{field} {problem}")]
    Text {
        field: &'static str,
        problem: Refusal,
    },
    #[error("a video URL is https://, at most {max} characters, without credentials", max = URL_MAX)]
    UrlInvalid,
    #[error("a video shows 1 to {max} products", max = PRODUCTS_MAX)]
    ProductCount,
    #[error("a product is listed twice")]
    DuplicateProduct,
    #[error("a video a creator publishes names that creator")]
    CreatorRequired,
    #[error("a creator is credited only under a collaboration")]
    CollaborationRequired,
    #[error("no such video")]
    NotFound,
    #[error("the video exists already")]
    AlreadyPublished,
    #[error("the video is not published")]
    NotPublished,
}

/// The most products one video shows.
pub const PRODUCTS_MAX: usize = 20;
/// The longest video URL.
pub const URL_MAX: usize = 500;
const TITLE: TextRule = TextRule { max: 80 };

impl VideoError {
    pub fn code(&self) -> &'static str {
        match self {
            VideoError::Text { problem, .. } => problem.code(),
            VideoError::UrlInvalid => "VIDEO_URL_INVALID",
            VideoError::ProductCount => "VIDEO_PRODUCTS_INVALID",
            VideoError::DuplicateProduct => "DUPLICATE_ENTRY",
            VideoError::CreatorRequired => "FIELD_REQUIRED",
            VideoError::CollaborationRequired => "COLLABORATION_REQUIRED",
            VideoError::NotFound => "VIDEO_NOT_FOUND",
            VideoError::AlreadyPublished => "VIDEO_EXISTS",
            VideoError::NotPublished => "VIDEO_NOT_PUBLISHED",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            VideoError::Text { field, .. } => Some(field),
            VideoError::UrlInvalid => Some("url"),
            VideoError::ProductCount | VideoError::DuplicateProduct => Some("products"),
            VideoError::CreatorRequired | VideoError::CollaborationRequired => Some("creatorId"),
            VideoError::NotFound | VideoError::AlreadyPublished | VideoError::NotPublished => None,
        }
    }
}

impl VideoState {
    pub fn published(&self) -> Option<&Published> {
        match self {
            VideoState::Unknown => None,
            VideoState::Published(published) | VideoState::Unpublished(published, _) => {
                Some(published)
            }
        }
    }
}

/// The URL trimmed: the webhook URL rules, `https://` only, at most 500
/// characters.
fn video_url(url: &str) -> Result<String, VideoError> {
    let url = check_url(url).map_err(|_| VideoError::UrlInvalid)?;
    let https = url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
    if !https || url.len() > URL_MAX {
        return Err(VideoError::UrlInvalid);
    }
    Ok(url)
}

/// The video as entered, checked: a title, an `https://` URL, 1 to 20
/// distinct products, a creator when one publishes and a collaboration
/// exactly with a creator.
fn checked(published: &Published) -> Result<Published, VideoError> {
    let title = TITLE
        .check(&published.title)
        .map_err(|problem| VideoError::Text {
            field: "title",
            problem,
        })?;
    let url = video_url(&published.url)?;
    let products = &published.products;
    if products.is_empty() || products.len() > PRODUCTS_MAX {
        return Err(VideoError::ProductCount);
    }
    if (1..products.len()).any(|i| products[..i].contains(&products[i])) {
        return Err(VideoError::DuplicateProduct);
    }
    if published.published_by == Party::Creator && published.creator_id.is_none() {
        return Err(VideoError::CreatorRequired);
    }
    if published.creator_id.is_some() != published.collaboration_id.is_some() {
        return Err(VideoError::CollaborationRequired);
    }
    Ok(Published {
        title,
        url,
        ..published.clone()
    })
}

impl Decider for Video {
    type State = VideoState;
    type Command = VideoCommand;
    type Event = VideoEvent;
    type Error = VideoError;

    fn decide(state: &VideoState, command: &VideoCommand) -> Result<Vec<VideoEvent>, VideoError> {
        match (state, command) {
            (VideoState::Unknown, VideoCommand::Publish(published)) => {
                Ok(vec![VideoEvent::Published(checked(published)?)])
            }
            (VideoState::Unknown, VideoCommand::Unpublish { .. }) => Err(VideoError::NotFound),
            (_, VideoCommand::Publish(_)) => Err(VideoError::AlreadyPublished),
            (VideoState::Published(published), VideoCommand::Unpublish { at }) => {
                Ok(vec![VideoEvent::Unpublished {
                    video_id: published.video_id,
                    at: *at,
                }])
            }
            (VideoState::Unpublished(..), VideoCommand::Unpublish { .. }) => {
                Err(VideoError::NotPublished)
            }
        }
    }

    fn evolve(state: VideoState, event: &VideoEvent) -> VideoState {
        match (state, event) {
            (_, VideoEvent::Published(published)) => VideoState::Published(published.clone()),
            (VideoState::Published(published), VideoEvent::Unpublished { at, .. }) => {
                VideoState::Unpublished(published, *at)
            }
            (state, VideoEvent::Unpublished { .. }) => state,
        }
    }
}
