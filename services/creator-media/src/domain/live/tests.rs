use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::testing::{DeciderSpec, Given};
use golmok_kernel::{Decider, Won};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn now() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn product(n: u128, live_price: Option<i64>) -> TaggedProduct {
    TaggedProduct {
        product_id: Uuid::from_u128(n),
        live_price: live_price.map(Won),
    }
}

fn schedule() -> Schedule {
    Schedule {
        live_id: Uuid::from_u128(100),
        merchant_id: Uuid::from_u128(200),
        host_creator_id: Some(Uuid::from_u128(300)),
        title: " 망원 빵 라이브 ".to_owned(),
        starts_at: now() + TimeDelta::hours(2),
        products: vec![product(1, Some(3_000)), product(2, None)],
        at: now(),
    }
}

fn scheduled() -> DeciderSpec<Live> {
    Live::given_nothing().and([LiveCommand::Schedule(schedule())])
}

fn on_air() -> DeciderSpec<Live> {
    scheduled().and([LiveCommand::Start { at: now() }])
}

#[test]
fn a_live_is_scheduled_with_its_products_and_a_trimmed_title() {
    let events = Live::given_nothing()
        .when(LiveCommand::Schedule(schedule()))
        .events();
    let [LiveEvent::Scheduled(kept)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(kept.title, "망원 빵 라이브");
    assert_eq!(kept.products, schedule().products);
    scheduled()
        .when(LiveCommand::Schedule(schedule()))
        .then_error(LiveError::AlreadyScheduled);
}

#[test]
fn a_bad_schedule_is_refused_with_a_code_and_a_field() {
    let cases: Vec<(Schedule, &str, &str)> = vec![
        (
            Schedule {
                title: " ".into(),
                ..schedule()
            },
            "FIELD_REQUIRED",
            "title",
        ),
        (
            Schedule {
                products: vec![],
                ..schedule()
            },
            "LIVE_PRODUCTS_INVALID",
            "products",
        ),
        (
            Schedule {
                products: (0..21).map(|n| product(n, None)).collect(),
                ..schedule()
            },
            "LIVE_PRODUCTS_INVALID",
            "products",
        ),
        (
            Schedule {
                products: vec![product(1, None), product(1, Some(10))],
                ..schedule()
            },
            "DUPLICATE_ENTRY",
            "products",
        ),
        (
            Schedule {
                products: vec![product(1, Some(0))],
                ..schedule()
            },
            "LIVE_PRICE_INVALID",
            "products",
        ),
        (
            Schedule {
                starts_at: now(),
                ..schedule()
            },
            "LIVE_START_OUT_OF_RANGE",
            "startsAt",
        ),
        (
            Schedule {
                starts_at: now() + TimeDelta::days(367),
                ..schedule()
            },
            "LIVE_START_OUT_OF_RANGE",
            "startsAt",
        ),
    ];
    for (bad, code, field) in cases {
        let error = Live::given_nothing()
            .when(LiveCommand::Schedule(bad))
            .error();
        assert_eq!((error.code(), error.field()), (code, Some(field)));
    }
}

#[test]
fn a_live_starts_pins_tagged_products_one_at_a_time_and_ends() {
    scheduled()
        .when(LiveCommand::Start { at: now() })
        .then([LiveEvent::Started {
            live_id: schedule().live_id,
            at: now(),
        }]);
    let pin = |n| LiveCommand::Pin {
        product_id: Uuid::from_u128(n),
        at: now(),
    };
    on_air().when(pin(1)).then([LiveEvent::ProductPinned {
        live_id: schedule().live_id,
        product_id: Uuid::from_u128(1),
        at: now(),
    }]);
    on_air().and([pin(1)]).when(pin(1)).then_nothing();
    let state = on_air().and([pin(1), pin(2)]).state();
    assert!(matches!(state, LiveState::Known { pinned: Some(p), .. } if p == Uuid::from_u128(2)));
    on_air()
        .when(pin(9))
        .then_error(LiveError::ProductNotTagged);
    scheduled()
        .when(pin(1))
        .then_error(LiveError::NotLive(LiveStatus::Scheduled));
    let ended = on_air().and([pin(1), LiveCommand::End { at: now() }]);
    assert!(matches!(
        ended.state(),
        LiveState::Known {
            status: LiveStatus::Ended,
            pinned: None,
            ended_at: Some(_),
            ..
        }
    ));
    ended.when(LiveCommand::End { at: now() }).then_nothing();
    ended
        .when(LiveCommand::Start { at: now() })
        .then_error(LiveError::NotScheduled(LiveStatus::Ended));
    ended
        .when(pin(1))
        .then_error(LiveError::NotLive(LiveStatus::Ended));
}

#[test]
fn only_a_scheduled_live_is_cancelled_and_a_cancelled_one_never_starts() {
    let cancelled = scheduled().and([LiveCommand::Cancel { at: now() }]);
    assert_eq!(cancelled.state().status(), Some(LiveStatus::Cancelled));
    cancelled
        .when(LiveCommand::Cancel { at: now() })
        .then_nothing();
    cancelled
        .when(LiveCommand::Start { at: now() })
        .then_error(LiveError::NotScheduled(LiveStatus::Cancelled));
    on_air()
        .when(LiveCommand::Cancel { at: now() })
        .then_error(LiveError::NotScheduled(LiveStatus::Live));
    Live::given_nothing()
        .when(LiveCommand::Start { at: now() })
        .then_error(LiveError::NotFound);
}

fn command() -> impl Strategy<Value = LiveCommand> {
    prop_oneof![
        Just(LiveCommand::Start { at: now() }),
        Just(LiveCommand::End { at: now() }),
        Just(LiveCommand::Cancel { at: now() }),
        (0u128..4).prop_map(|n| LiveCommand::Pin {
            product_id: Uuid::from_u128(n),
            at: now()
        }),
    ]
}

proptest! {
    /// Whatever is tried in whatever order, a live goes forward only
    /// (scheduled → on air → ended, or scheduled → cancelled), and only a
    /// tagged product is ever pinned, only while on air.
    #[test]
    fn a_live_only_moves_forward_and_pins_only_tagged_products_on_air(
        commands in prop::collection::vec(command(), 0..30)
    ) {
        let rank = |status: LiveStatus| match status {
            LiveStatus::Scheduled => 0,
            LiveStatus::Live => 1,
            LiveStatus::Ended | LiveStatus::Cancelled => 2,
        };
        let mut state = Live::evolve(LiveState::Unknown, &LiveEvent::Scheduled(schedule()));
        for command in commands {
            let before = state.status().expect("scheduled");
            let events = Live::decide(&state, &command).unwrap_or_default();
            for event in &events {
                if let LiveEvent::ProductPinned { product_id, .. } = event {
                    prop_assert_eq!(before, LiveStatus::Live);
                    prop_assert!(schedule().products.iter().any(|p| p.product_id == *product_id));
                }
                state = Live::evolve(state, event);
            }
            let after = state.status().expect("scheduled");
            prop_assert!(rank(after) >= rank(before), "{:?} -> {:?}", before, after);
        }
    }
}
