//! The codec of creator-media events, as a table: each entry maps a domain
//! event onto its published wire struct (`golmok_contracts::creator_media`,
//! schemas in `schemas/events/creator-media/`). Domain events never derive
//! `Serialize`; this module is the only place in the service that knows the
//! wire.

use golmok_contracts::creator_media::*;
use golmok_contracts::map_codes;
use golmok_kernel::{AggregateCodec, Wire, event_table, wire_struct};

use crate::domain::creator::{
    self, Channel, ClaimEvent, CreatorEvent, Handle, Profile, ProfileUpdated,
};
use crate::domain::studio::{DayEvent, StudioCreated, StudioEvent};
use crate::domain::webhook::{Endpoint, WebhookEvent};

event_table! {
    /// Every event the creator-media service writes.
    pub enum CreatorMediaEvent;
    /// The codec of every creator-media event.
    pub struct CreatorMediaCodec for SERVICE;

    Creator(CreatorEvent) {
        Registered(Profile {
            creator_id, handle, owner, display_name, channels, categories, region, languages,
            registered_at: at,
        }) => CreatorRegistered @ 1: CreatorRegisteredV1,
        ProfileUpdated(ProfileUpdated { display_name, channels, categories, region, languages, at })
            => CreatorProfileUpdated @ 1: CreatorProfileUpdatedV1,
    }
    Claim(ClaimEvent) {
        HandleClaimed { handle, creator_id, at } => HandleClaimed @ 1: HandleClaimedV1,
    }
    Studio(StudioEvent) {
        Created(StudioCreated {
            studio_id, name, region, slot_minutes, open_hour, close_hour, at,
        }) => StudioCreated @ 1: StudioCreatedV1,
    }
    Day(DayEvent) {
        SlotBooked { booking_id, studio_id, creator_id, start, end, at }
            => SlotBooked @ 1: SlotBookedV1,
        BookingCancelled { booking_id, studio_id, start, at }
            => BookingCancelled @ 1: BookingCancelledV1,
    }
    Webhook(WebhookEvent) {
        Registered(Endpoint { webhook_id, tie_in, partner, url, description, secret_id, at })
            => WebhookRegistered @ 1: WebhookRegisteredV1,
        SecretRotated { webhook_id, secret_id, at } => WebhookSecretRotated @ 1: WebhookSecretRotatedV1,
        Disabled { webhook_id, at } => WebhookDisabled @ 1: WebhookDisabledV1,
        Deleted { webhook_id, at } => WebhookDeleted @ 1: WebhookDeletedV1,
    }
}

map_codes!(Platform <=> creator::Platform { Youtube, Instagram, Tiktok, NaverBlog, Chzzk, Other });
wire_struct!(Channel { platform, url, audience } <=> ChannelV1);

/// A handle read back is parsed again: what is stored is always a valid handle.
impl Wire for Handle {
    type Wire = String;

    fn to_wire(&self) -> String {
        self.as_str().to_owned()
    }

    fn from_wire(wire: String) -> Result<Self, String> {
        Handle::parse(&wire).map_err(|e| e.to_string())
    }
}

#[cfg(any(test, feature = "samples"))]
impl golmok_kernel::EventSamples for CreatorMediaCodec {
    fn samples() -> Vec<CreatorMediaEvent> {
        super::samples::all()
    }
}

pub type CreatorCodec = AggregateCodec<CreatorMediaCodec, CreatorEvent>;
pub type ClaimCodec = AggregateCodec<CreatorMediaCodec, ClaimEvent>;
pub type StudioCodec = AggregateCodec<CreatorMediaCodec, StudioEvent>;
pub type DayCodec = AggregateCodec<CreatorMediaCodec, DayEvent>;
pub type WebhookCodec = AggregateCodec<CreatorMediaCodec, WebhookEvent>;
