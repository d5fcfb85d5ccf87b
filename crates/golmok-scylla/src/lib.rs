//! The CQL storage adapter: [`CqlStore`] implements the kernel's `EventLog`
//! and `Tables` ports on ScyllaDB or Apache Cassandra (tested on Cassandra 5.0).
//!
//! - The log gets one total order per service log from a *sequencer
//!   partition*: each group of appends (group commit, up to
//!   [`MAX_GROUP_EVENTS`] events) is one conditional batch (LWT) on it that
//!   moves the head and checks every stream version, event id and
//!   idempotency key at once. A stale writer gets `Conflict`.
//! - The tables are wide rows; a consumer's inbox + checkpoint are one
//!   conditional write (compare-and-set) on the consumer's partition, so
//!   several processes consuming into the same tables apply each event once.
//! - A health probe reads the log's head every `health_probe_ms`;
//!   [`CqlStore::reachable`] says whether the cluster answers (the host's
//!   `/readyz` follows it).
//!
//! See docs/adr/0007-cql-storage.md.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod error;
mod health;
mod log;
mod schema;
mod settings;
mod store;
mod tables;

pub use error::OpenError;
pub use log::MAX_GROUP_EVENTS;
pub use schema::{SCHEMA_VERSION, TABLES_CQL, migrate, table_names, table_statements};
pub use settings::{ConsistencyLevel, Replication, SerialLevel, Settings};
pub use store::{CqlStore, LogStats};
