//! Command handling, projections, read-model queries and the wire format of
//! events: the I/O around the pure domain.

pub mod codec;
mod collaboration_codec;
pub mod collaboration_projection;
mod collaborations;
pub mod commissions;
mod creators;
mod error;
pub mod expiry;
mod lives;
mod matching;
pub mod projections;
pub mod promotion_projection;
mod promotions;
mod samples;
mod service;
mod studios;
mod tie_ins;
mod training;
mod videos;
pub mod views;
pub mod webhooks;

pub use collaborations::{Answer, COLLABORATION, NewCollaboration};
pub use creators::NewCreator;
pub use error::AppError;
pub use golmok_kernel::Committed;
pub use lives::{LiveAction, NewLive};
pub use matching::{MATCHES_MAX, MerchantDirectory};
pub use promotions::NewPromotion;
pub use service::{CREATOR, CreatorMedia, PROMOTION, STUDIO, TIE_IN};
pub use studios::NewStudio;
pub use tie_ins::NewTieIn;
pub use training::{CohortAction, NewCohort};
pub use videos::NewVideo;
