//! Partner webhooks: an event partner registers an endpoint for one of its
//! tie-ins and receives every item of the tie-in's promotion feed as a
//! signed POST (docs/creator-media-http.md, "Webhooks"); it reads each
//! delivery with its attempts and replays the feed from a cursor. The
//! creator-media service decides who may do what; another partner's webhook
//! reads as missing.

use async_graphql::connection::Connection;
use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, Object, Result, ResultExt, SimpleObject,
};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http::{
    self as contract, AttemptView, DeliveryView, WebhookDeliveryStatus, WebhookItemType,
    WebhookStatus, WebhookView, WebhookWithSecret,
};
use uuid::Uuid;

use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::schema::outcome::{
    InputNames, Payload, Refusal, UserError, idempotency_key, input_id, payload, settle,
};
use crate::upstream::CreatorMedia;

/// Refusals about ids in the path point at their inputs.
const NAMES: InputNames = InputNames {
    renames: &[],
    codes: &[
        ("WEBHOOK_NOT_FOUND", "webhookId"),
        ("TIE_IN_NOT_FOUND", "tieInId"),
    ],
};

/// An endpoint of an event partner for one tie-in's promotion feed. Its
/// signing secret is never part of it.
pub(crate) struct Webhook(pub(crate) WebhookView);

#[Object]
impl Webhook {
    /// The webhook's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Webhook, self.0.id).to_id()
    }

    /// The global id of the tie-in whose feed it receives.
    async fn tie_in_id(&self) -> ID {
        GlobalId::new(NodeType::TieIn, self.0.tie_in).to_id()
    }

    /// The token subject of the partner whose webhook it is.
    async fn partner(&self) -> &str {
        &self.0.partner
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn status(&self) -> WebhookStatus {
        self.0.status
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The delivery log, newest first: each feed item enqueued for the
    /// webhook with every attempt to deliver it.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, WebhookDelivery>> {
        let media = &ctx.request().upstream::<CreatorMedia>();
        let id = self.0.id;
        page(
            PageRequest::new(ListId::new("webhookDeliveries", &id.to_string()), first, after)?,
            |first, after| async move { media.webhook_deliveries(id, first, after.as_deref()).await },
            WebhookDelivery,
        )
        .await
        .extend()
    }
}

/// One feed item enqueued for a webhook (by the feed or by a replay).
pub(crate) struct WebhookDelivery(DeliveryView);

#[Object]
impl WebhookDelivery {
    /// The delivery's id (read from its webhook's `deliveries`).
    async fn id(&self) -> ID {
        GlobalId::new(NodeType::WebhookDelivery, self.0.id).to_id()
    }

    /// The stable event id sent as `golmok-webhook-id`: the same for every
    /// attempt and every replay of the item, so receivers deduplicate on it.
    async fn event_id(&self) -> String {
        self.0.event_id.to_string()
    }

    /// The item's cursor in the tie-in's feed (`replayWebhook`'s `after`).
    async fn cursor(&self) -> &str {
        &self.0.cursor
    }

    #[graphql(name = "type")]
    async fn item_type(&self) -> WebhookItemType {
        self.0.item_type
    }

    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status
    }

    /// Every attempt, first to last.
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        self.0
            .attempts
            .iter()
            .cloned()
            .map(WebhookAttempt::from)
            .collect()
    }

    /// When the next attempt is due; null once delivered or given up.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Whether a replay enqueued it.
    async fn replayed(&self) -> bool {
        self.0.replayed
    }
}

/// One POST of a delivery to the webhook's URL.
#[derive(SimpleObject)]
pub(crate) struct WebhookAttempt {
    /// 1 for the first attempt.
    number: i32,
    at: DateTime<Utc>,
    /// The receiver's HTTP status; null when no answer came.
    status_code: Option<i32>,
    /// Why no answer came (could not connect, timed out, …).
    error: Option<String>,
    duration_ms: i32,
    /// When the next attempt is due; null after the last one.
    next_attempt_at: Option<DateTime<Utc>>,
}

impl From<AttemptView> for WebhookAttempt {
    fn from(attempt: AttemptView) -> Self {
        WebhookAttempt {
            number: i32::try_from(attempt.number).unwrap_or(i32::MAX),
            at: attempt.at,
            status_code: attempt.status_code.map(i32::from),
            error: attempt.error,
            duration_ms: i32::try_from(attempt.duration_ms).unwrap_or(i32::MAX),
            next_attempt_at: attempt.next_attempt_at,
        }
    }
}

#[derive(InputObject)]
pub(crate) struct RegisterWebhookInput {
    /// The global id of a tie-in the calling partner reads.
    tie_in_id: ID,
    /// `https://`, or `http://` to 127.0.0.1, [::1] or localhost.
    url: String,
    /// Up to 200 characters.
    description: Option<String>,
    /// A retry with the same key returns the first answer (and secret).
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct WebhookIdInput {
    /// The webhook's global id.
    webhook_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ReplayWebhookInput {
    /// The webhook's global id.
    webhook_id: ID,
    /// A feed cursor (a delivery's `cursor`): every item of the tie-in after
    /// it is enqueued again, with its event id.
    after: String,
}

/// A webhook with its signing secret, shown in this payload only.
#[derive(SimpleObject)]
pub(crate) struct WebhookSecretPayload {
    /// The webhook; null when the mutation was refused.
    webhook: Option<Webhook>,
    /// The signing secret (43 characters, base64url): shown this once, never
    /// readable again. Deliveries are signed `v1=` hex HMAC-SHA256 of
    /// `<timestamp>.<body>` with it.
    secret: Option<String>,
    /// Why the mutation was refused; empty when it succeeded.
    user_errors: Vec<UserError>,
}

impl Payload<WebhookWithSecret> for WebhookSecretPayload {
    fn done(value: WebhookWithSecret) -> Self {
        WebhookSecretPayload {
            webhook: Some(Webhook(value.webhook)),
            secret: Some(value.secret),
            user_errors: Vec::new(),
        }
    }

    fn refused(errors: Vec<UserError>) -> Self {
        WebhookSecretPayload {
            webhook: None,
            secret: None,
            user_errors: errors,
        }
    }
}

/// How many feed items a replay enqueued.
#[derive(SimpleObject)]
pub(crate) struct WebhookReplay {
    /// The feed cursor the replay started after.
    after: String,
    enqueued: i32,
}

payload!(WebhookPayload { webhook: Webhook });
payload!(ReplayWebhookPayload {
    replay: WebhookReplay
});

#[derive(Default)]
pub(crate) struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// A webhook by global id (its partner, or an official).
    async fn webhook(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Webhook>> {
        let id = GlobalId::expect(&id, NodeType::Webhook).map_err(|e| e.extend())?;
        find_webhook(ctx, id).await
    }

    /// The calling partner's webhooks, oldest first (a partner token).
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, Webhook>> {
        let media = &ctx.request().upstream::<CreatorMedia>();
        page(
            PageRequest::new(ListId::new("webhooks", ""), first, after)?,
            |first, after| async move { media.webhooks(first, after.as_deref()).await },
            Webhook,
        )
        .await
        .extend()
    }
}

pub(crate) async fn find_webhook(ctx: &Context<'_>, id: Uuid) -> Result<Option<Webhook>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .webhook(id)
        .await
        .extend()?
        .map(Webhook))
}

#[derive(Default)]
pub(crate) struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint for a tie-in's promotion feed (its partner, or
    /// an official); the payload shows the signing secret, this once. A URL
    /// that is neither https:// nor loopback http:// is WEBHOOK_URL_INVALID.
    async fn register_webhook(
        &self,
        ctx: &Context<'_>,
        input: RegisterWebhookInput,
    ) -> Result<WebhookSecretPayload> {
        let request = ctx.request();
        settle(
            async {
                let tie_in = input_id(&input.tie_in_id, NodeType::TieIn, "tieInId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::RegisterWebhook {
                    tie_in,
                    url: input.url.clone(),
                    description: input.description.clone().unwrap_or_default(),
                };
                let registered = request
                    .upstream::<CreatorMedia>()
                    .register_webhook(&body, key)
                    .await;
                registered.map_err(|e| NAMES.refusal(e))
            }
            .await,
        )
    }

    /// Replaces the signing secret; the payload shows the new one, this once.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> Result<WebhookSecretPayload> {
        let request = ctx.request();
        settle(
            async {
                let (id, key) = webhook_input(&input)?;
                let rotated = request
                    .upstream::<CreatorMedia>()
                    .rotate_webhook_secret(id, key)
                    .await;
                rotated.map_err(|e| NAMES.refusal(e))
            }
            .await,
        )
    }

    /// Stops deliveries: nothing more is enqueued and pending deliveries are
    /// given up at their next attempt.
    async fn disable_webhook(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> Result<WebhookPayload> {
        change(ctx, &input, Change::Disable).await
    }

    /// Deletes a webhook; the payload shows it as it was.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> Result<WebhookPayload> {
        change(ctx, &input, Change::Delete).await
    }

    /// Enqueues again every item of the webhook's tie-in after a feed
    /// cursor, with the same event ids (receivers deduplicate on them).
    async fn replay_webhook(
        &self,
        ctx: &Context<'_>,
        input: ReplayWebhookInput,
    ) -> Result<ReplayWebhookPayload> {
        let request = ctx.request();
        settle(
            async {
                let id = input_id(&input.webhook_id, NodeType::Webhook, "webhookId")?;
                let body = contract::ReplayWebhook {
                    after: input.after.clone(),
                };
                let replayed = request
                    .upstream::<CreatorMedia>()
                    .replay_webhook(id, &body)
                    .await
                    .map_err(|e| NAMES.refusal(e))?;
                Ok(WebhookReplay {
                    after: replayed.after,
                    enqueued: i32::try_from(replayed.enqueued).unwrap_or(i32::MAX),
                })
            }
            .await,
        )
    }
}

/// What `disableWebhook` and `deleteWebhook` do.
enum Change {
    Disable,
    Delete,
}

async fn change(
    ctx: &Context<'_>,
    input: &WebhookIdInput,
    change: Change,
) -> Result<WebhookPayload> {
    let request = ctx.request();
    settle(
        async {
            let (id, key) = webhook_input(input)?;
            let media = request.upstream::<CreatorMedia>();
            let changed = match change {
                Change::Disable => media.disable_webhook(id, key).await,
                Change::Delete => media.delete_webhook(id, key).await,
            };
            Ok(Webhook(changed.map_err(|e| NAMES.refusal(e))?))
        }
        .await,
    )
}

fn webhook_input(input: &WebhookIdInput) -> std::result::Result<(Uuid, Option<&str>), Refusal> {
    let id = input_id(&input.webhook_id, NodeType::Webhook, "webhookId")?;
    Ok((id, idempotency_key(input.idempotency_key.as_deref())?))
}
