//! Read models (partition key → clustering key → JSON view), kept by one
//! projection over the service's own events.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction, json};
use uuid::Uuid;

use super::codec::{CreatorMediaCodec, CreatorMediaEvent};
use super::views::{
    BookingStatus, BookingView, CreatorView, booking_view, channel_views, creator_view,
    studio_view, tier_of,
};
use crate::domain::creator::CreatorEvent;
use crate::domain::studio::{DayEvent, StudioEvent};
use crate::domain::training::CohortEvent;

/// partition = creator id, clustering = "" → `CreatorView`.
pub const CREATOR_BY_ID: &str = "creator_media_creator_by_id";
/// partition = "all", clustering = `<registered at>|<id>` → `CreatorView`.
pub const CREATORS: &str = "creator_media_creators";
/// partition = studio id, clustering = "" → `StudioView`.
pub const STUDIO_BY_ID: &str = "creator_media_studio_by_id";
/// partition = "all", clustering = `<created at>|<id>` → `StudioView`.
pub const STUDIOS: &str = "creator_media_studios";
/// partition = booking id, clustering = "" → `BookingView`.
pub const BOOKING_BY_ID: &str = "creator_media_booking_by_id";
/// The single partition of the lists.
pub const ALL: &str = "all";

/// Every read-model table, for tools that compare or rebuild them.
pub const ALL_TABLES: [&str; 9] = [
    CREATOR_BY_ID,
    CREATORS,
    STUDIO_BY_ID,
    STUDIOS,
    BOOKING_BY_ID,
    super::lives::LIVE_BY_ID,
    super::lives::LIVES_OF_MERCHANT,
    super::training::COHORT_BY_ID,
    super::training::COHORTS,
];

/// Every creator-media projection.
pub fn handlers() -> Vec<Arc<dyn EventHandler>> {
    let mut handlers: Vec<Arc<dyn EventHandler>> = vec![
        Arc::new(ViewsProjection),
        Arc::new(super::promotion_projection::PromotionsProjection),
        Arc::new(super::collaboration_projection::CollaborationsProjection),
        Arc::new(super::webhooks::WebhookQueue),
        Arc::new(super::commissions::CommissionsDue),
    ];
    handlers.extend(super::lives::handlers());
    handlers.extend(super::training::handlers());
    handlers.extend(super::videos::handlers());
    handlers
}

/// A list's clustering key: time order, then id.
pub(super) fn listed(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}|{id}", at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// The creators, studios and bookings by id, and the lists.
pub struct ViewsProjection;

#[async_trait]
impl EventHandler for ViewsProjection {
    fn name(&self) -> &'static str {
        "creator-media.views"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let version = event.envelope.stream_version;
        match event.decode::<CreatorMediaCodec>()? {
            CreatorMediaEvent::Creator(CreatorEvent::Registered(profile)) => {
                put_creator(tx, &creator_view(&profile, version));
            }
            CreatorMediaEvent::Creator(CreatorEvent::ProfileUpdated(update)) => {
                let id = update_subject(event)?;
                let Some(mut view) = tx.row::<CreatorView>(CREATOR_BY_ID, &id, "").await? else {
                    return Ok(());
                };
                if let Some(name) = update.display_name {
                    view.display_name = name;
                }
                if let Some(channels) = update.channels {
                    view.channels = channel_views(&channels);
                }
                if let Some(categories) = update.categories {
                    view.categories = categories;
                }
                if let Some(region) = update.region {
                    view.region = region;
                }
                if let Some(languages) = update.languages {
                    view.languages = languages;
                }
                view.version = version;
                put_creator(tx, &view);
            }
            CreatorMediaEvent::Cohort(CohortEvent::Completed {
                cohort_id,
                certified,
                ..
            }) => {
                for creator in certified {
                    let id = creator.to_string();
                    let Some(mut view) = tx.row::<CreatorView>(CREATOR_BY_ID, &id, "").await?
                    else {
                        continue;
                    };
                    if !view.certifications.contains(&cohort_id) {
                        view.certifications.push(cohort_id);
                    }
                    put_creator(tx, &view);
                }
            }
            CreatorMediaEvent::Claim(_)
            | CreatorMediaEvent::Live(_)
            | CreatorMediaEvent::Video(_)
            | CreatorMediaEvent::Cohort(_)
            | CreatorMediaEvent::TieIn(_)
            | CreatorMediaEvent::Promotion(_)
            | CreatorMediaEvent::Collaboration(_)
            | CreatorMediaEvent::Webhook(_)
            | CreatorMediaEvent::Commission(_) => {}
            CreatorMediaEvent::Studio(StudioEvent::Created(created)) => {
                let view = studio_view(&created);
                let id = view.id.to_string();
                let value = json(&view);
                tx.put(
                    STUDIOS,
                    ALL,
                    &listed(view.created_at, view.id),
                    value.clone(),
                );
                tx.put(STUDIO_BY_ID, &id, "", value);
            }
            CreatorMediaEvent::Day(booked @ DayEvent::SlotBooked { .. }) => {
                if let Some(booking) = booked.booking() {
                    let view = booking_view(&booking);
                    tx.put(BOOKING_BY_ID, &view.id.to_string(), "", json(&view));
                }
            }
            CreatorMediaEvent::Day(DayEvent::BookingCancelled { booking_id, at, .. }) => {
                let id = booking_id.to_string();
                if let Some(mut view) = tx.row::<BookingView>(BOOKING_BY_ID, &id, "").await? {
                    view.status = BookingStatus::Cancelled;
                    view.cancelled_at = Some(at);
                    tx.put(BOOKING_BY_ID, &id, "", json(&view));
                }
            }
        }
        Ok(())
    }
}

/// Writes a creator's view with the tier its certifications and reach give.
fn put_creator(tx: &mut Transaction<'_>, view: &CreatorView) {
    let view = &CreatorView {
        tier: tier_of(view),
        ..view.clone()
    };
    let value = json(view);
    tx.put(
        CREATORS,
        ALL,
        &listed(view.registered_at, view.id),
        value.clone(),
    );
    tx.put(CREATOR_BY_ID, &view.id.to_string(), "", value);
}

/// The creator id of a creator stream's event.
fn update_subject(event: &RecordedEvent) -> Result<String, HandleError> {
    super::CREATOR
        .parse(&event.envelope.subject)
        .map(|id| id.to_string())
        .ok_or_else(|| {
            HandleError::permanent(format!(
                "{} is not a creator stream",
                event.envelope.subject
            ))
        })
}
