//! Event reads: one redb snapshot per call; small reads decode on the calling
//! task, long ones move to the blocking pool after the first few events.

use golmok_kernel::{RecordedEvent, StorageError};
use redb::ReadTransaction;

use crate::schema::{EVENTS, STREAMS, decode_event, storage_error};

/// Events decoded on the calling task before the rest of a read moves to the
/// blocking pool. Measured by `append_bench` on 2 cores under load: decoding
/// costs 4–7 µs an event, a `spawn_blocking` round trip 35–42 µs. Up to this
/// many events a read stays near the ~100 µs a task should run between
/// awaits; aggregate loads are usually shorter, consumer batches much longer.
const INLINE_EVENTS: usize = 16;

/// Continues a read into `found` until it holds `upto` events or the source
/// runs out; where to resume is taken from `found`'s last event.
pub(crate) type Page =
    dyn Fn(&ReadTransaction, &mut Vec<RecordedEvent>, usize) -> Result<(), StorageError> + Send;

/// Reads up to `limit` events with `page` from the snapshot `txn`.
pub(crate) async fn read_events(
    txn: ReadTransaction,
    limit: usize,
    page: Box<Page>,
) -> Result<Vec<RecordedEvent>, StorageError> {
    let mut found = Vec::new();
    page(&txn, &mut found, limit.min(INLINE_EVENTS))?;
    if found.len() < INLINE_EVENTS || limit <= INLINE_EVENTS {
        return Ok(found);
    }
    tokio::task::spawn_blocking(move || {
        page(&txn, &mut found, limit)?;
        Ok(found)
    })
    .await
    .map_err(|e| StorageError::Io(format!("read task failed: {e}")))?
}

/// Events in position order from `from_position`.
pub(crate) fn log_page(from_position: u64) -> Box<Page> {
    Box::new(move |txn, found, upto| {
        let from = found
            .last()
            .map_or(from_position.max(1), |e| e.position + 1);
        let events = txn.open_table(EVENTS).map_err(storage_error)?;
        for entry in events
            .range(from..)
            .map_err(storage_error)?
            .take(upto.saturating_sub(found.len()))
        {
            let (position, bytes) = entry.map_err(storage_error)?;
            let position = position.value();
            found.push(RecordedEvent {
                position,
                envelope: decode_event(position, bytes.value())?,
            });
        }
        Ok(())
    })
}

/// Events of `stream` in version order from `from_version`.
pub(crate) fn stream_page(stream: String, from_version: u64) -> Box<Page> {
    Box::new(move |txn, found, upto| {
        let from = found
            .last()
            .map_or(from_version.max(1), |e| e.envelope.stream_version + 1);
        let streams = txn.open_table(STREAMS).map_err(storage_error)?;
        let events = txn.open_table(EVENTS).map_err(storage_error)?;
        let stream = stream.as_str();
        for entry in streams
            .range((stream, from)..=(stream, u64::MAX))
            .map_err(storage_error)?
            .take(upto.saturating_sub(found.len()))
        {
            let (key, position) = entry.map_err(storage_error)?;
            let (version, position) = (key.value().1, position.value());
            let bytes = events
                .get(position)
                .map_err(storage_error)?
                .ok_or_else(|| {
                    StorageError::Corrupt(format!(
                        "stream {stream} version {version} points at missing position {position}"
                    ))
                })?;
            let envelope = decode_event(position, bytes.value())?;
            if envelope.stream_version != version {
                return Err(StorageError::Corrupt(format!(
                    "stream {stream} version {version} points at position {position}, which holds version {}",
                    envelope.stream_version
                )));
            }
            found.push(RecordedEvent { position, envelope });
        }
        Ok(())
    })
}
