//! The embedded storage adapter of Golmok: the [`golmok_kernel::EventLog`] and
//! [`golmok_kernel::Tables`] ports over one durable, crash-safe redb file, for
//! `golmok up` and tests.
//!
//! One writer thread owns every write transaction and commits concurrent
//! requests together (group commit): one fsync for many appends. Reads are
//! redb read transactions (snapshots of the last commit). See
//! `docs/adr/0002-embedded-storage-engine.md` for why redb.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod reads;
mod recovery;
mod schema;
mod store;
mod writer;

pub use store::{EmbeddedStore, StoreStats};
