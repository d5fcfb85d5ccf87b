use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use golmok_kernel::{Decider, seoul_date};
use uuid::Uuid;

use super::Terms;

/// The bookings of one studio on one day (KST): stream
/// `studio-day-<studio>-<date>`.
pub struct StudioDay;

/// How far ahead a slot may be booked.
pub const HORIZON: TimeDelta = TimeDelta::days(366);

/// The day (KST) whose stream holds a slot starting at `start`.
pub fn day_of(start: DateTime<Utc>) -> NaiveDate {
    seoul_date(start)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub booking_id: Uuid,
    pub studio_id: Uuid,
    pub creator_id: Uuid,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub booked_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayState {
    /// Every booking of the day, cancelled ones too.
    pub bookings: BTreeMap<Uuid, Booking>,
    /// The slots held now: start → booking.
    pub taken: BTreeMap<DateTime<Utc>, Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DayCommand {
    Book {
        booking_id: Uuid,
        studio_id: Uuid,
        creator_id: Uuid,
        terms: Terms,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    Cancel {
        booking_id: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum DayEvent {
    SlotBooked {
        booking_id: Uuid,
        studio_id: Uuid,
        creator_id: Uuid,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    BookingCancelled {
        booking_id: Uuid,
        studio_id: Uuid,
        start: DateTime<Utc>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("a slot starts on a whole multiple of the studio's slot length from midnight (KST)")]
    SlotMisaligned,
    #[error("the slot is outside the studio's opening hours or more than a year ahead")]
    SlotOutOfRange,
    #[error("the slot has already started")]
    SlotInPast,
    #[error("the slot is booked by another booking")]
    SlotTaken { booking_id: Uuid },
    #[error("no such booking")]
    BookingNotFound,
    #[error("the booking exists already, for another slot or cancelled")]
    BookingExists,
    #[error("the booking is already cancelled")]
    AlreadyCancelled,
}

impl BookingError {
    pub fn code(&self) -> &'static str {
        match self {
            BookingError::SlotMisaligned => "SLOT_MISALIGNED",
            BookingError::SlotOutOfRange => "SLOT_OUT_OF_RANGE",
            BookingError::SlotInPast => "SLOT_IN_PAST",
            BookingError::SlotTaken { .. } => "SLOT_TAKEN",
            BookingError::BookingNotFound => "BOOKING_NOT_FOUND",
            BookingError::BookingExists => "BOOKING_EXISTS",
            BookingError::AlreadyCancelled => "BOOKING_ALREADY_CANCELLED",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            BookingError::SlotMisaligned
            | BookingError::SlotOutOfRange
            | BookingError::SlotInPast
            | BookingError::SlotTaken { .. } => Some("start"),
            BookingError::BookingNotFound
            | BookingError::BookingExists
            | BookingError::AlreadyCancelled => None,
        }
    }
}

/// The end of the slot starting at `start`, if `start` is a slot of `terms`
/// (KST opening hours, aligned to the slot length).
fn slot_end(terms: Terms, start: DateTime<Utc>) -> Result<DateTime<Utc>, BookingError> {
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("KST is a valid offset");
    let local = start.with_timezone(&kst);
    let minute = i64::from(local.hour() * 60 + local.minute());
    let slot = i64::from(terms.slot_minutes);
    if local.second() != 0 || local.nanosecond() != 0 || minute % slot != 0 {
        return Err(BookingError::SlotMisaligned);
    }
    let open = i64::from(terms.open_hour) * 60;
    let close = i64::from(terms.close_hour) * 60;
    if minute < open || minute + slot > close {
        return Err(BookingError::SlotOutOfRange);
    }
    Ok(start + TimeDelta::minutes(slot))
}

impl DayEvent {
    /// The booking a `SlotBooked` makes.
    pub fn booking(&self) -> Option<Booking> {
        match self {
            DayEvent::SlotBooked {
                booking_id,
                studio_id,
                creator_id,
                start,
                end,
                at,
            } => Some(Booking {
                booking_id: *booking_id,
                studio_id: *studio_id,
                creator_id: *creator_id,
                start: *start,
                end: *end,
                booked_at: *at,
                cancelled_at: None,
            }),
            DayEvent::BookingCancelled { .. } => None,
        }
    }
}

impl Decider for StudioDay {
    type State = DayState;
    type Command = DayCommand;
    type Event = DayEvent;
    type Error = BookingError;

    fn decide(state: &DayState, command: &DayCommand) -> Result<Vec<DayEvent>, BookingError> {
        match command {
            DayCommand::Book {
                booking_id,
                studio_id,
                creator_id,
                terms,
                start,
                now,
            } => {
                let end = slot_end(*terms, *start)?;
                if state
                    .bookings
                    .get(booking_id)
                    .is_some_and(|b| b.start != *start || b.cancelled_at.is_some())
                {
                    return Err(BookingError::BookingExists);
                }
                if let Some(&holder) = state.taken.get(start) {
                    return if holder == *booking_id {
                        Ok(Vec::new())
                    } else {
                        Err(BookingError::SlotTaken { booking_id: holder })
                    };
                }
                if start <= now {
                    return Err(BookingError::SlotInPast);
                }
                if *start - *now > HORIZON {
                    return Err(BookingError::SlotOutOfRange);
                }
                Ok(vec![DayEvent::SlotBooked {
                    booking_id: *booking_id,
                    studio_id: *studio_id,
                    creator_id: *creator_id,
                    start: *start,
                    end,
                    at: *now,
                }])
            }
            DayCommand::Cancel { booking_id, at } => {
                let booking = state
                    .bookings
                    .get(booking_id)
                    .ok_or(BookingError::BookingNotFound)?;
                if booking.cancelled_at.is_some() {
                    return Err(BookingError::AlreadyCancelled);
                }
                Ok(vec![DayEvent::BookingCancelled {
                    booking_id: *booking_id,
                    studio_id: booking.studio_id,
                    start: booking.start,
                    at: *at,
                }])
            }
        }
    }

    fn evolve(mut state: DayState, event: &DayEvent) -> DayState {
        match event {
            DayEvent::SlotBooked { .. } => {
                if let Some(booking) = event.booking() {
                    state.taken.insert(booking.start, booking.booking_id);
                    state.bookings.insert(booking.booking_id, booking);
                }
            }
            DayEvent::BookingCancelled { booking_id, at, .. } => {
                if let Some(booking) = state.bookings.get_mut(booking_id) {
                    booking.cancelled_at = Some(*at);
                    if state.taken.get(&booking.start) == Some(booking_id) {
                        state.taken.remove(&booking.start);
                    }
                }
            }
        }
        state
    }
}
