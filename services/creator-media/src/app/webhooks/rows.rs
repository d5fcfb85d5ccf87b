//! The webhook read models and the delivery queue: table names and rows.

use chrono::{DateTime, SecondsFormat, Utc};
use golmok_contracts::creator_media::feed_cursor;
use golmok_contracts::creator_media::http::{
    DeliveryView, WebhookDeliveryStatus, WebhookItemType, WebhookView,
};
use golmok_kernel::{Mutation, json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// partition = tie-in id, clustering = "" → `TieInCreatedV1`.
pub const TIE_IN_BY_ID: &str = "creator_media_webhook_tie_in_by_id";
/// partition = "all", clustering = "" → every `TieInCreatedV1` (a tie-in is
/// an event such as MAMA: there are few).
pub const TIE_INS: &str = "creator_media_webhook_tie_ins";
/// partition = promotion id, clustering = "" → `PromotionPublishedV1`.
pub const PROMOTION_BY_ID: &str = "creator_media_webhook_promotion_by_id";
/// partition = webhook id, clustering = "" → `WebhookRow`.
pub const WEBHOOK_BY_ID: &str = "creator_media_webhook_by_id";
/// partition = tie-in id, clustering = "" → the ids of its webhooks.
pub const WEBHOOKS_BY_TIE_IN: &str = "creator_media_webhooks_by_tie_in";
/// partition = partner subject, clustering = `<created at>|<id>` → `WebhookView`.
pub const WEBHOOKS_BY_PARTNER: &str = "creator_media_webhooks_by_partner";
/// partition = tie-in id, clustering = feed cursor → `FeedItem`.
pub const FEED: &str = "creator_media_webhook_feed";
/// partition = webhook id, clustering = `<enqueued at>|<delivery id>` → `DeliveryRow`.
pub const DELIVERIES: &str = "creator_media_webhook_deliveries";
/// partition = "all", clustering = `<due at>|<delivery id>` → `Due`.
pub const DUE: &str = "creator_media_webhook_due";
/// partition = webhook id, clustering = secret id → `SecretRow`. Written by
/// the commands (secrets are not in the log); the projection deletes a
/// secret once a rotation or the deletion of its webhook makes it unused.
pub const SECRETS: &str = "creator_media_webhook_secrets";
/// The single partition of `TIE_INS` and `DUE`.
pub const ALL: &str = "all";

/// A time as a clustering key that sorts in time order.
pub fn time_key(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}|{id}", at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// A webhook as the service keeps it: the view and the id of the secret
/// deliveries are signed with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookRow {
    pub view: WebhookView,
    pub secret_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretRow {
    pub secret: String,
}

/// One item of a tie-in's feed: the body every delivery of it sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedItem {
    pub event_id: Uuid,
    pub position: u64,
    pub item_type: WebhookItemType,
    pub body: String,
}

impl FeedItem {
    pub fn cursor(&self) -> String {
        feed_cursor(self.position)
    }
}

/// A delivery with the exact body it sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRow {
    pub view: DeliveryView,
    pub body: String,
}

impl DeliveryRow {
    /// Its clustering key in `DELIVERIES`.
    pub fn key(&self) -> String {
        time_key(self.view.created_at, self.view.id)
    }
}

/// A delivery waiting for its next attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Due {
    pub webhook_id: Uuid,
    pub delivery: String,
    pub at: DateTime<Utc>,
}

impl Due {
    pub fn key(&self, delivery_id: Uuid) -> String {
        time_key(self.at, delivery_id)
    }
}

/// The writes that enqueue `item` for `webhook` now: a pending delivery and
/// its due entry. The same for a delivery and its replay, which keeps the
/// event id.
pub fn enqueue(
    webhook: Uuid,
    item: &FeedItem,
    now: DateTime<Utc>,
    replayed: bool,
) -> [Mutation; 2] {
    let row = DeliveryRow {
        view: DeliveryView {
            id: Uuid::now_v7(),
            webhook_id: webhook,
            event_id: item.event_id,
            cursor: item.cursor(),
            item_type: item.item_type,
            status: WebhookDeliveryStatus::Pending,
            attempts: Vec::new(),
            next_attempt_at: Some(now),
            created_at: now,
            replayed,
        },
        body: item.body.clone(),
    };
    let due = Due {
        webhook_id: webhook,
        delivery: row.key(),
        at: now,
    };
    let webhook = webhook.to_string();
    [
        Mutation::put(DELIVERIES, &webhook, &row.key(), json(&row)),
        Mutation::put(DUE, ALL, &due.key(row.view.id), json(&due)),
    ]
}
