//! Opening a store file: redb's own crash recovery and checksum check, then
//! the write-ahead log's frames the file does not hold yet, applied and made
//! durable, then Golmok's checks of the log's shape, before anything is
//! served.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use golmok_kernel::StorageError;
use redb::{
    Builder, Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    StorageBackend, TableHandle,
};

use crate::schema::{
    APPLIED_FRAME_KEY, EVENT_IDS, EVENTS, FORMAT_KEY, FORMAT_VERSION, FORMAT_WITHOUT_LOG,
    GroupTables, IDEMPOTENCY, META, ROWS, STREAMS, decode_event, storage_error,
};
use crate::wal::{self, LogFile, Wal};

/// An opened store, ready to serve: the file, its log and the last position.
pub(crate) struct Opened {
    pub(crate) db: Database,
    pub(crate) wal: Wal,
    pub(crate) head: u64,
}

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

/// Opens (creating if missing) the store file at `path` and its log
/// `<path>-wal` with a page cache of `cache_mib` MiB.
pub(crate) fn open_path(path: &Path, cache_mib: u32) -> Result<Opened, StorageError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            StorageError::Io(format!("cannot create directory {}: {e}", parent.display()))
        })?;
    }
    let name = format!("store file {}", path.display());
    // The store file first: redb's lock keeps a second process off both.
    let db = open_db(&name, cache_mib, |builder| builder.create(path))?;
    let (log, log_name) = LogFile::open(path)
        .map_err(|e| StorageError::Io(format!("{name}: cannot open its log: {e}")))?;
    serve(&name, &log_name, db, Box::new(log))
}

/// Opens a store kept in two backends instead of files: the store file's and
/// its log's.
pub(crate) fn open_backends(
    tables: impl StorageBackend,
    log: impl StorageBackend,
) -> Result<Opened, StorageError> {
    let name = "store backend";
    let db = open_db(name, DEFAULT_CACHE_MIB, |builder| {
        builder.create_with_backend(tables)
    })?;
    serve(name, "its log backend", db, Box::new(log))
}

/// `error` with the store's `name` in front of its reason.
fn with_store_name(name: &str, error: StorageError) -> StorageError {
    match error {
        StorageError::Corrupt(reason) => StorageError::Corrupt(format!("{name}: {reason}")),
        StorageError::Io(reason) => StorageError::Io(format!("{name}: {reason}")),
        StorageError::Closed => StorageError::Closed,
    }
}

/// Initialises a new store, replays the log into the file and checks it.
fn serve(
    name: &str,
    log_name: &str,
    db: Database,
    log: Box<dyn StorageBackend>,
) -> Result<Opened, StorageError> {
    let named = |error| with_store_name(name, error);
    initialise(&db).map_err(named)?;
    let applied = replay(&db, log_name, log.as_ref()).map_err(named)?;
    let head = validate(&db).map_err(named)?;
    let wal = Wal::new(log, applied)
        .map_err(|e| named(StorageError::Io(format!("cannot read its log: {e}"))))?;
    Ok(Opened { db, wal, head })
}

/// redb replays its two commit slots after a crash and, with the integrity
/// check on, verifies the checksum of every committed page, so a damaged file
/// is reported instead of trusted. redb may still panic on some damaged
/// files; that is caught and reported as corruption too. Then Golmok's own
/// checks run. Every error names the store (`name`).
fn open_db(
    name: &str,
    cache_mib: u32,
    create: impl FnOnce(&Builder) -> Result<Database, redb::DatabaseError>,
) -> Result<Database, StorageError> {
    let named = |error| with_store_name(name, error);
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
    Ok(db)
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

/// Applies the log's frames that the file does not hold yet in one durable
/// commit (upgrading a file of the format before the log), then empties the
/// log. Returns the number of the last frame the file holds.
fn replay(db: &Database, log_name: &str, log: &dyn StorageBackend) -> Result<u64, StorageError> {
    let (format, applied) = {
        let txn = db.begin_read().map_err(storage_error)?;
        let meta = txn.open_table(META).map_err(storage_error)?;
        let read = |key| {
            meta.get(key)
                .map(|value| value.map(|v| v.value()))
                .map_err(storage_error)
        };
        (read(FORMAT_KEY)?, read(APPLIED_FRAME_KEY)?.unwrap_or(0))
    };
    match format {
        Some(FORMAT_VERSION | FORMAT_WITHOUT_LOG) => {}
        Some(other) => {
            return Err(StorageError::Corrupt(format!(
                "format version {other} is not supported (this build reads {FORMAT_VERSION})"
            )));
        }
        None => return Err(StorageError::Corrupt("no format stamp".into())),
    }
    let frames = wal::recover(log, applied)
        .map_err(|reason| StorageError::Corrupt(format!("{log_name}: {reason}")))?;
    let Some(last) = frames.last().map(|frame| frame.seq) else {
        if format != Some(FORMAT_VERSION) {
            stamp(db, applied, &[])?;
        }
        return empty(log).map(|()| applied);
    };
    stamp(db, last, &frames)?;
    tracing::info!(frames = frames.len(), last, "replayed the store's log");
    empty(log)?;
    Ok(last)
}

/// One durable commit: the frames' writes, `applied` and the format stamp.
fn stamp(db: &Database, applied: u64, frames: &[wal::Frame]) -> Result<(), StorageError> {
    let mut txn = db.begin_write().map_err(storage_error)?;
    txn.set_durability(Durability::Immediate)
        .map_err(storage_error)?;
    {
        let mut tables = GroupTables::open(&txn).map_err(storage_error)?;
        for frame in frames {
            let ops = wal::decode(&frame.body).map_err(|reason| {
                StorageError::Corrupt(format!("frame {} of the log: {reason}", frame.seq))
            })?;
            for op in &ops {
                tables.apply(op).map_err(storage_error)?;
            }
        }
        tables.stamp_applied(applied).map_err(storage_error)?;
        tables.stamp_format().map_err(storage_error)?;
    }
    txn.commit().map_err(storage_error)
}

/// Empties a log whose frames the file holds, unless it is empty already.
fn empty(log: &dyn StorageBackend) -> Result<(), StorageError> {
    let io = |e: std::io::Error| StorageError::Io(format!("cannot empty its log: {e}"));
    if log.len().map_err(io)? > 0 {
        log.set_len(0).map_err(io)?;
        log.sync_data().map_err(io)?;
    }
    Ok(())
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
    if format != Some(FORMAT_VERSION) {
        return Err(StorageError::Corrupt(format!(
            "format stamp {format:?} after the log was applied"
        )));
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use golmok_kernel::conformance::sample_envelope;
    use redb::backends::InMemoryBackend;

    use super::*;
    use crate::wal::Op;

    /// A backend the test keeps a handle on after handing it to a store.
    #[derive(Debug, Clone, Default)]
    struct Shared(Arc<InMemoryBackend>);

    impl StorageBackend for Shared {
        fn len(&self) -> std::io::Result<u64> {
            self.0.len()
        }
        fn read(&self, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
            self.0.read(offset, out)
        }
        fn set_len(&self, len: u64) -> std::io::Result<()> {
            self.0.set_len(len)
        }
        fn sync_data(&self) -> std::io::Result<()> {
            self.0.sync_data()
        }
        fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
            self.0.write(offset, data)
        }
    }

    /// A log of `count` frames, one event each, as a crash leaves it before
    /// any checkpoint: the store file never saw them.
    fn log_of(count: u64) -> Shared {
        let log = Shared::default();
        let mut wal = Wal::new(Box::new(log.clone()), 0).unwrap();
        for position in 1..=count {
            let mut event = sample_envelope("shop-1", &position.to_string());
            event.stream_version = position;
            let bytes = serde_json::to_vec(&event).unwrap();
            wal.begin();
            wal.push(&Op::Event {
                position,
                stream: "shop-1",
                version: position,
                id: event.id.as_u128(),
                bytes: &bytes,
            });
            wal.commit().unwrap();
        }
        log
    }

    #[test]
    fn the_logs_frames_are_applied_on_open_and_the_log_emptied() {
        let log = log_of(3);
        let opened = open_backends(InMemoryBackend::new(), log.clone()).unwrap();
        assert_eq!(opened.head, 3, "the three logged events are served");
        assert_eq!(log.len().unwrap(), 0, "the applied log was not emptied");
    }

    #[test]
    fn a_damaged_frame_with_a_whole_one_after_it_is_refused() {
        let log = log_of(3);
        let mut bytes = vec![0; usize::try_from(log.len().unwrap()).unwrap()];
        log.read(0, &mut bytes).unwrap();
        // The second frame starts where the first ends (header + body_len);
        // flip a byte of its body.
        let second = 20 + u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        log.write(second as u64 + 40, &[bytes[second + 40] ^ 1])
            .unwrap();
        match open_backends(InMemoryBackend::new(), log) {
            Err(StorageError::Corrupt(reason)) => {
                assert!(reason.contains("a later frame follows"), "{reason}");
            }
            Err(other) => panic!("expected Corrupt, got {other:?}"),
            Ok(_) => panic!("a log damaged before a whole frame was served"),
        }
    }
}
