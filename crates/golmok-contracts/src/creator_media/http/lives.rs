//! Live sessions: the bodies and the view.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api_codes;

api_codes! {
    /// Where a live session is in its life.
    LiveStatus {
        /// Scheduled, not on air yet.
        Scheduled,
        /// On air.
        Live,
        Ended,
        /// Cancelled before it started.
        Cancelled,
    }
}

/// A product shown in a live, with its live-only price in won (absent: the
/// usual price).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveProduct {
    pub product_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_price: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleLive {
    pub merchant_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_creator_id: Option<Uuid>,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub products: Vec<LiveProduct>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PinProduct {
    pub product_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveView {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub host_creator_id: Option<Uuid>,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub status: LiveStatus,
    pub products: Vec<LiveProduct>,
    pub pinned_product_id: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The live stream's version this view reflects.
    pub version: u64,
}
