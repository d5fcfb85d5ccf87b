//! Read models (partition key → clustering key → JSON view), kept by one
//! projection over the service's own events.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction, json};
use uuid::Uuid;

use super::codec::{CreatorMediaCodec, CreatorMediaEvent};
use super::lives::{LIVE_BY_ID, LIVES_OF_MERCHANT};
use super::training::{COHORT_BY_ID, COHORTS};
use super::videos::{VIDEO_BY_ID, VIDEOS_OF_CREATOR, VIDEOS_OF_MERCHANT, VIDEOS_OF_PRODUCT};
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

/// Each projection of [`handlers`] that `golmok replay` rebuilds, with the
/// tables it writes (a table missing here fails the rebuild with
/// `UNDECLARED_TABLE`): the one list [`read_model_tables`] and
/// [`all_tables`] read. Not here: the projections of [`NOT_REBUILT`].
pub const READ_MODELS: [(&str, &[&str]); 7] = [
    (
        "creator-media.views",
        &[
            CREATOR_BY_ID,
            CREATORS,
            STUDIO_BY_ID,
            STUDIOS,
            BOOKING_BY_ID,
        ],
    ),
    ("creator-media.lives", &[LIVE_BY_ID, LIVES_OF_MERCHANT]),
    ("creator-media.cohorts", &[COHORT_BY_ID, COHORTS]),
    (
        "creator-media.promotions",
        &super::promotion_projection::PROMOTION_TABLES,
    ),
    (
        "creator-media.collaborations",
        &super::collaboration_projection::TABLES,
    ),
    (
        "creator-media.videos",
        &[
            VIDEO_BY_ID,
            VIDEOS_OF_PRODUCT,
            VIDEOS_OF_CREATOR,
            VIDEOS_OF_MERCHANT,
        ],
    ),
    (
        "creator-media.commissions-due",
        &super::commissions::DUE_TABLES,
    ),
];

/// The projections of [`handlers`] a rebuild must not redo, because they
/// have effects outside their tables. `creator-media.webhooks` queues a
/// delivery to a partner's endpoint for each promotion event: rebuilt from
/// event 0 it would queue (and the worker would send) every webhook again.
pub const NOT_REBUILT: [&str; 1] = ["creator-media.webhooks"];

/// The tables `consumer` writes, if a rebuild may redo it.
pub fn read_model_tables(consumer: &str) -> Option<&'static [&'static str]> {
    READ_MODELS
        .iter()
        .find(|(name, _)| *name == consumer)
        .map(|(_, tables)| *tables)
}

/// Every table of [`READ_MODELS`], for tools that compare or rebuild them.
pub fn all_tables() -> Vec<&'static str> {
    READ_MODELS
        .iter()
        .flat_map(|(_, tables)| tables.iter().copied())
        .collect()
}

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_projection_is_either_rebuilt_or_said_not_to_be() {
        let handlers: BTreeSet<&str> = handlers().iter().map(|h| h.name()).collect();
        let declared: BTreeSet<&str> = READ_MODELS
            .iter()
            .map(|(name, _)| *name)
            .chain(NOT_REBUILT)
            .collect();
        assert_eq!(handlers, declared);
        assert_eq!(
            READ_MODELS.len() + NOT_REBUILT.len(),
            declared.len(),
            "no projection is listed twice"
        );
        let tables = all_tables();
        let distinct: BTreeSet<&str> = tables.iter().copied().collect();
        assert_eq!(tables.len(), distinct.len(), "no table has two writers");
        assert!(tables.iter().all(|t| t.starts_with("creator_media_")));
    }
}
