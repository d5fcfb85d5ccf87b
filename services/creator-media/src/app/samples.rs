//! One fixed sample of every current event type, in the order of the codec's
//! schemas; written to `schemas/events/creator-media/<Event>.v<N>.sample.json`.
//! Test data: compiled for tests and with the `samples` feature only.
#![cfg(any(test, feature = "samples"))]

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::codec::CreatorMediaEvent;
use crate::domain::creator::{
    Channel, ClaimEvent, CreatorEvent, Handle, Platform, Profile, ProfileUpdated,
};
use crate::domain::studio::{DayEvent, StudioCreated, StudioEvent};
use crate::domain::webhook::{Endpoint, WebhookEvent};

fn at() -> DateTime<Utc> {
    "2026-06-01T03:00:00Z".parse().expect("fixed instant")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0c3e_8d4a_7b2e_9f10_0000_0000_0000 + n)
}

fn handle() -> Handle {
    Handle::parse("alley.cook").expect("a valid handle")
}

fn channel() -> Channel {
    Channel {
        platform: Platform::Youtube,
        url: "https://youtube.com/@alley.cook".into(),
        audience: 12_000,
    }
}

pub fn all() -> Vec<CreatorMediaEvent> {
    let start: DateTime<Utc> = "2026-06-02T01:00:00Z".parse().expect("fixed instant");
    vec![
        CreatorEvent::Registered(Profile {
            creator_id: id(1),
            handle: handle(),
            owner: Some("creator-kim".into()),
            display_name: "골목 요리사".into(),
            channels: vec![channel()],
            categories: vec!["food".into()],
            region: "Seoul Jung-gu".into(),
            languages: vec!["ko".into(), "en".into()],
            registered_at: at(),
        })
        .into(),
        CreatorEvent::ProfileUpdated(ProfileUpdated {
            display_name: None,
            channels: Some(vec![channel()]),
            categories: None,
            region: Some("Seoul Mapo-gu".into()),
            languages: None,
            at: at(),
        })
        .into(),
        ClaimEvent::HandleClaimed {
            handle: handle(),
            creator_id: id(1),
            at: at(),
        }
        .into(),
        StudioEvent::Created(StudioCreated {
            studio_id: id(2),
            name: "Jung-gu shared studio A".into(),
            region: "Seoul Jung-gu".into(),
            slot_minutes: 60,
            open_hour: 9,
            close_hour: 21,
            at: at(),
        })
        .into(),
        DayEvent::SlotBooked {
            booking_id: id(3),
            studio_id: id(2),
            creator_id: id(1),
            start,
            end: start + chrono::TimeDelta::hours(1),
            at: at(),
        }
        .into(),
        DayEvent::BookingCancelled {
            booking_id: id(3),
            studio_id: id(2),
            start,
            at: at(),
        }
        .into(),
        WebhookEvent::Registered(Endpoint {
            webhook_id: id(4),
            tie_in: id(5),
            partner: "mama".into(),
            url: "https://hooks.mama.example/golmok".into(),
            description: "MAMA 2026 promotions".into(),
            secret_id: id(6),
            at: at(),
        })
        .into(),
        WebhookEvent::SecretRotated {
            webhook_id: id(4),
            secret_id: id(7),
            at: at(),
        }
        .into(),
        WebhookEvent::Disabled {
            webhook_id: id(4),
            at: at(),
        }
        .into(),
        WebhookEvent::Deleted {
            webhook_id: id(4),
            at: at(),
        }
        .into(),
    ]
}
