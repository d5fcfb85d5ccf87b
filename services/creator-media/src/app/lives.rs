//! Live sessions: scheduling for a merchant, running by the merchant or the
//! creator who hosts it, and their read model.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use golmok_contracts::creator_media::http::{LiveProduct, LiveStatus as Status, LiveView};
use golmok_kernel::{
    CommandHandler, CommandMeta, EventHandler, HandleError, ListPage, PageRequest, RecordedEvent,
    StreamName, Transaction, Won, json,
};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::codec::{CreatorMediaCodec, CreatorMediaEvent, LiveCodec};
use super::{AppError, Committed, CreatorMedia};
use crate::domain::live::{
    Live, LiveCommand, LiveError, LiveEvent, LiveState, LiveStatus, Schedule, TaggedProduct,
};

/// `live-<live id>`: one live session.
pub const LIVE: StreamName = StreamName::new("live");
/// partition = live id, clustering = "" → `LiveView`.
pub const LIVE_BY_ID: &str = "creator_media_live_by_id";
/// partition = merchant id, clustering = `<starts at>|<id>` → `LiveView`.
pub const LIVES_OF_MERCHANT: &str = "creator_media_lives_of_merchant";

pub type Lives = CommandHandler<Live, LiveCodec>;

/// A live as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLive {
    pub merchant_id: Uuid,
    pub host_creator_id: Option<Uuid>,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub products: Vec<LiveProduct>,
}

/// What may be done to a scheduled live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveAction {
    Start,
    Pin(Uuid),
    End,
    Cancel,
}

fn status(status: LiveStatus) -> Status {
    match status {
        LiveStatus::Scheduled => Status::Scheduled,
        LiveStatus::Live => Status::Live,
        LiveStatus::Ended => Status::Ended,
        LiveStatus::Cancelled => Status::Cancelled,
    }
}

fn products(products: &[TaggedProduct]) -> Vec<LiveProduct> {
    products
        .iter()
        .map(|p| LiveProduct {
            product_id: p.product_id,
            live_price: p.live_price.map(|price| price.0),
        })
        .collect()
}

/// The view of a scheduled live, before anything happened to it.
fn scheduled_view(schedule: &Schedule, version: u64) -> LiveView {
    LiveView {
        id: schedule.live_id,
        merchant_id: schedule.merchant_id,
        host_creator_id: schedule.host_creator_id,
        title: schedule.title.clone(),
        starts_at: schedule.starts_at,
        status: Status::Scheduled,
        products: products(&schedule.products),
        pinned_product_id: None,
        started_at: None,
        ended_at: None,
        version,
    }
}

/// `view` after `event`: the projection's fold of a live's events.
fn apply(mut view: LiveView, event: &LiveEvent, version: u64) -> LiveView {
    match event {
        LiveEvent::Scheduled(schedule) => return scheduled_view(schedule, version),
        LiveEvent::Started { at, .. } => {
            view.status = status(LiveStatus::Live);
            view.started_at = Some(*at);
        }
        LiveEvent::ProductPinned { product_id, .. } => view.pinned_product_id = Some(*product_id),
        LiveEvent::Ended { at, .. } => {
            view.status = status(LiveStatus::Ended);
            view.pinned_product_id = None;
            view.ended_at = Some(*at);
        }
        LiveEvent::Cancelled { at, .. } => {
            view.status = status(LiveStatus::Cancelled);
            view.ended_at = Some(*at);
        }
    }
    view.version = version;
    view
}

/// The view of a live's current state.
fn view_of(state: &LiveState, version: u64) -> Option<LiveView> {
    let LiveState::Known {
        schedule,
        status: now,
        pinned,
        started_at,
        ended_at,
    } = state
    else {
        return None;
    };
    Some(LiveView {
        status: status(*now),
        pinned_product_id: *pinned,
        started_at: *started_at,
        ended_at: *ended_at,
        ..scheduled_view(schedule, version)
    })
}

impl CreatorMedia {
    /// Schedules a live of `input.merchant_id`'s products, for the merchant
    /// itself or an operator; a host creator must be registered.
    pub async fn schedule_live(
        &self,
        live_id: Uuid,
        actor: &Actor,
        input: NewLive,
        meta: &CommandMeta,
    ) -> Result<Committed<LiveView>, AppError> {
        if !actor.acts_for_merchant(input.merchant_id) {
            return Err(AppError::Forbidden);
        }
        if let Some(host) = input.host_creator_id {
            self.registered_creator(host).await?;
        }
        let command = LiveCommand::Schedule(Schedule {
            live_id,
            merchant_id: input.merchant_id,
            host_creator_id: input.host_creator_id,
            title: input.title,
            starts_at: input.starts_at,
            products: input
                .products
                .iter()
                .map(|p| TaggedProduct {
                    product_id: p.product_id,
                    live_price: p.live_price.map(Won),
                })
                .collect(),
            at: Utc::now(),
        });
        self.execute_live(live_id, &command, meta).await
    }

    /// Starts, pins a product in, ends or cancels a live: the merchant (or an
    /// operator) may do each; the host creator may run it (start, pin, end)
    /// but not cancel it.
    pub async fn act_on_live(
        &self,
        live_id: Uuid,
        action: LiveAction,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<LiveView>, AppError> {
        let (state, _) = self.lives.load(&LIVE.of(live_id)).await?;
        let schedule = state.schedule().ok_or(LiveError::NotFound)?;
        let merchant = actor.acts_for_merchant(schedule.merchant_id);
        let host = match schedule.host_creator_id {
            Some(host) if actor.role == Role::Creator && action != LiveAction::Cancel => {
                self.registered_creator(host).await?.owner.as_deref() == Some(&actor.subject)
            }
            _ => false,
        };
        if !(merchant || host) {
            return Err(AppError::Forbidden);
        }
        let at = Utc::now();
        let command = match action {
            LiveAction::Start => LiveCommand::Start { at },
            LiveAction::Pin(product_id) => LiveCommand::Pin { product_id, at },
            LiveAction::End => LiveCommand::End { at },
            LiveAction::Cancel => LiveCommand::Cancel { at },
        };
        self.execute_live(live_id, &command, meta).await
    }

    async fn execute_live(
        &self,
        live_id: Uuid,
        command: &LiveCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<LiveView>, AppError> {
        let executed = self.lives.execute(&LIVE.of(live_id), command, meta).await?;
        let view = view_of(&executed.state, executed.stream_version).ok_or(LiveError::NotFound)?;
        Ok(self.projections.committed(view, executed.position).await)
    }

    pub async fn live(&self, id: Uuid) -> Result<Option<LiveView>, AppError> {
        self.by_id(LIVE_BY_ID, id).await
    }

    /// A merchant's lives by start time.
    pub async fn lives_of(
        &self,
        merchant: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<LiveView>, AppError> {
        self.page_in(LIVES_OF_MERCHANT, &merchant.to_string(), page)
            .await
    }
}

/// The lives by id and each merchant's lives by start.
pub struct LivesProjection;

/// Every live projection.
pub fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![Arc::new(LivesProjection)]
}

#[async_trait]
impl EventHandler for LivesProjection {
    fn name(&self) -> &'static str {
        "creator-media.lives"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let CreatorMediaEvent::Live(live) = event.decode::<CreatorMediaCodec>()? else {
            return Ok(());
        };
        let version = event.envelope.stream_version;
        let id = LIVE.parse(&event.envelope.subject).ok_or_else(|| {
            HandleError::permanent(format!("{} is not a live stream", event.envelope.subject))
        })?;
        let before = match &live {
            LiveEvent::Scheduled(schedule) => scheduled_view(schedule, version),
            _ => match tx.row::<LiveView>(LIVE_BY_ID, &id.to_string(), "").await? {
                Some(view) => view,
                None => return Ok(()),
            },
        };
        let view = apply(before, &live, version);
        let value = json(&view);
        let listed = format!(
            "{}|{}",
            view.starts_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            view.id
        );
        tx.put(
            LIVES_OF_MERCHANT,
            &view.merchant_id.to_string(),
            &listed,
            value.clone(),
        );
        tx.put(LIVE_BY_ID, &id.to_string(), "", value);
        Ok(())
    }
}
