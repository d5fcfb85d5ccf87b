use std::sync::Arc;

use golmok_kernel::{CommandHandler, EventLog, Projections, StreamName, Tables};

use super::codec::{ClaimCodec, CreatorCodec, DayCodec, StudioCodec, WebhookCodec};
use crate::domain::creator::{Creator, HandleClaim};
use crate::domain::studio::{Studio, StudioDay};
use crate::domain::webhook::Webhook;

/// The creator-media application service: command handlers over the event
/// log, queries over the read models.
pub struct CreatorMedia {
    pub(super) tables: Arc<dyn Tables>,
    pub(super) creators: CommandHandler<Creator, CreatorCodec>,
    pub(super) claims: CommandHandler<HandleClaim, ClaimCodec>,
    pub(super) studios: CommandHandler<Studio, StudioCodec>,
    pub(super) days: CommandHandler<StudioDay, DayCodec>,
    pub(super) webhooks: CommandHandler<Webhook, WebhookCodec>,
    pub(super) projections: Arc<Projections>,
}

/// `creator-<creator id>`: one creator's profile.
pub const CREATOR: StreamName = StreamName::new("creator");
/// `studio-<studio id>`: one studio.
pub const STUDIO: StreamName = StreamName::new("studio");

impl CreatorMedia {
    pub fn new(
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
        projections: Arc<Projections>,
    ) -> Self {
        Self {
            creators: CommandHandler::new(Arc::clone(&log)),
            claims: CommandHandler::new(Arc::clone(&log)),
            studios: CommandHandler::new(Arc::clone(&log)),
            days: CommandHandler::new(Arc::clone(&log)),
            webhooks: CommandHandler::new(log),
            tables,
            projections,
        }
    }
}

impl CreatorMedia {
    /// One page of a table's `all` partition, in clustering order; a row that
    /// cannot be decoded is logged, counted and left out.
    pub(super) async fn page<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        page: &golmok_kernel::PageRequest,
    ) -> Result<golmok_kernel::ListPage<T>, AppError> {
        let rows = self
            .tables
            .scan(
                table,
                projections::ALL,
                page.after.as_deref(),
                golmok_kernel::ScanOrder::Ascending,
                page.first,
            )
            .await?;
        let items = rows
            .rows
            .iter()
            .filter_map(|row| {
                golmok_kernel::telemetry::decode_row(
                    table,
                    projections::ALL,
                    &row.clustering,
                    &row.value,
                )
            })
            .collect();
        Ok(golmok_kernel::ListPage {
            items,
            next_cursor: rows.next,
        })
    }

    /// A view by id from a `<thing>_by_id` table.
    pub(super) async fn by_id<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        id: uuid::Uuid,
    ) -> Result<Option<T>, AppError> {
        Ok(self.tables.get_json(table, &id.to_string(), "").await?)
    }
}

use super::{AppError, projections};
