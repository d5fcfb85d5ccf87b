//! The creator-media service's JSON and its GraphQL enums are the
//! contract's (`golmok_contracts::creator_media`), named here as the schema
//! names them.

pub(crate) use golmok_contracts::creator_media::Platform;
pub(crate) use golmok_contracts::creator_media::http::{
    BookingStatus, BookingView as Booking, ChannelView as Channel,
    CohortMemberView as CohortMember, CohortView as Cohort, CreatorMatchView as CreatorMatch,
    CreatorMatchesView as CreatorMatches, CreatorTier, CreatorView as Creator, LiveProduct,
    LiveStatus, LiveView as Live, MatchReason, MatchReasonView, StudioView as Studio,
    TrainingSession,
};
