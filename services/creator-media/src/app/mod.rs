//! Command handling, projections, read-model queries and the wire format of
//! events: the I/O around the pure domain.

pub mod codec;
mod creators;
mod error;
mod lives;
mod matching;
pub mod projections;
mod samples;
mod service;
mod studios;
mod training;
pub mod views;

pub use creators::NewCreator;
pub use error::AppError;
pub use golmok_kernel::Committed;
pub use lives::{LiveAction, NewLive};
pub use matching::{MATCHES_MAX, MerchantDirectory};
pub use service::{CREATOR, CreatorMedia, STUDIO};
pub use studios::NewStudio;
pub use training::{CohortAction, NewCohort};
