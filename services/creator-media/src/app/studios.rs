use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::{CommandMeta, ListPage, PageRequest};
use golmok_runtime::Actor;
use uuid::Uuid;

use super::projections::{BOOKING_BY_ID, STUDIO_BY_ID, STUDIOS};
use super::views::{BookingView, StudioView, booking_view, studio_view};
use super::{AppError, Committed, CreatorMedia, STUDIO};
use crate::domain::studio::{
    BookingError, DayCommand, StudioCommand, StudioCreated, StudioState, Terms, day_of,
};

/// A studio as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStudio {
    pub name: String,
    pub region: String,
    pub slot_minutes: i64,
    pub open_hour: i64,
    pub close_hour: i64,
}

/// `studio-day-<studio>-<date>`: the bookings of one studio on one day (KST).
fn day_stream(studio_id: Uuid, day: NaiveDate) -> String {
    format!("studio-day-{studio_id}-{day}")
}

impl CreatorMedia {
    pub async fn create_studio(
        &self,
        studio_id: Uuid,
        input: NewStudio,
        meta: &CommandMeta,
    ) -> Result<Committed<StudioView>, AppError> {
        let terms = Terms::new(input.slot_minutes, input.open_hour, input.close_hour)?;
        let command = StudioCommand::Create(StudioCreated {
            studio_id,
            name: input.name,
            region: input.region,
            slot_minutes: terms.slot_minutes,
            open_hour: terms.open_hour,
            close_hour: terms.close_hour,
            at: Utc::now(),
        });
        let executed = self
            .studios
            .execute(&STUDIO.of(studio_id), &command, meta)
            .await?;
        let StudioState::Open(created) = &*executed.state else {
            return Err(AppError::StudioNotFound);
        };
        let view = studio_view(created);
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// Books the slot of `studio_id` starting at `start` for a creator
    /// `actor` acts for. The slot is taken by a conditional append to the
    /// studio-day stream: of two bookings of one slot exactly one succeeds.
    pub async fn book(
        &self,
        booking_id: Uuid,
        studio_id: Uuid,
        creator_id: Uuid,
        start: DateTime<Utc>,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<BookingView>, AppError> {
        let (studio, _) = self.studios.load(&STUDIO.of(studio_id)).await?;
        let StudioState::Open(created) = &*studio else {
            return Err(AppError::StudioNotFound);
        };
        self.acting_creator(creator_id, actor).await?;
        let command = DayCommand::Book {
            booking_id,
            studio_id,
            creator_id,
            terms: created.terms(),
            start,
            now: Utc::now(),
        };
        self.day_command(
            day_stream(studio_id, day_of(start)),
            booking_id,
            command,
            meta,
        )
        .await
    }

    /// Cancels a booking, for its creator or an operator.
    pub async fn cancel_booking(
        &self,
        booking_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<BookingView>, AppError> {
        let booking: BookingView = self
            .by_id(BOOKING_BY_ID, booking_id)
            .await?
            .ok_or(BookingError::BookingNotFound)?;
        self.acting_creator(booking.creator_id, actor).await?;
        let command = DayCommand::Cancel {
            booking_id,
            at: Utc::now(),
        };
        let stream = day_stream(booking.studio_id, day_of(booking.start));
        self.day_command(stream, booking_id, command, meta).await
    }

    async fn day_command(
        &self,
        stream: String,
        booking_id: Uuid,
        command: DayCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<BookingView>, AppError> {
        let executed = self.days.execute(&stream, &command, meta).await?;
        let booking = executed
            .state
            .bookings
            .get(&booking_id)
            .ok_or(BookingError::BookingNotFound)?;
        let view = booking_view(booking);
        Ok(self.projections.committed(view, executed.position).await)
    }

    pub async fn studio(&self, id: Uuid) -> Result<Option<StudioView>, AppError> {
        self.by_id(STUDIO_BY_ID, id).await
    }

    /// Studios in creation order.
    pub async fn studios(&self, page: &PageRequest) -> Result<ListPage<StudioView>, AppError> {
        self.page(STUDIOS, page).await
    }

    pub async fn booking(&self, id: Uuid) -> Result<Option<BookingView>, AppError> {
        self.by_id(BOOKING_BY_ID, id).await
    }

    /// A studio's bookings on one day (KST), cancelled ones too, by start;
    /// read from the studio-day stream, so a booking just made is there.
    /// `None` for an unknown studio.
    pub async fn day_bookings(
        &self,
        studio_id: Uuid,
        day: NaiveDate,
    ) -> Result<Option<Vec<BookingView>>, AppError> {
        if self.studio(studio_id).await?.is_none() {
            return Ok(None);
        }
        let (state, _) = self.days.load(&day_stream(studio_id, day)).await?;
        let mut bookings: Vec<BookingView> = state.bookings.values().map(booking_view).collect();
        bookings.sort_by_key(|booking| (booking.start, booking.booked_at));
        Ok(Some(bookings))
    }
}
