//! Opening a store file: redb's own crash recovery and checksum check, then
//! Golmok's checks of the log's shape, before anything is served.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use golmok_kernel::StorageError;
use redb::{
    Builder, Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    StorageBackend, TableHandle,
};

use crate::schema::{
    EVENT_IDS, EVENTS, FORMAT_KEY, FORMAT_VERSION, IDEMPOTENCY, META, ROWS, STREAMS, decode_event,
    storage_error,
};

/// Page cache of a store file by default, in MiB (`[<service>.storage]
/// cache_mib`). redb counts against it both the pages it has read and the
/// dirty pages of the write transaction in hand (at most half of it; beyond
/// that they go to the file early, and the commit's fsync is unchanged), and
/// keeps what it read until the budget is reached: the budget is what a busy
/// store ends up holding. The figures behind the default are in
/// load-tests/README.md ("mem_bench", the page cache).
pub const DEFAULT_CACHE_MIB: u32 = 16;

/// The largest page cache a store may be given, in MiB (64 GiB).
pub const MAX_CACHE_MIB: u32 = 65_536;

/// Bytes of a page cache of `mib` MiB.
pub(crate) fn cache_bytes(mib: u32) -> usize {
    usize::try_from(u64::from(mib) * 1024 * 1024).unwrap_or(usize::MAX)
}

/// Opens (creating if missing) the store file at `path` with a page cache of
/// `cache_mib` MiB and returns it with the log's last position.
pub(crate) fn open_path(path: &Path, cache_mib: u32) -> Result<(Database, u64), StorageError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            StorageError::Io(format!("cannot create directory {}: {e}", parent.display()))
        })?;
    }
    open_with(
        &format!("store file {}", path.display()),
        cache_mib,
        |builder| builder.create(path),
    )
}

/// Opens a store kept in `backend` instead of a file.
pub(crate) fn open_backend(backend: impl StorageBackend) -> Result<(Database, u64), StorageError> {
    open_with("store backend", DEFAULT_CACHE_MIB, |builder| {
        builder.create_with_backend(backend)
    })
}

/// redb replays its two commit slots after a crash and, with the integrity
/// check on, verifies the checksum of every committed page, so a damaged file
/// is reported instead of trusted. redb may still panic on some damaged
/// files; that is caught and reported as corruption too. Then Golmok's own
/// checks run. Every error names the store (`name`).
fn open_with(
    name: &str,
    cache_mib: u32,
    create: impl FnOnce(&Builder) -> Result<Database, redb::DatabaseError>,
) -> Result<(Database, u64), StorageError> {
    let named = |error| match error {
        StorageError::Corrupt(reason) => StorageError::Corrupt(format!("{name}: {reason}")),
        StorageError::Io(reason) => StorageError::Io(format!("{name}: {reason}")),
        StorageError::Closed => StorageError::Closed,
    };
    let opened = catch_unwind(AssertUnwindSafe(|| {
        let mut builder = Builder::new();
        builder
            .set_cache_size(cache_bytes(cache_mib))
            .set_check_integrity_on_open(true);
        create(&builder)
    }));
    let db = match opened {
        Ok(Ok(db)) => db,
        Ok(Err(error)) => return Err(named(storage_error(error))),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "unknown panic".to_owned());
            return Err(named(StorageError::Corrupt(format!(
                "unreadable redb file: {reason}"
            ))));
        }
    };
    initialise(&db).map_err(named)?;
    let head = validate(&db).map_err(named)?;
    Ok((db, head))
}

/// Creates the tables of a new store and stamps its format. A file that
/// already holds tables but no Golmok format stamp is somebody else's.
fn initialise(db: &Database) -> Result<(), StorageError> {
    let mut txn = db.begin_write().map_err(storage_error)?;
    let names: Vec<String> = txn
        .list_tables()
        .map_err(storage_error)?
        .map(|table| table.name().to_owned())
        .collect();
    if names.iter().any(|name| name == META.name()) {
        return txn.abort().map_err(storage_error);
    }
    if !names.is_empty() {
        return Err(StorageError::Corrupt(
            "a redb file but not a Golmok store (no format stamp)".into(),
        ));
    }
    txn.set_durability(Durability::Immediate)
        .map_err(storage_error)?;
    {
        txn.open_table(EVENTS).map_err(storage_error)?;
        txn.open_table(STREAMS).map_err(storage_error)?;
        txn.open_table(EVENT_IDS).map_err(storage_error)?;
        txn.open_table(IDEMPOTENCY).map_err(storage_error)?;
        txn.open_table(ROWS).map_err(storage_error)?;
        let mut meta = txn.open_table(META).map_err(storage_error)?;
        meta.insert(FORMAT_KEY, FORMAT_VERSION)
            .map_err(storage_error)?;
    }
    txn.commit().map_err(storage_error)
}

/// Checks that the file is a log this code can serve: a known format,
/// positions 1..=n with nothing missing, indexes as long as the log, and
/// readable envelopes at both ends. Returns n.
fn validate(db: &Database) -> Result<u64, StorageError> {
    let txn = db.begin_read().map_err(storage_error)?;
    let meta = txn.open_table(META).map_err(storage_error)?;
    let format = meta
        .get(FORMAT_KEY)
        .map_err(storage_error)?
        .map(|v| v.value());
    match format {
        Some(FORMAT_VERSION) => {}
        Some(other) => {
            return Err(StorageError::Corrupt(format!(
                "format version {other} is not supported (this build reads {FORMAT_VERSION})"
            )));
        }
        None => return Err(StorageError::Corrupt("no format stamp".into())),
    }
    let events = txn.open_table(EVENTS).map_err(storage_error)?;
    let streams = txn.open_table(STREAMS).map_err(storage_error)?;
    let event_ids = txn.open_table(EVENT_IDS).map_err(storage_error)?;
    txn.open_table(IDEMPOTENCY).map_err(storage_error)?;
    txn.open_table(ROWS).map_err(storage_error)?;
    let count = events.len().map_err(storage_error)?;
    if count == 0 {
        return Ok(0);
    }
    let (first, first_bytes) = events
        .first()
        .map_err(storage_error)?
        .ok_or_else(|| StorageError::Corrupt("event table reports rows but has none".into()))?;
    let (last, last_bytes) = events
        .last()
        .map_err(storage_error)?
        .ok_or_else(|| StorageError::Corrupt("event table reports rows but has none".into()))?;
    let (first, last) = (first.value(), last.value());
    if first != 1 || last != count {
        return Err(StorageError::Corrupt(format!(
            "positions are not contiguous: {count} events between positions {first} and {last}"
        )));
    }
    for (name, len) in [
        ("stream index", streams.len().map_err(storage_error)?),
        ("event-id index", event_ids.len().map_err(storage_error)?),
    ] {
        if len != count {
            return Err(StorageError::Corrupt(format!(
                "the {name} holds {len} entries for {count} events"
            )));
        }
    }
    for (position, bytes) in [(first, first_bytes), (last, last_bytes)] {
        let envelope = decode_event(position, bytes.value())?;
        let indexed = event_ids
            .get(envelope.id.as_u128())
            .map_err(storage_error)?
            .map(|p| p.value());
        if indexed != Some(position) {
            return Err(StorageError::Corrupt(format!(
                "event {} at position {position} is indexed at {indexed:?}",
                envelope.id
            )));
        }
    }
    Ok(last)
}
