//! [`EmbeddedStore`]: both storage ports over one redb file and its
//! write-ahead log.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use golmok_kernel::{
    AppendError, AppendRequest, Appended, EventLog, IdempotencyRecord, Mutation, Page,
    RecordedEvent, Row, ScanOrder, StorageError, Tables, WholeTables,
};
use redb::{Database, ReadTransaction, ReadableDatabase, StorageBackend};
use tokio::sync::{oneshot, watch};

use crate::recovery::Opened;
use crate::schema::{IDEMPOTENCY, ROWS, partition_successor, storage_error};
use crate::writer::{Published, Request, Tuning, Writer};
use crate::{reads, recovery};

/// Counters of the store since it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    /// Syncs: durable groups (one log frame each) and checkpoints.
    pub commits: u64,
    /// Checkpoints: durable commits of the store file, after which the log
    /// starts over.
    pub checkpoints: u64,
    /// Transactions of derived writes only, committed without a sync of
    /// their own ([`Tables::write_derived`]).
    pub derived_commits: u64,
    /// Events appended by those transactions.
    pub events_appended: u64,
}

/// The embedded implementation of [`EventLog`] and [`Tables`]: one crash-safe
/// redb file per store with its write-ahead log (`<file>-wal`), written by a
/// single group-commit thread: one log frame and one `fdatasync` per group,
/// the file itself synced at checkpoints (see `writer`).
///
/// Every read is one redb read transaction (a snapshot of the last commit).
/// Point reads and short event reads run on the calling task; long event
/// reads move to the blocking pool after their first events (see `reads`).
///
/// Dropping the last handle lets the writer finish the group in hand, joins
/// its thread and closes the file, so the same path can be opened again.
pub struct EmbeddedStore {
    db: Arc<Database>,
    published: Arc<Published>,
    writer: Writer,
}

impl EmbeddedStore {
    /// Opens (creating if missing) the store file at `path` and its log
    /// `<path>-wal`, applies the log's frames the file does not hold yet,
    /// checks it and starts its writer thread. A damaged or foreign file,
    /// or a log damaged where a crash cannot explain it, is refused with
    /// [`StorageError::Corrupt`]; it is never served. The two files are one
    /// store: copy, move or delete them together.
    pub fn open(path: &Path) -> Result<Arc<EmbeddedStore>, StorageError> {
        Self::open_with_cache(path, recovery::DEFAULT_CACHE_MIB)
    }

    /// [`Self::open`] with a page cache of `cache_mib` MiB instead of
    /// [`crate::DEFAULT_CACHE_MIB`] (settings allow 1 to
    /// [`crate::MAX_CACHE_MIB`], see [`crate::check_cache_mib`]).
    pub fn open_with_cache(
        path: &Path,
        cache_mib: u32,
    ) -> Result<Arc<EmbeddedStore>, StorageError> {
        let opened = recovery::open_path(path, cache_mib)?;
        tracing::info!(path = %path.display(), head = opened.head, cache_mib, "embedded store opened");
        Self::serve(opened, Tuning::default())
    }

    /// Opens a store kept in two redb [`StorageBackend`]s instead of files,
    /// the store file's and its log's: in memory
    /// (`redb::backends::InMemoryBackend`), or fault-injecting ones in crash
    /// tests, which also choose how often checkpoints run. Same checks as
    /// [`Self::open`].
    pub fn open_with_backends(
        tables: impl StorageBackend,
        log: impl StorageBackend,
        tuning: Tuning,
    ) -> Result<Arc<EmbeddedStore>, StorageError> {
        Self::serve(recovery::open_backends(tables, log)?, tuning)
    }

    fn serve(opened: Opened, tuning: Tuning) -> Result<Arc<EmbeddedStore>, StorageError> {
        let db = Arc::new(opened.db);
        let published = Arc::new(Published {
            head: watch::Sender::new(opened.head),
            commits: AtomicU64::new(0),
            checkpoints: AtomicU64::new(0),
            derived_commits: AtomicU64::new(0),
            events_appended: AtomicU64::new(0),
        });
        let writer = Writer::spawn(Arc::clone(&db), opened.wal, Arc::clone(&published), tuning)?;
        Ok(Arc::new(Self {
            db,
            published,
            writer,
        }))
    }

    /// Counters since the store was opened.
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            commits: self.published.commits.load(Ordering::Relaxed),
            checkpoints: self.published.checkpoints.load(Ordering::Relaxed),
            derived_commits: self.published.derived_commits.load(Ordering::Relaxed),
            events_appended: self.published.events_appended.load(Ordering::Relaxed),
        }
    }

    fn read(&self) -> Result<ReadTransaction, StorageError> {
        self.db.begin_read().map_err(storage_error)
    }

    /// Queues `batch` for the writer, synced before the answer when `durable`.
    async fn submit_write(&self, batch: Vec<Mutation>, durable: bool) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        let (reply, answer) = oneshot::channel();
        self.writer.submit(Request::Write {
            batch,
            durable,
            reply,
        })?;
        answer.await.map_err(|_| StorageError::Closed)?
    }
}

#[async_trait]
impl EventLog for EmbeddedStore {
    async fn append(&self, request: AppendRequest) -> Result<Appended, AppendError> {
        if request.events.is_empty() {
            return Err(AppendError::Empty);
        }
        let (reply, answer) = oneshot::channel();
        self.writer.submit(Request::Append { request, reply })?;
        answer.await.map_err(|_| StorageError::Closed)?
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StorageError> {
        let page = reads::stream_page(stream.to_owned(), from_version);
        reads::read_events(self.read()?, limit, page).await
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StorageError> {
        reads::read_events(self.read()?, limit, reads::log_page(from_position)).await
    }

    fn head(&self) -> watch::Receiver<u64> {
        self.published.head.subscribe()
    }

    async fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StorageError> {
        let txn = self.read()?;
        let table = txn.open_table(IDEMPOTENCY).map_err(storage_error)?;
        Ok(table.get(key).map_err(storage_error)?.map(|stored| {
            let (fingerprint, response) = stored.value();
            IdempotencyRecord {
                key: key.to_owned(),
                fingerprint: fingerprint.to_owned(),
                response: response.to_vec(),
            }
        }))
    }
}

#[async_trait]
impl Tables for EmbeddedStore {
    async fn get(
        &self,
        table: &str,
        partition: &str,
        clustering: &str,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let txn = self.read()?;
        let rows = txn.open_table(ROWS).map_err(storage_error)?;
        Ok(rows
            .get((table, partition, clustering))
            .map_err(storage_error)?
            .map(|value| value.value().to_vec()))
    }

    /// `limit` 0 asks for no rows and gets an empty last page.
    async fn scan(
        &self,
        table: &str,
        partition: &str,
        after: Option<&str>,
        order: ScanOrder,
        limit: usize,
    ) -> Result<Page, StorageError> {
        if limit == 0 {
            return Ok(Page {
                rows: Vec::new(),
                next: None,
            });
        }
        let txn = self.read()?;
        let table_rows = txn.open_table(ROWS).map_err(storage_error)?;
        let successor = partition_successor(partition);
        let first = Bound::Included((table, partition, ""));
        let end = Bound::Excluded((table, successor.as_str(), ""));
        let cursor = after.map(|after| Bound::Excluded((table, partition, after)));
        let range = match order {
            ScanOrder::Ascending => (cursor.unwrap_or(first), end),
            ScanOrder::Descending => (first, cursor.unwrap_or(end)),
        };
        let entries = table_rows.range(range).map_err(storage_error)?;
        let entries: Box<dyn Iterator<Item = _>> = match order {
            ScanOrder::Ascending => Box::new(entries),
            ScanOrder::Descending => Box::new(entries.rev()),
        };
        let mut rows = Vec::with_capacity(limit.min(1_024));
        let mut more = false;
        for entry in entries {
            if rows.len() == limit {
                more = true;
                break;
            }
            let (key, value) = entry.map_err(storage_error)?;
            let (_, _, clustering) = key.value();
            rows.push(Row {
                partition: partition.to_owned(),
                clustering: clustering.to_owned(),
                value: value.value().to_vec(),
            });
        }
        let next = if more {
            rows.last().map(|row| row.clustering.clone())
        } else {
            None
        };
        Ok(Page { rows, next })
    }

    async fn write(&self, batch: Vec<Mutation>) -> Result<(), StorageError> {
        self.submit_write(batch, true).await
    }

    /// Committed without a log frame: durable with the next checkpoint, made
    /// at the latest 100 ms after writes stop, or at close.
    async fn write_derived(&self, batch: Vec<Mutation>) -> Result<(), StorageError> {
        self.submit_write(batch, false).await
    }
}

/// A whole table, for rebuilds (`golmok replay`): one range of the rows
/// table, which is ordered by (table, partition, clustering).
#[async_trait]
impl WholeTables for EmbeddedStore {
    async fn rows_after(
        &self,
        table: &str,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<Row>, StorageError> {
        let txn = self.read()?;
        let table_rows = txn.open_table(ROWS).map_err(storage_error)?;
        let successor = partition_successor(table);
        let start = match after {
            Some((partition, clustering)) => Bound::Excluded((table, partition, clustering)),
            None => Bound::Included((table, "", "")),
        };
        let end = Bound::Excluded((successor.as_str(), "", ""));
        let mut rows = Vec::with_capacity(limit.min(4_096));
        for entry in table_rows.range((start, end)).map_err(storage_error)? {
            if rows.len() == limit {
                break;
            }
            let (key, value) = entry.map_err(storage_error)?;
            let (_, partition, clustering) = key.value();
            rows.push(Row {
                partition: partition.to_owned(),
                clustering: clustering.to_owned(),
                value: value.value().to_vec(),
            });
        }
        Ok(rows)
    }
}
