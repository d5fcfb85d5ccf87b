use async_trait::async_trait;
use tokio::sync::watch;

use crate::{Envelope, RecordedEvent, StorageError};

/// What the writer believes the stream's version to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must have no events.
    NoStream,
    /// The stream's last event must have exactly this version.
    Exact(u64),
}

impl ExpectedVersion {
    /// The check for a writer that loaded the stream at `version` (0 = empty).
    pub fn from_loaded(version: u64) -> Self {
        if version == 0 {
            Self::NoStream
        } else {
            Self::Exact(version)
        }
    }
}

/// The outcome of a command remembered under its idempotency key, written in
/// the same transaction as the command's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key: String,
    /// A digest of the command; the same key with another fingerprint is refused.
    pub fingerprint: String,
    /// The serialized outcome returned to replays.
    pub response: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct AppendRequest {
    pub stream: String,
    pub expected: ExpectedVersion,
    /// Events in order; the log sets each `stream_version`.
    pub events: Vec<Envelope>,
    /// Stored atomically with the events; the append fails with
    /// [`AppendError::IdempotencyKeyExists`] when the key is already taken.
    pub idempotency: Option<IdempotencyRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The stream's version after the append.
    pub stream_version: u64,
    /// Global positions of the first and last appended event.
    pub first_position: u64,
    pub last_position: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("stream {stream} is at version {actual}, expected {expected:?}")]
    Conflict {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    #[error("event {0} is already in the log")]
    DuplicateEvent(uuid::Uuid),
    #[error("idempotency key {} is already used", .0.key)]
    IdempotencyKeyExists(IdempotencyRecord),
    #[error("append to an empty batch")]
    Empty,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The event-log port: append-only streams with optimistic concurrency, and one
/// total order (the global position) for tailing.
///
/// Invariants every adapter keeps (see [`crate::conformance`]):
/// - an acknowledged append is durable;
/// - positions are contiguous from 1 and an event becomes visible only after
///   every event with a smaller position is visible, so a tailer never skips one;
/// - no two events of a stream share a version; a stale writer gets `Conflict`;
/// - an event id is stored at most once.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    async fn append(&self, request: AppendRequest) -> Result<Appended, AppendError>;

    /// Events of `stream` with version `>= from_version`, at most `limit`.
    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StorageError>;

    /// Events with position `>= from_position`, at most `limit`, in position order.
    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StorageError>;

    /// The position of the last committed event (0 for an empty log), updated
    /// after every commit so tailers can wait instead of polling.
    fn head(&self) -> watch::Receiver<u64>;

    async fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StorageError>;
}
