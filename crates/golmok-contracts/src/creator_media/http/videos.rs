//! Published videos: the body and the view.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api_codes;
use crate::creator_media::{CollaborationParty, Platform};

api_codes! {
    /// Whether a video is shown.
    VideoStatus {
        /// Public, listed under its products and its creator.
        Published,
        /// Taken down: readable by id, listed nowhere.
        Unpublished,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishVideo {
    pub merchant_id: Uuid,
    /// Required when a creator publishes (its own creator); a merchant may
    /// credit a creator too. Either way the creator needs an active
    /// collaboration with the merchant covering every product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<Uuid>,
    pub title: String,
    pub url: String,
    pub platform: Platform,
    /// 1 to 20 distinct storefront product ids of the merchant.
    pub products: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub creator_id: Option<Uuid>,
    /// The collaboration that allowed crediting the creator.
    pub collaboration_id: Option<Uuid>,
    pub published_by: CollaborationParty,
    pub title: String,
    pub url: String,
    pub platform: Platform,
    pub products: Vec<Uuid>,
    pub status: VideoStatus,
    pub published_at: DateTime<Utc>,
    pub unpublished_at: Option<DateTime<Utc>>,
    /// The video stream's version this view reflects.
    pub version: u64,
}
