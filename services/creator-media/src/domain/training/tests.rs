use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::{DeciderSpec, Given};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn now() -> DateTime<Utc> {
    "2026-03-02T01:00:00Z".parse().unwrap()
}

fn opened(capacity: u16, pass_mark: u8) -> Opened {
    Opened {
        cohort_id: Uuid::from_u128(1),
        name: " 2026 봄 1기 ".into(),
        sessions: (0..3)
            .map(|n| Session {
                title: format!("세션 {n}"),
                at: now() + TimeDelta::weeks(n),
            })
            .collect(),
        capacity,
        pass_mark,
        at: now(),
    }
}

fn creator(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

fn cohort(capacity: u16, pass_mark: u8) -> DeciderSpec<Cohort> {
    Cohort::given_nothing().and([CohortCommand::Open(opened(capacity, pass_mark))])
}

fn enroll(n: u128) -> CohortCommand {
    CohortCommand::Enroll {
        creator_id: creator(n),
        at: now(),
    }
}

fn attend(session: u8, who: &[u128]) -> CohortCommand {
    CohortCommand::RecordAttendance {
        session,
        creator_ids: who.iter().map(|n| creator(*n)).collect(),
        at: now(),
    }
}

#[test]
fn a_cohort_opens_once_and_bad_terms_name_their_field() {
    let events = Cohort::given_nothing()
        .when(CohortCommand::Open(opened(30, 2)))
        .events();
    let [CohortEvent::Opened(kept)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(kept.name, "2026 봄 1기");
    cohort(30, 2)
        .when(CohortCommand::Open(opened(30, 2)))
        .then_error(CohortError::AlreadyOpened);
    let mut unordered = opened(30, 2);
    unordered.sessions.swap(0, 2);
    let mut untitled = opened(30, 2);
    untitled.sessions[1].title = " ".into();
    for (bad, code, field) in [
        (opened(0, 1), "COHORT_CAPACITY_INVALID", "capacity"),
        (opened(501, 1), "COHORT_CAPACITY_INVALID", "capacity"),
        (opened(30, 0), "PASS_MARK_INVALID", "passMark"),
        (opened(30, 4), "PASS_MARK_INVALID", "passMark"),
        (unordered, "COHORT_SESSIONS_INVALID", "sessions"),
        (untitled, "FIELD_REQUIRED", "sessions"),
    ] {
        let error = Cohort::given_nothing()
            .when(CohortCommand::Open(bad))
            .error();
        assert_eq!((error.code(), error.field()), (code, Some(field)));
    }
}

#[test]
fn enrollment_stops_at_capacity_and_repeats_change_nothing() {
    let full = cohort(2, 1).and([enroll(1), enroll(2)]);
    full.when(enroll(3)).then_error(CohortError::Full);
    full.when(enroll(1)).then_nothing();
    Cohort::given_nothing()
        .when(enroll(1))
        .then_error(CohortError::NotFound);
}

#[test]
fn completing_certifies_those_who_attended_the_pass_mark() {
    let given = cohort(30, 2).and([
        enroll(1),
        enroll(2),
        enroll(3),
        attend(0, &[1, 2, 3]),
        attend(1, &[1]),
        attend(2, &[2]),
    ]);
    given.when(attend(0, &[1, 1])).then_nothing();
    given
        .when(attend(3, &[1]))
        .then_error(CohortError::SessionNotFound);
    given
        .when(attend(1, &[9]))
        .then_error(CohortError::NotEnrolled);
    given
        .when(CohortCommand::Complete { at: now() })
        .then([CohortEvent::Completed {
            cohort_id: Uuid::from_u128(1),
            certified: vec![creator(1), creator(2)],
            at: now(),
        }]);
    let completed = given.and([CohortCommand::Complete { at: now() }]);
    for late in [
        enroll(4),
        attend(2, &[3]),
        CohortCommand::Complete { at: now() },
    ] {
        completed.when(late).then_error(CohortError::Completed);
    }
}

#[test]
fn the_tier_follows_certification_and_reach_and_decides_placement() {
    assert_eq!(tier(0, 5_000_000), Tier::New);
    assert_eq!(tier(1, FEATURED_REACH - 1), Tier::Certified);
    assert_eq!(tier(2, FEATURED_REACH), Tier::Featured);
    assert!(!Tier::New.placed());
    assert!(Tier::Certified.placed() && Tier::Featured.placed());
}

proptest! {
    /// Whatever is recorded, only enrolled creators are certified, never
    /// more than the capacity, and each certified one attended at least the
    /// pass mark of distinct sessions.
    #[test]
    fn only_enrolled_creators_who_attended_enough_are_certified(
        commands in prop::collection::vec(prop_oneof![
            (0u128..8).prop_map(enroll),
            (0u8..3, prop::collection::vec(0u128..8, 0..4))
                .prop_map(|(session, who)| attend(session, &who)),
        ], 0..40),
    ) {
        let mut state = Cohort::evolve(CohortState::default(), &CohortEvent::Opened(opened(5, 2)));
        for command in commands {
            for event in Cohort::decide(&state, &command).unwrap_or_default() {
                state = Cohort::evolve(state, &event);
            }
        }
        let events = Cohort::decide(&state, &CohortCommand::Complete { at: now() }).unwrap();
        let [CohortEvent::Completed { certified, .. }] = events.as_slice() else {
            panic!("{events:?}")
        };
        prop_assert!(state.enrolled.len() <= 5);
        for id in certified {
            prop_assert!(state.enrolled.contains(id));
            prop_assert!(state.attended[id].len() >= 2);
        }
    }
}
