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
use crate::domain::commission::{Accrual, CommissionEvent, Line, Payout, Returned};
use crate::domain::creator::{
    self, Channel, ClaimEvent, CreatorEvent, Handle, Profile, ProfileUpdated,
};
use crate::domain::live::{LiveEvent, Schedule, TaggedProduct};
use crate::domain::promotion::{Offer, PromotionEvent, Published};
use crate::domain::studio::{DayEvent, StudioCreated, StudioEvent};
use crate::domain::tie_in::{TieInCreated, TieInEvent};
use crate::domain::training::{CohortEvent, Opened, Session};
use crate::domain::video::{Published as PublishedVideo, VideoEvent};
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
    Live(LiveEvent) {
        Scheduled(Schedule { live_id, merchant_id, host_creator_id, title, starts_at, products, at })
            => LiveScheduled @ 1: LiveScheduledV1,
        Started { live_id, at } => LiveStarted @ 1: LiveMomentV1,
        ProductPinned { live_id, product_id, at } => LiveProductPinned @ 1: LiveProductPinnedV1,
        Ended { live_id, at } => LiveEnded @ 1: LiveMomentV1,
        Cancelled { live_id, at } => LiveCancelled @ 1: LiveMomentV1,
    }
    Video(VideoEvent) {
        Published(PublishedVideo {
            video_id, merchant_id, creator_id, collaboration_id, published_by, title, url,
            platform, products, at,
        }) => VideoPublished @ 1: VideoPublishedV1,
        Unpublished { video_id, at } => VideoUnpublished @ 1: VideoUnpublishedV1,
    }
    Cohort(CohortEvent) {
        Opened(Opened { cohort_id, name, sessions, capacity, pass_mark, at })
            => CohortOpened @ 1: CohortOpenedV1,
        Enrolled { cohort_id, creator_id, at } => CreatorEnrolled @ 1: CreatorEnrolledV1,
        AttendanceRecorded { cohort_id, session, creator_ids, at }
            => AttendanceRecorded @ 1: AttendanceRecordedV1,
        Completed { cohort_id, certified, at } => CohortCompleted @ 1: CohortCompletedV1,
    }
    TieIn(TieInEvent) {
        Created(TieInCreated {
            tie_in_id, name, partner, starts, ends, tags, categories, regions, at,
        }) => TieInCreated @ 1: TieInCreatedV1,
    }
    Promotion(PromotionEvent) {
        Published(Published {
            promotion_id, merchant_id, collaboration_id, title, products, offer, starts, ends,
            tags, categories, region, tie_in, at,
        }) => PromotionPublished @ 1: PromotionPublishedV1,
        Withdrawn { promotion_id, at } => PromotionWithdrawn @ 1: PromotionWithdrawnV1,
        Expired { promotion_id, at } => PromotionExpired @ 1: PromotionExpiredV1,
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
    Webhook(WebhookEvent) {
        Registered(Endpoint { webhook_id, tie_in, partner, url, description, secret_id, at })
            => WebhookRegistered @ 1: WebhookRegisteredV1,
        SecretRotated { webhook_id, secret_id, at } => WebhookSecretRotated @ 1: WebhookSecretRotatedV1,
        Disabled { webhook_id, at } => WebhookDisabled @ 1: WebhookDisabledV1,
        Deleted { webhook_id, at } => WebhookDeleted @ 1: WebhookDeletedV1,
    }
    Commission(CommissionEvent) {
        Accrued(Accrual {
            creator_id, order_id, merchant_id, collaboration_id, live_id, lines, amount,
            payable_at, at,
        }) => CommissionAccrued @ 1: CommissionAccruedV1,
        Payable { creator_id, order_id, amount, at } => CommissionPayable @ 1: CommissionPayableV1,
        Reversed(Returned { creator_id, order_id, return_id, lines, amount, at })
            => CommissionReversed @ 1: CommissionReturnedV1,
        ClawedBack(Returned { creator_id, order_id, return_id, lines, amount, at })
            => CommissionClawedBack @ 1: CommissionReturnedV1,
        PaidOut(Payout { creator_id, payout_id, orders, payable, clawed_back, net, at })
            => CommissionsPaidOut @ 1: CommissionsPaidOutV1,
    }
}

map_codes!(Platform <=> creator::Platform { Youtube, Instagram, Tiktok, NaverBlog, Chzzk, Other });
wire_struct!(Channel { platform, url, audience } <=> ChannelV1);
wire_struct!(TaggedProduct { product_id, live_price } <=> TaggedProductV1);
wire_struct!(Session { title, at } <=> SessionV1);
wire_struct!(Line { product_id, sales, bps, commission } <=> CommissionLineV1);

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

/// An offer read back is checked again: what is stored is always a valid offer.
impl Wire for Offer {
    type Wire = OfferV1;

    fn to_wire(&self) -> OfferV1 {
        match self {
            Offer::PercentOff { bps } => OfferV1::PercentOff { bps: *bps },
            Offer::AmountOff { won } => OfferV1::AmountOff { won: *won },
            Offer::Code { code } => OfferV1::Code { code: code.clone() },
        }
    }

    fn from_wire(wire: OfferV1) -> Result<Self, String> {
        let offer = match wire {
            OfferV1::PercentOff { bps } => Offer::PercentOff { bps },
            OfferV1::AmountOff { won } => Offer::AmountOff { won },
            OfferV1::Code { code } => Offer::Code { code },
        };
        if offer.is_valid() {
            Ok(offer)
        } else {
            Err(format!("{offer:?} is not an offer a promotion may make"))
        }
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
pub type LiveCodec = AggregateCodec<CreatorMediaCodec, LiveEvent>;
pub type VideoCodec = AggregateCodec<CreatorMediaCodec, VideoEvent>;
pub type CohortCodec = AggregateCodec<CreatorMediaCodec, CohortEvent>;
pub type TieInCodec = AggregateCodec<CreatorMediaCodec, TieInEvent>;
pub type PromotionCodec = AggregateCodec<CreatorMediaCodec, PromotionEvent>;
pub type CollaborationCodec = AggregateCodec<CreatorMediaCodec, CollaborationEvent>;
pub type WebhookCodec = AggregateCodec<CreatorMediaCodec, WebhookEvent>;
pub type CommissionCodec = AggregateCodec<CreatorMediaCodec, CommissionEvent>;
