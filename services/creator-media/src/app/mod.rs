//! Command handling, projections, read-model queries and the wire format of
//! events: the I/O around the pure domain.

pub mod codec;
mod creators;
mod error;
pub mod projections;
mod samples;
mod service;
mod studios;
pub mod views;
pub mod webhooks;

pub use creators::NewCreator;
pub use error::AppError;
pub use golmok_kernel::Committed;
pub use service::{CREATOR, CreatorMedia, STUDIO};
pub use studios::NewStudio;
