//! Events of partner webhook endpoints (stream `webhook-<id>`). The signing
//! secret is never in an event: only the id it is stored under.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An event partner registered an endpoint for a tie-in's promotion feed;
/// its first signing secret was shown once in the reply.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRegisteredV1 {
    pub webhook_id: Uuid,
    pub tie_in: Uuid,
    /// The token subject of the tie-in's partner, whose endpoint it is.
    pub partner: String,
    /// `https://`, or `http://` to the loopback address.
    pub url: String,
    pub description: String,
    /// Names the signing secret, kept by the service outside its events.
    pub secret_id: Uuid,
    pub at: DateTime<Utc>,
}

/// Deliveries are now signed with a new secret, shown once in the reply.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookSecretRotatedV1 {
    pub webhook_id: Uuid,
    pub secret_id: Uuid,
    pub at: DateTime<Utc>,
}

/// No more deliveries are enqueued for the endpoint.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookDisabledV1 {
    pub webhook_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The endpoint is gone: nothing is enqueued for it and it cannot be read.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookDeletedV1 {
    pub webhook_id: Uuid,
    pub at: DateTime<Utc>,
}
