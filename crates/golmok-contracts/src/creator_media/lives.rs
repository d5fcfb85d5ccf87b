//! Live sessions (stream `live-<id>`), as published.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A product shown in a live; `livePrice` (won) applies to orders placed
/// while the live is on air, else the product's usual price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaggedProductV1 {
    pub product_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_price: Option<i64>,
}

/// A merchant scheduled a live session of its products, optionally hosted
/// by a creator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveScheduledV1 {
    pub live_id: Uuid,
    pub merchant_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_creator_id: Option<Uuid>,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub products: Vec<TaggedProductV1>,
    pub at: DateTime<Utc>,
}

/// The live went on air (`LiveStarted`), ended (`LiveEnded`) or was
/// cancelled before it started (`LiveCancelled`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveMomentV1 {
    pub live_id: Uuid,
    pub at: DateTime<Utc>,
}

/// One of the live's tagged products is pinned on screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveProductPinnedV1 {
    pub live_id: Uuid,
    pub product_id: Uuid,
    pub at: DateTime<Utc>,
}
