use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http as contract;

use super::types::{Audience, Creator, Studio, StudioBooking};
use crate::relay::NodeType;
use crate::schema::context::ContextExt;
use crate::schema::outcome::{InputNames, Refusal, idempotency_key, input_id, payload, settle};
use crate::upstream::creator_media_model::Platform;
use crate::upstream::{CallError, CreatorMedia};

/// Refusals about ids in the path point at their inputs.
const NAMES: InputNames = InputNames {
    renames: &[],
    codes: &[
        ("CREATOR_NOT_FOUND", "creatorId"),
        ("STUDIO_NOT_FOUND", "studioId"),
        ("BOOKING_NOT_FOUND", "bookingId"),
    ],
};

/// A service refusal as a user error; the service names list entries
/// `channels[0].url`, the input path is `["input", "channels", "0", "url"]`.
fn refusal(error: CallError) -> Refusal {
    match NAMES.refusal(error) {
        Refusal::User(mut error) => {
            error.field = error.field.map(|path| {
                path.iter()
                    .flat_map(|segment| match segment.strip_suffix(']') {
                        Some(indexed) => indexed.split('[').map(str::to_owned).collect::<Vec<_>>(),
                        None => vec![segment.clone()],
                    })
                    .collect()
            });
            Refusal::User(error)
        }
        failed => failed,
    }
}

#[derive(InputObject)]
pub(crate) struct CreatorChannelInput {
    platform: Platform,
    /// An `http(s)://` URL.
    url: String,
    /// Followers or subscribers, 0 to 10,000,000,000.
    audience: Audience,
}

fn channels(inputs: &[CreatorChannelInput]) -> Vec<contract::Channel> {
    inputs
        .iter()
        .map(|input| contract::Channel {
            platform: input.platform,
            url: input.url.clone(),
            audience: input.audience.0,
        })
        .collect()
}

#[derive(InputObject)]
pub(crate) struct RegisterCreatorInput {
    /// Unique across creators, case-insensitively: `@` optional, 3 to 30 of
    /// `a-z 0-9 _ .`, starting with a letter or digit.
    handle: String,
    display_name: String,
    /// 1 to 10.
    channels: Vec<CreatorChannelInput>,
    /// 1 to 10 labels.
    categories: Vec<String>,
    region: String,
    /// 1 to 10 ISO 639 codes.
    languages: Vec<String>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

/// Absent fields stay as they are; a list replaces the whole list.
#[derive(InputObject)]
pub(crate) struct UpdateCreatorInput {
    /// The creator's global id.
    creator_id: ID,
    display_name: Option<String>,
    channels: Option<Vec<CreatorChannelInput>>,
    categories: Option<Vec<String>>,
    region: Option<String>,
    languages: Option<Vec<String>>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct CreateStudioInput {
    name: String,
    region: String,
    /// The length of one slot, 15 to 480, dividing the opening hours.
    slot_minutes: i32,
    /// The first bookable hour, Korea Standard Time, 0 to 23.
    open_hour: i32,
    /// The hour the last slot ends, after `openHour`, at most 24.
    close_hour: i32,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct BookStudioSlotInput {
    /// The studio's global id.
    studio_id: ID,
    /// The booking creator's global id (the caller's own creator).
    creator_id: ID,
    /// The slot's start, on a slot boundary inside the opening hours.
    start: DateTime<Utc>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct CancelStudioBookingInput {
    /// The booking's global id.
    booking_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(RegisterCreatorPayload { creator: Creator });
payload!(UpdateCreatorPayload { creator: Creator });
payload!(CreateStudioPayload { studio: Studio });
payload!(BookStudioSlotPayload {
    booking: StudioBooking
});
payload!(CancelStudioBookingPayload {
    booking: StudioBooking
});

#[derive(Default)]
pub(crate) struct CreatorMediaMutation;

#[Object]
impl CreatorMediaMutation {
    /// Registers the calling creator (a creator token) with a unique handle;
    /// a handle already held is HANDLE_TAKEN in `userErrors`.
    async fn register_creator(
        &self,
        ctx: &Context<'_>,
        input: RegisterCreatorInput,
    ) -> Result<RegisterCreatorPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::RegisterCreator {
                    handle: input.handle.clone(),
                    display_name: input.display_name.clone(),
                    channels: channels(&input.channels),
                    categories: input.categories.clone(),
                    region: input.region.clone(),
                    languages: input.languages.clone(),
                };
                let registered = request
                    .upstream::<CreatorMedia>()
                    .register_creator(&body, key)
                    .await;
                Ok(Creator(registered.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Changes a creator's profile (the creator); the handle stays.
    async fn update_creator(
        &self,
        ctx: &Context<'_>,
        input: UpdateCreatorInput,
    ) -> Result<UpdateCreatorPayload> {
        let request = ctx.request();
        settle(
            async {
                let creator = input_id(&input.creator_id, NodeType::Creator, "creatorId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::UpdateCreator {
                    display_name: input.display_name.clone(),
                    channels: input.channels.as_deref().map(channels),
                    categories: input.categories.clone(),
                    region: input.region.clone(),
                    languages: input.languages.clone(),
                };
                let updated = request
                    .upstream::<CreatorMedia>()
                    .update_creator(creator, &body, key)
                    .await;
                Ok(Creator(updated.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Opens a shared studio (officials).
    async fn create_studio(
        &self,
        ctx: &Context<'_>,
        input: CreateStudioInput,
    ) -> Result<CreateStudioPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::CreateStudio {
                    name: input.name.clone(),
                    region: input.region.clone(),
                    slot_minutes: input.slot_minutes.into(),
                    open_hour: input.open_hour.into(),
                    close_hour: input.close_hour.into(),
                };
                let created = request
                    .upstream::<CreatorMedia>()
                    .create_studio(&body, key)
                    .await;
                Ok(Studio(created.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Books a studio slot for the calling creator; of two bookings of one
    /// slot exactly one succeeds, the other is SLOT_TAKEN in `userErrors`.
    async fn book_studio_slot(
        &self,
        ctx: &Context<'_>,
        input: BookStudioSlotInput,
    ) -> Result<BookStudioSlotPayload> {
        let request = ctx.request();
        settle(
            async {
                let studio = input_id(&input.studio_id, NodeType::Studio, "studioId")?;
                let creator = input_id(&input.creator_id, NodeType::Creator, "creatorId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::BookSlot {
                    creator_id: creator,
                    start: input.start,
                };
                let booked = request
                    .upstream::<CreatorMedia>()
                    .book_slot(studio, &body, key)
                    .await;
                Ok(StudioBooking(booked.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Cancels a booking (its creator); the slot is free again.
    async fn cancel_studio_booking(
        &self,
        ctx: &Context<'_>,
        input: CancelStudioBookingInput,
    ) -> Result<CancelStudioBookingPayload> {
        let request = ctx.request();
        settle(
            async {
                let booking = input_id(&input.booking_id, NodeType::StudioBooking, "bookingId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let cancelled = request
                    .upstream::<CreatorMedia>()
                    .cancel_booking(booking, key)
                    .await;
                Ok(StudioBooking(cancelled.map_err(refusal)?))
            }
            .await,
        )
    }
}
