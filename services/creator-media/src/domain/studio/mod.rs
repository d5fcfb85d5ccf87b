//! Shared studios (stream `studio-<id>`) and their bookings, one stream per
//! studio and day (`studio-day-<studio>-<KST date>`): a slot is taken by a
//! conditional append to its day's stream, so two bookings of one slot can
//! never both succeed.

mod day;
mod decider;
#[cfg(test)]
mod tests;

pub use day::{Booking, BookingError, DayCommand, DayEvent, DayState, StudioDay, day_of};
pub use decider::{
    Studio, StudioCommand, StudioCreated, StudioError, StudioEvent, StudioState, Terms,
};
