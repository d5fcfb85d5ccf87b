//! The codec of creator-media events, as a table: each entry maps a domain
//! event onto its published wire struct (`golmok_contracts::creator_media`,
//! schemas in `schemas/events/creator-media/`). Domain events never derive
//! `Serialize`; this module is the only place in the service that knows the
//! wire.

use golmok_contracts::creator_media::*;
use golmok_contracts::map_codes;
use golmok_kernel::{AggregateCodec, Wire, event_table, wire_struct};

use super::collaboration_codec::{
    proposed_from_wire, proposed_to_wire, requested_from_wire, requested_to_wire,
};
use crate::domain::collaboration::CollaborationEvent;
use crate::domain::creator::{
    self, Channel, ClaimEvent, CreatorEvent, Handle, Profile, ProfileUpdated,
};
use crate::domain::studio::{DayEvent, StudioCreated, StudioEvent};

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
    Collaboration(CollaborationEvent) {
        Proposed { proposal } => CollaborationProposed @ 1: CollaborationProposedV1
            via(proposed_to_wire, proposed_from_wire),
        Accepted { by, at } => CollaborationAccepted @ 1: CollaborationAcceptedV1,
        Declined { by, at } => CollaborationDeclined @ 1: CollaborationDeclinedV1,
        Ended { by, at } => CollaborationEnded @ 1: CollaborationEndedV1,
        Expired { at } => CollaborationExpired @ 1: CollaborationExpiredV1,
        ActionRequested { entry_id, action, actor, at }
            => DelegatedActionRequested @ 1: DelegatedActionRequestedV1
            via(requested_to_wire, requested_from_wire),
        ActionCompleted { entry_id, error_code, at }
            => DelegatedActionCompleted @ 1: DelegatedActionCompletedV1,
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
pub type CollaborationCodec = AggregateCodec<CreatorMediaCodec, CollaborationEvent>;
