//! One fixed sample of every current event type, in the order of the codec's
//! schemas; written to `schemas/events/creator-media/<Event>.v<N>.sample.json`.
//! Test data: compiled for tests and with the `samples` feature only.
#![cfg(any(test, feature = "samples"))]

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::codec::CreatorMediaEvent;
use crate::domain::collaboration::Party;
use crate::domain::creator::{
    Channel, ClaimEvent, CreatorEvent, Handle, Platform, Profile, ProfileUpdated,
};
use crate::domain::live::{LiveEvent, Schedule, TaggedProduct};
use crate::domain::promotion::{Offer, PromotionEvent, Published};
use crate::domain::studio::{DayEvent, StudioCreated, StudioEvent};
use crate::domain::tie_in::{TieInCreated, TieInEvent};
use crate::domain::training::{CohortEvent, Opened, Session};
use crate::domain::video::{Published as PublishedVideo, VideoEvent};
use crate::domain::webhook::{Endpoint, WebhookEvent};
use golmok_kernel::Won;

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
        LiveEvent::Scheduled(Schedule {
            live_id: id(4),
            merchant_id: id(5),
            host_creator_id: Some(id(1)),
            title: "망원 빵 라이브".into(),
            starts_at: start,
            products: vec![
                TaggedProduct {
                    product_id: id(6),
                    live_price: Some(Won(3_000)),
                },
                TaggedProduct {
                    product_id: id(7),
                    live_price: None,
                },
            ],
            at: at(),
        })
        .into(),
        LiveEvent::Started {
            live_id: id(4),
            at: start,
        }
        .into(),
        LiveEvent::ProductPinned {
            live_id: id(4),
            product_id: id(6),
            at: start,
        }
        .into(),
        LiveEvent::Ended {
            live_id: id(4),
            at: start + chrono::TimeDelta::hours(1),
        }
        .into(),
        LiveEvent::Cancelled {
            live_id: id(8),
            at: at(),
        }
        .into(),
        VideoEvent::Published(PublishedVideo {
            video_id: id(60),
            merchant_id: id(5),
            creator_id: Some(id(1)),
            collaboration_id: Some(id(61)),
            published_by: Party::Creator,
            title: "망원 빵 언박싱".into(),
            url: "https://youtube.com/watch?v=golmok".into(),
            platform: Platform::Youtube,
            products: vec![id(6), id(7)],
            at: at(),
        })
        .into(),
        VideoEvent::Unpublished {
            video_id: id(60),
            at: start,
        }
        .into(),
        CohortEvent::Opened(Opened {
            cohort_id: id(9),
            name: "2026 봄 1기".into(),
            sessions: vec![
                Session {
                    title: "라이브 커머스 기초".into(),
                    at: start,
                },
                Session {
                    title: "촬영과 조명".into(),
                    at: start + chrono::TimeDelta::weeks(1),
                },
            ],
            capacity: 30,
            pass_mark: 2,
            at: at(),
        })
        .into(),
        CohortEvent::Enrolled {
            cohort_id: id(9),
            creator_id: id(1),
            at: at(),
        }
        .into(),
        CohortEvent::AttendanceRecorded {
            cohort_id: id(9),
            session: 0,
            creator_ids: vec![id(1)],
            at: start,
        }
        .into(),
        CohortEvent::Completed {
            cohort_id: id(9),
            certified: vec![id(1)],
            at: start + chrono::TimeDelta::weeks(1),
        }
        .into(),
        TieInEvent::Created(TieInCreated {
            tie_in_id: id(4),
            name: "MAMA 2026".into(),
            partner: "mama".into(),
            starts: "2026-11-01T00:00:00Z".parse().expect("fixed instant"),
            ends: "2026-12-01T00:00:00Z".parse().expect("fixed instant"),
            tags: vec!["kpop".into()],
            categories: vec![],
            regions: vec!["seoul-mapo".into()],
            at: at(),
        })
        .into(),
        PromotionEvent::Published(Published {
            promotion_id: id(5),
            merchant_id: id(6),
            collaboration_id: None,
            title: "MAMA fan kit".into(),
            products: vec![id(7)],
            offer: Offer::PercentOff { bps: 1_500 },
            starts: at(),
            ends: "2026-11-30T15:00:00Z".parse().expect("fixed instant"),
            tags: vec!["kpop".into(), "snack".into()],
            categories: vec!["food".into()],
            region: "seoul-mapo".into(),
            tie_in: Some(id(4)),
            at: at(),
        })
        .into(),
        PromotionEvent::Withdrawn {
            promotion_id: id(5),
            at: at(),
        }
        .into(),
        PromotionEvent::Expired {
            promotion_id: id(5),
            at: at(),
        }
        .into(),
    ]
    .into_iter()
    .chain(super::collaboration_codec::samples(at(), id))
    .chain(vec![
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
    ])
    .chain(super::commissions::samples(at(), id))
    .collect()
}
