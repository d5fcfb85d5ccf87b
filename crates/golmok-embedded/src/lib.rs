//! The embedded storage adapter of Golmok: the [`golmok_kernel::EventLog`] and
//! [`golmok_kernel::Tables`] ports over one crash-safe redb file and its
//! write-ahead log, for `golmok up` and tests.
//!
//! One writer thread owns every write transaction and commits concurrent
//! requests together (group commit): one log frame and one fsync for many
//! appends; the redb file itself is synced at checkpoints. Reads are redb
//! read transactions (snapshots of the last commit). See
//! `docs/adr/0002-embedded-storage-engine.md` for why redb and
//! `docs/adr/0010-durable-append-path.md` for the log.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod reads;
mod recovery;
mod schema;
mod store;
mod wal;
mod writer;

pub use recovery::{DEFAULT_CACHE_MIB, MAX_CACHE_MIB};
pub use store::{EmbeddedStore, StoreStats};
pub use writer::Tuning;

/// Checks a page-cache size given in settings (`cache_mib`): a whole number
/// of MiB from 1 to [`MAX_CACHE_MIB`], else a message starting with the
/// stable code `STORAGE_CACHE_MIB_INVALID`.
pub fn check_cache_mib(mib: i64) -> Result<u32, String> {
    u32::try_from(mib)
        .ok()
        .filter(|mib| (1..=MAX_CACHE_MIB).contains(mib))
        .ok_or_else(|| {
            format!(
                "STORAGE_CACHE_MIB_INVALID: cache_mib must be a whole number of MiB \
                 from 1 to {MAX_CACHE_MIB}, not {mib}"
            )
        })
}
