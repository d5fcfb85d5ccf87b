use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// 09:00–21:00 KST in slots of an hour.
fn terms() -> Terms {
    Terms::new(60, 9, 21).unwrap()
}

fn now() -> DateTime<Utc> {
    at("2026-06-01T00:00:00Z")
}

/// 10:00 KST on 2 June 2026.
fn ten() -> DateTime<Utc> {
    at("2026-06-02T01:00:00Z")
}

fn book(booking_id: Uuid, start: DateTime<Utc>) -> DayCommand {
    DayCommand::Book {
        booking_id,
        studio_id: Uuid::nil(),
        creator_id: Uuid::nil(),
        terms: terms(),
        start,
        now: now(),
    }
}

#[test]
fn terms_are_checked() {
    assert_eq!(Terms::new(60, 9, 21).unwrap().slot_minutes, 60);
    for (slot, open, close, code) in [
        (60, 21, 9, "OPENING_HOURS_INVALID"),
        (60, 9, 25, "OPENING_HOURS_INVALID"),
        (60, -1, 9, "OPENING_HOURS_INVALID"),
        (10, 9, 21, "SLOT_LENGTH_INVALID"),
        (481, 0, 24, "SLOT_LENGTH_INVALID"),
        (50, 9, 21, "SLOT_LENGTH_INVALID"),
        (i64::MAX, 9, 21, "SLOT_LENGTH_INVALID"),
    ] {
        assert_eq!(
            Terms::new(slot, open, close).unwrap_err().code(),
            code,
            "{slot} {open} {close}"
        );
    }
}

#[test]
fn a_studio_is_created_once_with_trimmed_names() {
    let created = StudioCreated {
        studio_id: Uuid::nil(),
        name: " Studio A ".into(),
        region: "Seoul".into(),
        slot_minutes: 60,
        open_hour: 9,
        close_hour: 21,
        at: now(),
    };
    let events = Studio::given_nothing()
        .when(StudioCommand::Create(created.clone()))
        .events();
    let StudioEvent::Created(kept) = &events[0];
    assert_eq!(kept.name, "Studio A");
    let other = StudioCreated {
        name: "B".into(),
        ..created.clone()
    };
    Studio::given(&events)
        .when(StudioCommand::Create(other))
        .then_error(StudioError::AlreadyExists);
    let blank = StudioCreated {
        name: " ".into(),
        ..created
    };
    let error = Studio::given_nothing()
        .when(StudioCommand::Create(blank))
        .error();
    assert_eq!(
        (error.code(), error.field()),
        ("FIELD_REQUIRED", Some("name"))
    );
}

#[test]
fn given_a_free_slot_when_booked_then_it_is_taken_for_one_slot_length() {
    let id = Uuid::now_v7();
    StudioDay::given_nothing()
        .when(book(id, ten()))
        .then([DayEvent::SlotBooked {
            booking_id: id,
            studio_id: Uuid::nil(),
            creator_id: Uuid::nil(),
            start: ten(),
            end: ten() + TimeDelta::hours(1),
            at: now(),
        }]);
}

#[test]
fn given_a_booked_slot_when_another_books_it_then_it_is_taken_and_the_same_booking_is_a_no_op() {
    let first = Uuid::now_v7();
    let given = StudioDay::given_nothing().and([book(first, ten())]);
    given
        .when(book(Uuid::now_v7(), ten()))
        .then_error(BookingError::SlotTaken { booking_id: first });
    given.when(book(first, ten())).then_nothing();
    // The next slot is free.
    assert!(
        given
            .when(book(Uuid::now_v7(), ten() + TimeDelta::hours(1)))
            .result()
            .is_ok()
    );
}

#[test]
fn given_a_cancelled_booking_then_its_slot_is_free_and_it_cannot_be_cancelled_again() {
    let first = Uuid::now_v7();
    let cancel = DayCommand::Cancel {
        booking_id: first,
        at: now(),
    };
    let given = StudioDay::given_nothing().and([book(first, ten()), cancel.clone()]);
    assert!(given.state().taken.is_empty());
    given
        .when(cancel)
        .then_error(BookingError::AlreadyCancelled);
    assert!(given.when(book(Uuid::now_v7(), ten())).result().is_ok());
    StudioDay::given_nothing()
        .when(DayCommand::Cancel {
            booking_id: first,
            at: now(),
        })
        .then_error(BookingError::BookingNotFound);
}

#[test]
fn slots_outside_the_terms_are_refused_with_their_code() {
    for (start, code) in [
        ("2026-06-02T01:30:00Z", "SLOT_MISALIGNED"),
        ("2026-06-02T01:00:01Z", "SLOT_MISALIGNED"),
        ("2026-06-01T23:00:00Z", "SLOT_OUT_OF_RANGE"),
        ("2026-06-02T12:00:00Z", "SLOT_OUT_OF_RANGE"),
        ("2027-06-03T01:00:00Z", "SLOT_OUT_OF_RANGE"),
        ("2026-05-31T01:00:00Z", "SLOT_IN_PAST"),
    ] {
        let error = StudioDay::given_nothing()
            .when(book(Uuid::now_v7(), at(start)))
            .error();
        assert_eq!(error.code(), code, "{start}");
        assert_eq!(error.field(), Some("start"));
    }
}

proptest! {
    /// Whatever bookings and cancellations arrive, no slot is ever held by
    /// two bookings, and a slot is held exactly when its last booking stands.
    #[test]
    fn no_slot_is_ever_held_twice(ops in prop::collection::vec((0u8..4, 0i64..6, any::<bool>()), 1..40)) {
        let mut state = DayState::default();
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        for (who, hour, cancel) in ops {
            let id = ids[usize::from(who)];
            let command = if cancel {
                DayCommand::Cancel { booking_id: id, at: now() }
            } else {
                book(id, ten() + TimeDelta::hours(hour))
            };
            if let Ok(events) = StudioDay::decide(&state, &command) {
                state = events.iter().fold(state, StudioDay::evolve);
            }
            let live: Vec<&Booking> = state.bookings.values().filter(|b| b.cancelled_at.is_none()).collect();
            prop_assert_eq!(live.len(), state.taken.len());
            for booking in live {
                prop_assert_eq!(state.taken.get(&booking.start), Some(&booking.booking_id));
            }
        }
    }
}
