use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::{DeciderSpec, Given};
use uuid::Uuid;

use super::*;
use crate::domain::collaboration::Party;
use crate::domain::creator::Platform;

fn now() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn published() -> Published {
    Published {
        video_id: Uuid::from_u128(100),
        merchant_id: Uuid::from_u128(200),
        creator_id: Some(Uuid::from_u128(300)),
        collaboration_id: Some(Uuid::from_u128(400)),
        published_by: Party::Creator,
        title: " 망원 빵 언박싱 ".to_owned(),
        url: " https://youtube.com/watch?v=golmok ".to_owned(),
        platform: Platform::Youtube,
        products: vec![Uuid::from_u128(1), Uuid::from_u128(2)],
        at: now(),
    }
}

fn publish(published: Published) -> VideoCommand {
    VideoCommand::Publish(Box::new(published))
}

fn on_show() -> DeciderSpec<Video> {
    Video::given_nothing().and([publish(published())])
}

#[test]
fn a_video_is_published_with_a_trimmed_title_and_url() {
    let events = Video::given_nothing().when(publish(published())).events();
    let [VideoEvent::Published(kept)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(kept.title, "망원 빵 언박싱");
    assert_eq!(kept.url, "https://youtube.com/watch?v=golmok");
    assert_eq!(kept.products, published().products);
    on_show()
        .when(publish(published()))
        .then_error(VideoError::AlreadyPublished);
}

#[test]
fn a_merchant_publishes_without_crediting_a_creator() {
    let own = Published {
        creator_id: None,
        collaboration_id: None,
        published_by: Party::Merchant,
        ..published()
    };
    let events = Video::given_nothing().when(publish(own)).events();
    assert!(matches!(
        events.as_slice(),
        [VideoEvent::Published(Published {
            creator_id: None,
            published_by: Party::Merchant,
            ..
        })]
    ));
}

#[test]
fn a_bad_video_is_refused_with_a_code_and_a_field() {
    let products = |n: u128| (0..n).map(Uuid::from_u128).collect::<Vec<_>>();
    let cases: Vec<(Published, &str, &str)> = vec![
        (
            Published {
                title: " ".into(),
                ..published()
            },
            "FIELD_REQUIRED",
            "title",
        ),
        (
            Published {
                title: "가".repeat(81),
                ..published()
            },
            "FIELD_TOO_LONG",
            "title",
        ),
        (
            Published {
                url: "http://youtube.com/watch".into(),
                ..published()
            },
            "VIDEO_URL_INVALID",
            "url",
        ),
        (
            // The webhook rules let http:// to loopback in; a video does not.
            Published {
                url: "http://localhost/video".into(),
                ..published()
            },
            "VIDEO_URL_INVALID",
            "url",
        ),
        (
            Published {
                url: format!("https://youtube.com/{}", "a".repeat(481)),
                ..published()
            },
            "VIDEO_URL_INVALID",
            "url",
        ),
        (
            Published {
                url: "https://user:pw@youtube.com/".into(),
                ..published()
            },
            "VIDEO_URL_INVALID",
            "url",
        ),
        (
            Published {
                products: vec![],
                ..published()
            },
            "VIDEO_PRODUCTS_INVALID",
            "products",
        ),
        (
            Published {
                products: products(21),
                ..published()
            },
            "VIDEO_PRODUCTS_INVALID",
            "products",
        ),
        (
            Published {
                products: vec![Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(1)],
                ..published()
            },
            "DUPLICATE_ENTRY",
            "products",
        ),
        (
            Published {
                creator_id: None,
                collaboration_id: None,
                ..published()
            },
            "FIELD_REQUIRED",
            "creatorId",
        ),
        (
            Published {
                collaboration_id: None,
                ..published()
            },
            "COLLABORATION_REQUIRED",
            "creatorId",
        ),
    ];
    for (bad, code, field) in cases {
        let error = Video::given_nothing().when(publish(bad)).error();
        assert_eq!((error.code(), error.field()), (code, Some(field)));
    }
    let longest = Published {
        url: format!("https://youtube.com/{}", "a".repeat(480)),
        products: products(20),
        ..published()
    };
    assert_eq!(longest.url.len(), URL_MAX);
    assert_eq!(
        Video::given_nothing().when(publish(longest)).events().len(),
        1
    );
}

#[test]
fn a_video_is_unpublished_once() {
    let later = now() + TimeDelta::hours(1);
    on_show()
        .when(VideoCommand::Unpublish { at: later })
        .then([VideoEvent::Unpublished {
            video_id: published().video_id,
            at: later,
        }]);
    let down = on_show().and([VideoCommand::Unpublish { at: later }]);
    assert!(matches!(down.state(), VideoState::Unpublished(_, at) if at == later));
    assert_eq!(
        down.state().published().map(|p| p.video_id),
        Some(published().video_id)
    );
    let error = down.when(VideoCommand::Unpublish { at: later }).error();
    assert_eq!(error, VideoError::NotPublished);
    assert_eq!(error.code(), "VIDEO_NOT_PUBLISHED");
    on_show()
        .and([VideoCommand::Unpublish { at: later }])
        .when(publish(published()))
        .then_error(VideoError::AlreadyPublished);
    Video::given_nothing()
        .when(VideoCommand::Unpublish { at: later })
        .then_error(VideoError::NotFound);
}

#[test]
fn evolving_an_unpublishing_of_nothing_keeps_nothing() {
    let state = Video::evolve(
        VideoState::Unknown,
        &VideoEvent::Unpublished {
            video_id: Uuid::from_u128(100),
            at: now(),
        },
    );
    assert_eq!(state, VideoState::Unknown);
}
