//! Creator media, first slice: creators (a unique handle, channels,
//! categories, region, languages) and the programme's shared studios, booked
//! by slot. The creator-media service decides who may do what from the
//! caller; the gateway passes the caller on.

mod collaborations;
mod commissions;
mod lives;
mod matching;
mod mutations;
mod promotions;
mod queries;
mod training;
mod types;
mod videos;
mod webhooks;

pub(crate) use collaborations::{
    Collaboration, CollaborationMutation, CollaborationQuery, find_collaboration,
};
pub(crate) use commissions::CommissionMutation;
pub(crate) use lives::{LiveMutation, LiveQuery, LiveSession, find_live};
pub(crate) use matching::{CreatorMatch, recommended_creators};
pub(crate) use mutations::CreatorMediaMutation;
pub(crate) use promotions::{
    Promotion, PromotionMutation, PromotionQuery, TieIn, find_promotion, find_tie_in,
};
pub(crate) use queries::{CreatorMediaQuery, find_creator, find_studio};
pub(crate) use training::{TrainingCohort, TrainingMutation, TrainingQuery, find_cohort};
pub(crate) use types::{Creator, Studio};
pub(crate) use videos::{Video, VideoMutation, VideoQuery, find_video};
pub(crate) use webhooks::{Webhook, WebhookMutation, WebhookQuery, find_webhook};
