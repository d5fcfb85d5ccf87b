use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn now() -> DateTime<Utc> {
    at("2026-11-01T00:00:00Z")
}

fn ends() -> DateTime<Utc> {
    at("2026-11-10T00:00:00Z")
}

fn draft() -> Published {
    Published {
        promotion_id: Uuid::from_u128(1),
        merchant_id: Uuid::from_u128(2),
        collaboration_id: None,
        title: " Fan kit ".into(),
        products: vec![Uuid::from_u128(3), Uuid::from_u128(4)],
        offer: Offer::PercentOff { bps: 1_500 },
        starts: now(),
        ends: ends(),
        tags: vec!["KPop".into(), "kpop".into()],
        categories: vec!["Food".into()],
        region: " Seoul-Mapo ".into(),
        tie_in: None,
        at: now(),
    }
}

fn published() -> PromotionEvent {
    PromotionEvent::Published(Published {
        title: "Fan kit".into(),
        tags: vec!["kpop".into()],
        categories: vec!["food".into()],
        region: "seoul-mapo".into(),
        ..draft()
    })
}

#[test]
fn given_nothing_when_published_then_it_is_live_and_normalised() {
    Promotion::given_nothing()
        .when(PromotionCommand::Publish(Box::new(draft())))
        .then([published()]);
    Promotion::given(&[published()])
        .when(PromotionCommand::Publish(Box::new(draft())))
        .then_error(PromotionError::AlreadyExists);
}

#[test]
fn bad_input_is_refused_with_its_code_and_field() {
    let many: Vec<Uuid> = (0..51).map(Uuid::from_u128).collect();
    let cases = [
        (
            Published {
                title: "".into(),
                ..draft()
            },
            "FIELD_REQUIRED",
            "title",
        ),
        (
            Published {
                products: vec![],
                ..draft()
            },
            "LIST_EMPTY",
            "products",
        ),
        (
            Published {
                products: many,
                ..draft()
            },
            "LIST_TOO_LONG",
            "products",
        ),
        (
            Published {
                products: vec![Uuid::from_u128(3), Uuid::from_u128(3)],
                ..draft()
            },
            "DUPLICATE_ENTRY",
            "products[1]",
        ),
        (
            Published {
                offer: Offer::PercentOff { bps: 0 },
                ..draft()
            },
            "OFFER_INVALID",
            "offer",
        ),
        (
            Published {
                offer: Offer::PercentOff { bps: 10_001 },
                ..draft()
            },
            "OFFER_INVALID",
            "offer",
        ),
        (
            Published {
                offer: Offer::AmountOff { won: 0 },
                ..draft()
            },
            "OFFER_INVALID",
            "offer",
        ),
        (
            Published {
                offer: Offer::Code {
                    code: "mama".into(),
                },
                ..draft()
            },
            "OFFER_INVALID",
            "offer",
        ),
        (
            Published {
                offer: Offer::Code { code: "MAM".into() },
                ..draft()
            },
            "OFFER_INVALID",
            "offer",
        ),
        (
            Published {
                starts: ends(),
                ..draft()
            },
            "PERIOD_INVALID",
            "ends",
        ),
        (
            Published {
                starts: now() - TimeDelta::days(9),
                ends: now(),
                ..draft()
            },
            "PROMOTION_ENDS_IN_PAST",
            "ends",
        ),
        (
            Published {
                region: " ".into(),
                ..draft()
            },
            "FIELD_REQUIRED",
            "region",
        ),
        (
            Published {
                tags: vec!["a\u{7}b".into()],
                ..draft()
            },
            "INVALID_TEXT",
            "tags[0]",
        ),
    ];
    for (input, code, field) in cases {
        let error = Promotion::given_nothing()
            .when(PromotionCommand::Publish(Box::new(input)))
            .error();
        assert_eq!(
            (error.code(), error.field().as_deref()),
            (code, Some(field))
        );
    }
    for offer in [
        Offer::PercentOff { bps: 10_000 },
        Offer::AmountOff { won: 1 },
        Offer::Code {
            code: "MAMA-2026".into(),
        },
    ] {
        assert!(
            Promotion::given_nothing()
                .when(PromotionCommand::Publish(Box::new(Published {
                    offer,
                    ..draft()
                })))
                .result()
                .is_ok()
        );
    }
}

#[test]
fn given_a_live_promotion_when_withdrawn_then_it_is_not_live_any_more() {
    let withdrawn = PromotionEvent::Withdrawn {
        promotion_id: Uuid::from_u128(1),
        at: now(),
    };
    Promotion::given(&[published()])
        .when(PromotionCommand::Withdraw { at: now() })
        .then([withdrawn.clone()]);
    Promotion::given(&[published(), withdrawn])
        .when(PromotionCommand::Withdraw { at: now() })
        .then_error(PromotionError::NotLive);
    // Past its end it is no longer live, even before the expiry ran.
    Promotion::given(&[published()])
        .when(PromotionCommand::Withdraw { at: ends() })
        .then_error(PromotionError::NotLive);
    Promotion::given_nothing()
        .when(PromotionCommand::Withdraw { at: now() })
        .then_error(PromotionError::NotFound);
}

#[test]
fn given_a_live_promotion_it_expires_once_at_its_end() {
    Promotion::given(&[published()])
        .when(PromotionCommand::Expire { at: now() })
        .then_error(PromotionError::NotEnded);
    let expired = PromotionEvent::Expired {
        promotion_id: Uuid::from_u128(1),
        at: ends(),
    };
    Promotion::given(&[published()])
        .when(PromotionCommand::Expire { at: ends() })
        .then([expired.clone()]);
    Promotion::given(&[published(), expired])
        .when(PromotionCommand::Expire { at: ends() })
        .then_nothing();
}

proptest! {
    /// Whatever withdrawals and expiries arrive, in any order and at any
    /// time, a withdrawn promotion never expires and an expired one is
    /// never withdrawn: at most one of the two is ever decided.
    #[test]
    fn a_withdrawn_promotion_never_expires(ops in prop::collection::vec((any::<bool>(), 0i64..20), 1..30)) {
        let mut state = Promotion::fold(&[published()]);
        let mut endings = 0;
        for (withdraw, day) in ops {
            let at = now() + TimeDelta::days(day);
            let command = if withdraw {
                PromotionCommand::Withdraw { at }
            } else {
                PromotionCommand::Expire { at }
            };
            if let Ok(events) = Promotion::decide(&state, &command) {
                endings += events.len();
                state = events.iter().fold(state, Promotion::evolve);
            }
            prop_assert!(endings <= 1);
        }
        if let PromotionState::Withdrawn(_, _) = state {
            let expire = PromotionCommand::Expire { at: ends() };
            prop_assert_eq!(Promotion::decide(&state, &expire), Ok(Vec::new()));
        }
    }
}
