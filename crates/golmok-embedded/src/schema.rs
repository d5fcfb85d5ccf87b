//! The redb tables of one store file, how their contents are encoded, and
//! how one logged write is applied to them.

use golmok_kernel::{Envelope, StorageError};
use redb::{ReadableTable, Table, TableDefinition, WriteTransaction};

use crate::wal::Op;

/// Global position -> serde_json of the [`Envelope`], `stream_version` set.
pub(crate) const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// (stream, version) -> global position.
pub(crate) const STREAMS: TableDefinition<(&str, u64), u64> = TableDefinition::new("streams");
/// Event id (UUID as u128) -> global position.
pub(crate) const EVENT_IDS: TableDefinition<u128, u64> = TableDefinition::new("event_ids");
/// Idempotency key -> (fingerprint, response).
pub(crate) const IDEMPOTENCY: TableDefinition<&str, (&str, &[u8])> =
    TableDefinition::new("idempotency");
/// (table, partition, clustering) -> value: every wide row of the table port.
pub(crate) const ROWS: TableDefinition<(&str, &str, &str), &[u8]> = TableDefinition::new("rows");
/// Store-level facts, e.g. the format version.
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub(crate) const FORMAT_KEY: &str = "format";
/// Bumped whenever the layout above changes incompatibly. 2: the store file
/// has a write-ahead log (`<file>-wal`) that an older build would ignore.
pub(crate) const FORMAT_VERSION: u64 = 2;
/// The format before the write-ahead log; such a file is upgraded on open.
pub(crate) const FORMAT_WITHOUT_LOG: u64 = 1;
/// The number of the last log frame whose writes the file holds.
pub(crate) const APPLIED_FRAME_KEY: &str = "applied_frame";

/// The tables a write transaction changes, opened once per transaction.
pub(crate) struct GroupTables<'txn> {
    pub(crate) events: Table<'txn, u64, &'static [u8]>,
    pub(crate) streams: Table<'txn, (&'static str, u64), u64>,
    pub(crate) event_ids: Table<'txn, u128, u64>,
    pub(crate) idempotency: Table<'txn, &'static str, (&'static str, &'static [u8])>,
    rows: Table<'txn, (&'static str, &'static str, &'static str), &'static [u8]>,
    meta: Table<'txn, &'static str, u64>,
}

impl<'txn> GroupTables<'txn> {
    pub(crate) fn open(txn: &'txn WriteTransaction) -> Result<Self, redb::Error> {
        Ok(Self {
            events: txn.open_table(EVENTS)?,
            streams: txn.open_table(STREAMS)?,
            event_ids: txn.open_table(EVENT_IDS)?,
            idempotency: txn.open_table(IDEMPOTENCY)?,
            rows: txn.open_table(ROWS)?,
            meta: txn.open_table(META)?,
        })
    }

    pub(crate) fn last_position(&self) -> Result<u64, redb::Error> {
        Ok(self.events.last()?.map_or(0, |(key, _)| key.value()))
    }

    pub(crate) fn stream_version(&self, stream: &str) -> Result<u64, redb::Error> {
        let mut range = self.streams.range((stream, 0)..=(stream, u64::MAX))?;
        Ok(match range.next_back() {
            Some(entry) => entry?.0.value().1,
            None => 0,
        })
    }

    /// Applies one logged write: the only code that writes an event, an
    /// idempotency record or a row, live and when the log is replayed.
    pub(crate) fn apply(&mut self, op: &Op<'_>) -> Result<(), redb::Error> {
        match *op {
            Op::Event {
                position,
                stream,
                version,
                id,
                bytes,
            } => {
                self.events.insert(position, bytes)?;
                self.streams.insert((stream, version), position)?;
                self.event_ids.insert(id, position)?;
            }
            Op::Idempotency {
                key,
                fingerprint,
                response,
            } => {
                self.idempotency.insert(key, (fingerprint, response))?;
            }
            Op::Put {
                table,
                partition,
                clustering,
                value,
            } => {
                self.rows.insert((table, partition, clustering), value)?;
            }
            Op::Delete {
                table,
                partition,
                clustering,
            } => {
                self.rows.remove((table, partition, clustering))?;
            }
        }
        Ok(())
    }

    /// Records that the transaction holds the log's frames up to `seq`.
    pub(crate) fn stamp_applied(&mut self, seq: u64) -> Result<(), redb::Error> {
        self.meta.insert(APPLIED_FRAME_KEY, seq)?;
        Ok(())
    }

    /// Stamps the current format (upgrading a file of an older one).
    pub(crate) fn stamp_format(&mut self) -> Result<(), redb::Error> {
        self.meta.insert(FORMAT_KEY, FORMAT_VERSION)?;
        Ok(())
    }
}

/// Decodes the event stored at `position`, refusing anything that is not a
/// whole envelope.
pub(crate) fn decode_event(position: u64, bytes: &[u8]) -> Result<Envelope, StorageError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StorageError::Corrupt(format!("event at position {position}: {e}")))
}

/// The smallest partition name sorting after `partition`: every key of
/// `partition` is below `(table, successor, "")`.
pub(crate) fn partition_successor(partition: &str) -> String {
    let mut successor = String::with_capacity(partition.len() + 1);
    successor.push_str(partition);
    successor.push('\0');
    successor
}

/// Maps a redb failure to the port's error: damaged or foreign files are
/// `Corrupt`, everything else is `Io`.
pub(crate) fn storage_error(error: impl Into<redb::Error>) -> StorageError {
    let error: redb::Error = error.into();
    match &error {
        redb::Error::Corrupted(_)
        | redb::Error::TableTypeMismatch { .. }
        | redb::Error::TableIsMultimap(_)
        | redb::Error::TableIsNotMultimap(_)
        | redb::Error::TypeDefinitionChanged { .. }
        | redb::Error::UpgradeRequired(_) => StorageError::Corrupt(error.to_string()),
        redb::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            StorageError::Corrupt(error.to_string())
        }
        redb::Error::DatabaseAlreadyOpen => {
            StorageError::Io("the store file is already open in another process".into())
        }
        redb::Error::DatabaseClosed => StorageError::Closed,
        _ => StorageError::Io(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_successor_bounds_exactly_one_partition() {
        let successor = partition_successor("merchant-1");
        assert!("merchant-1" < successor.as_str());
        assert!(successor.as_str() < "merchant-10");
        assert!(successor.as_str() < "merchant-1 ");
    }

    #[test]
    fn foreign_and_damaged_files_map_to_corrupt() {
        let not_redb = redb::Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a database",
        ));
        assert!(matches!(storage_error(not_redb), StorageError::Corrupt(_)));
        let damaged = redb::Error::Corrupted("bad checksum".into());
        assert!(matches!(storage_error(damaged), StorageError::Corrupt(_)));
        let disk = redb::Error::Io(std::io::Error::other("disk full"));
        assert!(matches!(storage_error(disk), StorageError::Io(_)));
    }
}
