//! The queue projection: the tie-ins, promotions and webhooks it needs, and
//! for each promotion event of the log a feed item per tie-in that includes
//! the promotion and a pending delivery per enabled webhook of that tie-in,
//! written with the projection's checkpoint (nothing is lost in a crash).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http::{
    WebhookItemType, WebhookPayload, WebhookStatus, WebhookView,
};
use golmok_contracts::creator_media::{
    PromotionExpiredV1, PromotionPublishedV1, PromotionWithdrawnV1, SERVICE, TieInCreatedV1,
    VERSION, feed_cursor,
};
use golmok_kernel::{EventHandler, HandleError, Mutation, RecordedEvent, Transaction};
use uuid::Uuid;

use super::rows::*;
use crate::app::codec::{CreatorMediaCodec, CreatorMediaEvent};
use crate::domain::webhook::WebhookEvent;

/// The promotion events a tie-in's feed is made of, and the tie-in itself.
const FOLLOWED: [&str; 4] = [
    "TieInCreated",
    "PromotionPublished",
    "PromotionWithdrawn",
    "PromotionExpired",
];
/// The webhook events of this service's own codec.
const OWN: [&str; 4] = [
    "WebhookRegistered",
    "WebhookSecretRotated",
    "WebhookDisabled",
    "WebhookDeleted",
];

/// Tie-ins, promotions and webhooks, and the delivery queue.
pub struct WebhookQueue;

#[async_trait]
impl EventHandler for WebhookQueue {
    fn name(&self) -> &'static str {
        "creator-media.webhooks"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        if event.followed(SERVICE, &OWN, VERSION)?.is_some() {
            let CreatorMediaEvent::Webhook(webhook) = event.decode::<CreatorMediaCodec>()? else {
                return Ok(());
            };
            return apply_webhook(event, &webhook, tx).await;
        }
        let data = || event.envelope.data.clone();
        let read = |e: serde_json::Error| HandleError::permanent(e);
        match event.followed(SERVICE, &FOLLOWED, VERSION)? {
            Some("TieInCreated") => {
                let tie_in: TieInCreatedV1 = golmok_contracts::read(data()).map_err(read)?;
                let mut all: Vec<TieInCreatedV1> =
                    tx.row(TIE_INS, ALL, "").await?.unwrap_or_default();
                all.retain(|t| t.tie_in_id != tie_in.tie_in_id);
                all.push(tie_in.clone());
                tx.put_json(TIE_INS, ALL, "", &all);
                tx.put_json(TIE_IN_BY_ID, &tie_in.tie_in_id.to_string(), "", &tie_in);
            }
            Some("PromotionPublished") => {
                let promotion: PromotionPublishedV1 =
                    golmok_contracts::read(data()).map_err(read)?;
                let id = promotion.promotion_id.to_string();
                tx.put_json(PROMOTION_BY_ID, &id, "", &promotion);
                let at = promotion.at;
                feed(
                    event,
                    WebhookItemType::PromotionPublished,
                    promotion,
                    at,
                    tx,
                )
                .await?;
            }
            Some(name @ ("PromotionWithdrawn" | "PromotionExpired")) => {
                let (promotion_id, at, kind) = if name == "PromotionWithdrawn" {
                    let ended: PromotionWithdrawnV1 =
                        golmok_contracts::read(data()).map_err(read)?;
                    (
                        ended.promotion_id,
                        ended.at,
                        WebhookItemType::PromotionWithdrawn,
                    )
                } else {
                    let ended: PromotionExpiredV1 = golmok_contracts::read(data()).map_err(read)?;
                    (
                        ended.promotion_id,
                        ended.at,
                        WebhookItemType::PromotionExpired,
                    )
                };
                let id = promotion_id.to_string();
                if let Some(promotion) = tx
                    .row::<PromotionPublishedV1>(PROMOTION_BY_ID, &id, "")
                    .await?
                {
                    feed(event, kind, promotion, at, tx).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The item for every tie-in that includes `promotion` (the contract's one
/// rule), and a pending delivery for each enabled webhook of that tie-in.
async fn feed(
    event: &RecordedEvent,
    kind: WebhookItemType,
    promotion: PromotionPublishedV1,
    at: DateTime<Utc>,
    tx: &mut Transaction<'_>,
) -> Result<(), HandleError> {
    let tie_ins: Vec<TieInCreatedV1> = tx.row(TIE_INS, ALL, "").await?.unwrap_or_default();
    let now = Utc::now();
    for tie_in in tie_ins.iter().filter(|t| t.includes(&promotion)) {
        let payload = WebhookPayload {
            id: event.envelope.id,
            cursor: feed_cursor(event.position),
            item_type: kind.payload_type().to_owned(),
            tie_in: tie_in.tie_in_id,
            promotion: promotion.clone(),
            at,
        };
        let item = FeedItem {
            event_id: event.envelope.id,
            position: event.position,
            item_type: kind,
            body: serde_json::to_string(&payload).map_err(HandleError::permanent)?,
        };
        let tie_in_id = tie_in.tie_in_id.to_string();
        tx.put_json(FEED, &tie_in_id, &item.cursor(), &item);
        let webhooks: Vec<Uuid> = tx
            .row(WEBHOOKS_BY_TIE_IN, &tie_in_id, "")
            .await?
            .unwrap_or_default();
        for webhook in webhooks {
            let row = tx
                .row::<WebhookRow>(WEBHOOK_BY_ID, &webhook.to_string(), "")
                .await?;
            if row.is_some_and(|r| r.view.status == WebhookStatus::Enabled) {
                for write in enqueue(webhook, &item, now, false) {
                    put(tx, write);
                }
            }
        }
    }
    Ok(())
}

fn put(tx: &mut Transaction<'_>, write: Mutation) {
    match write {
        Mutation::Put {
            table,
            partition,
            clustering,
            value,
        } => tx.put(&table, &partition, &clustering, value),
        Mutation::Delete {
            table,
            partition,
            clustering,
        } => tx.delete(&table, &partition, &clustering),
    }
}

async fn apply_webhook(
    event: &RecordedEvent,
    webhook: &WebhookEvent,
    tx: &mut Transaction<'_>,
) -> Result<(), HandleError> {
    let version = event.envelope.stream_version;
    let (id, row) = match webhook {
        WebhookEvent::Registered(endpoint) => {
            let row = WebhookRow {
                view: WebhookView {
                    id: endpoint.webhook_id,
                    tie_in: endpoint.tie_in,
                    partner: endpoint.partner.clone(),
                    url: endpoint.url.clone(),
                    description: endpoint.description.clone(),
                    status: WebhookStatus::Enabled,
                    created_at: endpoint.at,
                    version,
                },
                secret_id: endpoint.secret_id,
            };
            let tie_in = endpoint.tie_in.to_string();
            let mut ids: Vec<Uuid> = tx
                .row(WEBHOOKS_BY_TIE_IN, &tie_in, "")
                .await?
                .unwrap_or_default();
            if !ids.contains(&endpoint.webhook_id) {
                ids.push(endpoint.webhook_id);
            }
            tx.put_json(WEBHOOKS_BY_TIE_IN, &tie_in, "", &ids);
            (endpoint.webhook_id, row)
        }
        WebhookEvent::SecretRotated {
            webhook_id,
            secret_id,
            ..
        } => {
            let Some(mut row) = existing(tx, *webhook_id).await? else {
                return Ok(());
            };
            // Every attempt from now on signs with the new secret: the old
            // one is not kept.
            tx.delete(SECRETS, &webhook_id.to_string(), &row.secret_id.to_string());
            row.secret_id = *secret_id;
            (*webhook_id, row)
        }
        WebhookEvent::Disabled { webhook_id, .. } => {
            let Some(mut row) = existing(tx, *webhook_id).await? else {
                return Ok(());
            };
            row.view.status = WebhookStatus::Disabled;
            (*webhook_id, row)
        }
        WebhookEvent::Deleted { webhook_id, .. } => {
            let Some(row) = existing(tx, *webhook_id).await? else {
                return Ok(());
            };
            let tie_in = row.view.tie_in.to_string();
            let mut ids: Vec<Uuid> = tx
                .row(WEBHOOKS_BY_TIE_IN, &tie_in, "")
                .await?
                .unwrap_or_default();
            ids.retain(|id| id != webhook_id);
            tx.put_json(WEBHOOKS_BY_TIE_IN, &tie_in, "", &ids);
            let listed = time_key(row.view.created_at, *webhook_id);
            tx.delete(WEBHOOKS_BY_PARTNER, &row.view.partner, &listed);
            tx.delete(WEBHOOK_BY_ID, &webhook_id.to_string(), "");
            tx.delete(SECRETS, &webhook_id.to_string(), &row.secret_id.to_string());
            return Ok(());
        }
    };
    let mut row = row;
    row.view.version = version;
    let listed = time_key(row.view.created_at, id);
    tx.put_json(WEBHOOKS_BY_PARTNER, &row.view.partner, &listed, &row.view);
    tx.put_json(WEBHOOK_BY_ID, &id.to_string(), "", &row);
    Ok(())
}

async fn existing(tx: &Transaction<'_>, id: Uuid) -> Result<Option<WebhookRow>, HandleError> {
    tx.row(WEBHOOK_BY_ID, &id.to_string(), "").await
}
