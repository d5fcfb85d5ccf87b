//! Published videos (stream `video-<id>`), linked to a merchant's products.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CollaborationParty, Platform};

/// A creator or a merchant published a video showing 1 to 20 of the
/// merchant's storefront products, optionally crediting a creator (who has an
/// active collaboration with the merchant covering them).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VideoPublishedV1 {
    pub video_id: Uuid,
    pub merchant_id: Uuid,
    /// The creator credited; always present when a creator published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<Uuid>,
    /// The active collaboration that allowed crediting the creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaboration_id: Option<Uuid>,
    /// Who published it: the merchant (or an operator for it) or the
    /// creator.
    pub published_by: CollaborationParty,
    pub title: String,
    /// An `https://` URL, at most 500 characters.
    pub url: String,
    pub platform: Platform,
    /// Storefront product ids of the merchant, distinct.
    pub products: Vec<Uuid>,
    pub at: DateTime<Utc>,
}

/// A published video was taken down.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VideoUnpublishedV1 {
    pub video_id: Uuid,
    pub at: DateTime<Utc>,
}
