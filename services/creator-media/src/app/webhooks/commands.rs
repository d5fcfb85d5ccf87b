//! Registering, rotating, disabling and deleting webhooks; reading them and
//! their delivery log; replaying a tie-in's feed after a cursor.

use chrono::Utc;
use golmok_contracts::creator_media::http::{
    DeliveryView, ReplayView, WebhookStatus, WebhookView, WebhookWithSecret,
};
use golmok_contracts::creator_media::{TieInCreatedV1, parse_feed_cursor};
use golmok_kernel::{
    CommandMeta, Fault, ListPage, Mutation, PageRequest, ScanOrder, StorageError, StreamName, json,
};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::rows::*;
use super::signing::new_secret;
use crate::app::{AppError, Committed, CreatorMedia};
use crate::domain::webhook::{Endpoint, WebhookCommand, WebhookError, WebhookState};

/// `webhook-<webhook id>`: one partner endpoint.
pub const WEBHOOK: StreamName = StreamName::new("webhook");

/// Feed items re-enqueued per table write of a replay.
const REPLAY_PAGE: usize = 100;

/// A webhook as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub tie_in: Uuid,
    pub url: String,
    pub description: String,
}

/// Officials and operators manage every webhook; a partner only those of
/// the tie-ins that name it.
fn manages(actor: &Actor, partner: &str) -> bool {
    match actor.role {
        Role::Official | Role::Operator => true,
        Role::Partner => actor.subject == partner,
        _ => false,
    }
}

impl CreatorMedia {
    /// Registers an endpoint for a tie-in the caller may read; the reply
    /// holds the secret, shown this once. The secret is stored before the
    /// event is appended under an id the event names, so a failed append
    /// leaves only a secret nothing refers to.
    pub async fn register_webhook(
        &self,
        webhook_id: Uuid,
        input: NewWebhook,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<WebhookWithSecret>, AppError> {
        if !matches!(actor.role, Role::Partner | Role::Official | Role::Operator) {
            return Err(AppError::Forbidden);
        }
        let tie_in: TieInCreatedV1 = self
            .tables
            .get_json(TIE_IN_BY_ID, &input.tie_in.to_string(), "")
            .await?
            .filter(|t: &TieInCreatedV1| manages(actor, &t.partner))
            .ok_or(AppError::TieInNotFound)?;
        let endpoint = Endpoint {
            webhook_id,
            tie_in: tie_in.tie_in_id,
            partner: tie_in.partner,
            url: input.url,
            description: input.description,
            secret_id: Uuid::now_v7(),
            at: Utc::now(),
        }
        .checked()?;
        self.store_secret(webhook_id, endpoint.secret_id).await?;
        let command = WebhookCommand::Register(endpoint);
        self.webhook_command(webhook_id, &command, meta).await
    }

    /// A new secret replaces the current one; the reply shows it this once.
    pub async fn rotate_webhook_secret(
        &self,
        webhook_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<WebhookWithSecret>, AppError> {
        self.managed_webhook(webhook_id, actor).await?;
        let secret_id = Uuid::now_v7();
        self.store_secret(webhook_id, secret_id).await?;
        let command = WebhookCommand::RotateSecret {
            secret_id,
            at: Utc::now(),
        };
        self.webhook_command(webhook_id, &command, meta).await
    }

    /// Stops enqueueing deliveries; pending ones are given up at their next
    /// attempt.
    pub async fn disable_webhook(
        &self,
        webhook_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<WebhookView>, AppError> {
        self.managed_webhook(webhook_id, actor).await?;
        let command = WebhookCommand::Disable { at: Utc::now() };
        let done = self.webhook_command(webhook_id, &command, meta).await?;
        Ok(Committed {
            value: done.value.webhook,
            consistent: done.consistent,
        })
    }

    pub async fn delete_webhook(
        &self,
        webhook_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<WebhookView>, AppError> {
        let view = self.managed_webhook(webhook_id, actor).await?;
        let command = WebhookCommand::Delete { at: Utc::now() };
        let executed = self
            .webhooks
            .execute(&WEBHOOK.of(webhook_id), &command, meta)
            .await?;
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// A webhook the caller manages; `WEBHOOK_NOT_FOUND` for anyone else.
    pub async fn webhook(&self, webhook_id: Uuid, actor: &Actor) -> Result<WebhookView, AppError> {
        self.managed_webhook(webhook_id, actor).await
    }

    /// The webhooks of the partner `partner`, oldest first.
    pub async fn webhooks(
        &self,
        partner: &str,
        page: &PageRequest,
    ) -> Result<ListPage<WebhookView>, AppError> {
        self.scan_page(WEBHOOKS_BY_PARTNER, partner, page, ScanOrder::Ascending)
            .await
    }

    /// A webhook's delivery log, newest first.
    pub async fn deliveries(
        &self,
        webhook_id: Uuid,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<ListPage<DeliveryView>, AppError> {
        self.managed_webhook(webhook_id, actor).await?;
        let rows: ListPage<DeliveryRow> = self
            .scan_page(
                DELIVERIES,
                &webhook_id.to_string(),
                page,
                ScanOrder::Descending,
            )
            .await?;
        Ok(ListPage {
            items: rows.items.into_iter().map(|row| row.view).collect(),
            next_cursor: rows.next_cursor,
        })
    }

    /// Enqueues again every item of the webhook's tie-in after the feed
    /// cursor `after`, in feed order, with their event ids.
    pub async fn replay_webhook(
        &self,
        webhook_id: Uuid,
        after: &str,
        actor: &Actor,
    ) -> Result<ReplayView, AppError> {
        let view = self.managed_webhook(webhook_id, actor).await?;
        if parse_feed_cursor(after).is_none() {
            return Err(AppError::FeedCursorInvalid);
        }
        if view.status != WebhookStatus::Enabled {
            return Err(AppError::WebhookDisabled);
        }
        let tie_in = view.tie_in.to_string();
        let mut cursor = after.to_owned();
        let mut enqueued = 0u64;
        loop {
            let page = self
                .tables
                .scan(
                    FEED,
                    &tie_in,
                    Some(&cursor),
                    ScanOrder::Ascending,
                    REPLAY_PAGE,
                )
                .await?;
            let now = Utc::now();
            let mut writes = Vec::new();
            for row in &page.rows {
                let item: FeedItem = serde_json::from_slice(&row.value).map_err(|_| {
                    golmok_kernel::RowError::Unreadable(format!("{tie_in}/{}", row.clustering))
                })?;
                writes.extend(enqueue(webhook_id, &item, now, true));
                enqueued += 1;
            }
            if !writes.is_empty() {
                self.tables.write(writes).await?;
            }
            match (page.rows.last(), page.next) {
                (Some(last), Some(_)) => cursor = last.clustering.clone(),
                _ => break,
            }
        }
        Ok(ReplayView {
            webhook_id,
            after: after.to_owned(),
            enqueued,
        })
    }

    async fn managed_webhook(
        &self,
        webhook_id: Uuid,
        actor: &Actor,
    ) -> Result<WebhookView, AppError> {
        self.tables
            .get_json::<WebhookRow>(WEBHOOK_BY_ID, &webhook_id.to_string(), "")
            .await?
            .map(|row| row.view)
            .filter(|view| manages(actor, &view.partner))
            .ok_or(AppError::Webhook(WebhookError::NotFound))
    }

    async fn store_secret(&self, webhook_id: Uuid, secret_id: Uuid) -> Result<(), AppError> {
        let secret = new_secret().map_err(|e| {
            Fault::Storage(StorageError::Io(format!("the random source failed: {e}")))
        })?;
        let row = SecretRow { secret };
        let write = Mutation::put(
            SECRETS,
            &webhook_id.to_string(),
            &secret_id.to_string(),
            json(&row),
        );
        Ok(self.tables.write(vec![write]).await?)
    }

    /// Runs `command`; answers the webhook with the secret it is signed with
    /// now (read back, so a replayed command answers the secret its first
    /// execution stored).
    async fn webhook_command(
        &self,
        webhook_id: Uuid,
        command: &WebhookCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<WebhookWithSecret>, AppError> {
        let executed = self
            .webhooks
            .execute(&WEBHOOK.of(webhook_id), command, meta)
            .await?;
        let WebhookState::Live {
            endpoint,
            secret_id,
            enabled,
        } = std::sync::Arc::unwrap_or_clone(executed.state)
        else {
            return Err(AppError::Webhook(WebhookError::NotFound));
        };
        let secret: SecretRow = self
            .tables
            .get_json(SECRETS, &webhook_id.to_string(), &secret_id.to_string())
            .await?
            .ok_or_else(|| {
                Fault::UnreadableRecord(format!("the secret of webhook {webhook_id}"))
            })?;
        let webhook = WebhookView {
            id: webhook_id,
            tie_in: endpoint.tie_in,
            partner: endpoint.partner,
            url: endpoint.url,
            description: endpoint.description,
            status: if enabled {
                WebhookStatus::Enabled
            } else {
                WebhookStatus::Disabled
            },
            created_at: endpoint.at,
            version: executed.stream_version,
        };
        let reply = WebhookWithSecret {
            webhook,
            secret: secret.secret,
        };
        Ok(self.projections.committed(reply, executed.position).await)
    }

    /// One page of a partition, its rows decoded (a damaged one is logged,
    /// counted and left out).
    async fn scan_page<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
        page: &PageRequest,
        order: ScanOrder,
    ) -> Result<ListPage<T>, AppError> {
        let rows = self
            .tables
            .scan(table, partition, page.after.as_deref(), order, page.first)
            .await?;
        let items = rows
            .rows
            .iter()
            .filter_map(|row| {
                golmok_kernel::telemetry::decode_row(table, partition, &row.clustering, &row.value)
            })
            .collect();
        Ok(ListPage {
            items,
            next_cursor: rows.next,
        })
    }
}
