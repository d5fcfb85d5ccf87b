//! The HTTP edge of a service, written once: the caller, command bodies with
//! their idempotency fingerprint, path ids, list parameters and cursors,
//! replies ([`Reply`], [`Json`]: JSON over HTTP, the value itself to a
//! caller in this process, [`in_process`]), and [`ApiError`], which renders the edge's own failures
//! and every service error that implements [`Problem`].

mod caller;
mod command;
mod error;
mod list;
mod reply;

pub use caller::Caller;
pub use command::Command;
pub use error::{ApiError, Failure, Problem, Row};
pub use list::{Cursors, ListParams, OpaqueCursors, UuidCursors, path_id};
pub use reply::{Handoff, Json, Reply, in_process};
