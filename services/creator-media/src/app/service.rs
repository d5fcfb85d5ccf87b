use std::sync::Arc;

use golmok_kernel::{CommandHandler, EventLog, Projections, StreamName, Tables};

use super::codec::{
    ClaimCodec, CollaborationCodec, CommissionCodec, CreatorCodec, DayCodec, PromotionCodec,
    StudioCodec, TieInCodec, WebhookCodec,
};
use crate::domain::collaboration::Collaboration;
use crate::domain::commission::Commissions;
use crate::domain::creator::{Creator, HandleClaim};
use crate::domain::promotion::Promotion;
use crate::domain::studio::{Studio, StudioDay};
use crate::domain::tie_in::TieIn;
use crate::domain::webhook::Webhook;

/// The creator-media application service: command handlers over the event
/// log, queries over the read models.
pub struct CreatorMedia {
    pub(super) tables: Arc<dyn Tables>,
    pub(super) creators: CommandHandler<Creator, CreatorCodec>,
    pub(super) claims: CommandHandler<HandleClaim, ClaimCodec>,
    pub(super) studios: CommandHandler<Studio, StudioCodec>,
    pub(super) days: CommandHandler<StudioDay, DayCodec>,
    pub(super) lives: super::lives::Lives,
    pub(super) videos: super::videos::Videos,
    pub(super) cohorts: super::training::Cohorts,
    pub(super) tie_ins: CommandHandler<TieIn, TieInCodec>,
    pub(super) promotions: CommandHandler<Promotion, PromotionCodec>,
    pub(super) collaborations: CommandHandler<Collaboration, CollaborationCodec>,
    pub(super) webhooks: CommandHandler<Webhook, WebhookCodec>,
    pub(super) commissions: CommandHandler<Commissions, CommissionCodec>,
    pub(super) projections: Arc<Projections>,
}

/// `creator-<creator id>`: one creator's profile.
pub const CREATOR: StreamName = StreamName::new("creator");
/// `studio-<studio id>`: one studio.
pub const STUDIO: StreamName = StreamName::new("studio");
/// `tie-in-<tie-in id>`: one event tie-in.
pub const TIE_IN: StreamName = StreamName::new("tie-in");
/// `promotion-<promotion id>`: one promotion.
pub const PROMOTION: StreamName = StreamName::new("promotion");

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
            lives: CommandHandler::new(Arc::clone(&log)),
            videos: CommandHandler::new(Arc::clone(&log)),
            cohorts: CommandHandler::new(Arc::clone(&log)),
            tie_ins: CommandHandler::new(Arc::clone(&log)),
            promotions: CommandHandler::new(Arc::clone(&log)),
            collaborations: CommandHandler::new(Arc::clone(&log)),
            webhooks: CommandHandler::new(Arc::clone(&log)),
            commissions: CommandHandler::new(log),
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
        self.page_in(table, projections::ALL, page).await
    }

    /// One page of a table's `partition`, in clustering order; a row that
    /// cannot be decoded is logged, counted and left out.
    pub(super) async fn page_in<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
        page: &golmok_kernel::PageRequest,
    ) -> Result<golmok_kernel::ListPage<T>, AppError> {
        let rows = self
            .scan_rows(table, partition, page.after.as_deref(), page.first)
            .await?;
        Ok(golmok_kernel::ListPage {
            items: rows.items.into_iter().map(|(_, item)| item).collect(),
            next_cursor: rows.next_cursor,
        })
    }

    /// Up to `first` rows of a table's `partition` after the clustering
    /// key `after`, each with its clustering key; a row that cannot be
    /// decoded is logged, counted and left out.
    pub(super) async fn scan_rows<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
        after: Option<&str>,
        first: usize,
    ) -> Result<golmok_kernel::ListPage<(String, T)>, AppError> {
        let rows = self
            .tables
            .scan(
                table,
                partition,
                after,
                golmok_kernel::ScanOrder::Ascending,
                first,
            )
            .await?;
        let items = rows
            .rows
            .into_iter()
            .filter_map(|row| {
                golmok_kernel::telemetry::decode_row(table, partition, &row.clustering, &row.value)
                    .map(|item| (row.clustering, item))
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
