//! The redb tables of one store file and how their contents are encoded.

use golmok_kernel::{Envelope, StorageError};
use redb::TableDefinition;

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
/// Bumped whenever the layout above changes incompatibly.
pub(crate) const FORMAT_VERSION: u64 = 1;

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
