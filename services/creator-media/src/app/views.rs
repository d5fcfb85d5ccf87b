//! The views partners read (`golmok_contracts::creator_media::http`), from
//! the domain's states.

use golmok_contracts::creator_media::Platform;
pub use golmok_contracts::creator_media::http::{
    BookingStatus, BookingView, ChannelView, CreatorTier, CreatorView, StudioView,
};

use crate::domain::creator::{Channel, Profile};
use crate::domain::studio::{Booking, StudioCreated};
use crate::domain::training::{self, Tier};

pub fn channel_views(channels: &[Channel]) -> Vec<ChannelView> {
    channels
        .iter()
        .map(|c| ChannelView {
            platform: Platform::from(c.platform),
            url: c.url.clone(),
            audience: c.audience,
        })
        .collect()
}

pub fn creator_view(profile: &Profile, version: u64) -> CreatorView {
    CreatorView {
        id: profile.creator_id,
        handle: profile.handle.to_string(),
        display_name: profile.display_name.clone(),
        channels: channel_views(&profile.channels),
        categories: profile.categories.clone(),
        region: profile.region.clone(),
        languages: profile.languages.clone(),
        registered_at: profile.registered_at,
        version,
        tier: CreatorTier::New,
        certifications: Vec::new(),
    }
}

pub fn studio_view(studio: &StudioCreated) -> StudioView {
    StudioView {
        id: studio.studio_id,
        name: studio.name.clone(),
        region: studio.region.clone(),
        slot_minutes: studio.slot_minutes,
        open_hour: studio.open_hour,
        close_hour: studio.close_hour,
        created_at: studio.at,
    }
}

pub fn booking_view(booking: &Booking) -> BookingView {
    BookingView {
        id: booking.booking_id,
        studio_id: booking.studio_id,
        creator_id: booking.creator_id,
        start: booking.start,
        end: booking.end,
        status: match booking.cancelled_at {
            Some(_) => BookingStatus::Cancelled,
            None => BookingStatus::Booked,
        },
        booked_at: booking.booked_at,
        cancelled_at: booking.cancelled_at,
    }
}

/// The tier a creator's certifications and reach (followers over all
/// channels) give it.
pub fn tier_of(view: &CreatorView) -> CreatorTier {
    let reach = training::reach(view.channels.iter().map(|channel| channel.audience));
    match training::tier(view.certifications.len(), reach) {
        Tier::New => CreatorTier::New,
        Tier::Certified => CreatorTier::Certified,
        Tier::Featured => CreatorTier::Featured,
    }
}
