//! The group-commit writer: one thread owns every write transaction.
//!
//! Callers queue requests; the thread drains the queue and runs every request
//! of the group in order inside ONE redb write transaction. The group's
//! writes go, as they are applied, into one frame of the write-ahead log
//! (`wal`), which is written and synced once (one `fdatasync`); then the
//! transaction commits without a sync of its own (`Durability::None`),
//! publishes the new head and only then answers each caller. Each append
//! checks everything before writing a row, so a refused append leaves nothing
//! behind and does not disturb the others.
//!
//! A checkpoint, a durable redb commit, makes the store file hold every frame
//! so far, after which the log starts again from its first byte. It runs
//! after [`Tuning::checkpoint_frames`] frames, [`CHECKPOINT_BYTES`] of log or
//! [`CHECKPOINT_AFTER`], when no write has come for [`SYNC_DERIVED_AFTER`],
//! and when the writer stops (which then empties the log).
//!
//! A group of derived writes only ([`Request::Write`] with `durable` false: a
//! projection's rows and checkpoint, which its log can give again) commits
//! without a frame or a sync. Its ops ride in the next frame, ahead of that
//! group's own, so an acknowledged group is never replayed without the
//! derived writes committed before it; a checkpoint makes them durable too
//! (redb persists commits in order). Until then a crash loses them whole,
//! with their checkpoint.
//!
//! After a failed write or sync of the log, or a failed commit or checkpoint,
//! what the disk holds is unknown: the writer refuses every later request
//! until the store is opened again, which reads the log back.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use golmok_kernel::{
    AppendError, AppendRequest, Appended, ExpectedVersion, Mutation, StorageError,
};
use redb::{Database, Durability, ReadableTable};
use tokio::sync::{oneshot, watch};

use crate::schema::{GroupTables, storage_error};
use crate::wal::{Op, Wal};

/// Requests taken into one transaction at most; bounds a group's latency.
const MAX_GROUP: usize = 4_096;
/// The longest a group waits for more requests; small next to an fsync.
const LINGER: Duration = Duration::from_micros(200);
/// How long writes may stay out of the store file's own sync while no other
/// write comes: then a checkpoint runs.
const SYNC_DERIVED_AFTER: Duration = Duration::from_millis(100);
/// Log bytes after which a checkpoint runs: bounds the log and its replay.
pub(crate) const CHECKPOINT_BYTES: u64 = 16 << 20;
/// The longest a busy store goes without a checkpoint.
pub(crate) const CHECKPOINT_AFTER: Duration = Duration::from_secs(1);

/// When the writer makes the store file durable on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// Log frames (durable groups) after which a checkpoint runs.
    pub checkpoint_frames: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            checkpoint_frames: 1_000,
        }
    }
}

pub(crate) enum Request {
    Append {
        request: AppendRequest,
        reply: oneshot::Sender<Result<Appended, AppendError>>,
    },
    Write {
        batch: Vec<Mutation>,
        /// False for a derived batch, which may wait for a later sync.
        durable: bool,
        reply: oneshot::Sender<Result<(), StorageError>>,
    },
}

impl Request {
    /// Whether its group must be synced before it is answered.
    fn durable(&self) -> bool {
        match self {
            Self::Append { .. } => true,
            Self::Write { durable, .. } => *durable,
        }
    }
}

/// What the writer publishes: the committed head and the counters behind
/// [`crate::StoreStats`].
pub(crate) struct Published {
    pub(crate) head: watch::Sender<u64>,
    /// Syncs: log frames and checkpoints.
    pub(crate) commits: AtomicU64,
    /// Checkpoints: durable commits of the store file.
    pub(crate) checkpoints: AtomicU64,
    /// Commits of derived writes only, without a sync of their own.
    pub(crate) derived_commits: AtomicU64,
    pub(crate) events_appended: AtomicU64,
}

/// The queue into the writer thread. Dropping it lets the thread finish the
/// group in hand and waits for it, so the file is closed afterwards.
pub(crate) struct Writer {
    queue: Option<mpsc::Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(crate) fn spawn(
        db: Arc<Database>,
        wal: Wal,
        published: Arc<Published>,
        tuning: Tuning,
    ) -> Result<Self, StorageError> {
        let (queue, requests) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("golmok-embedded-writer".into())
            .spawn(move || {
                let mut state = State {
                    db: &db,
                    wal,
                    published: &published,
                    tuning,
                    last_checkpoint: Instant::now(),
                    dirty: false,
                    poisoned: None,
                };
                state.run(&requests);
            })
            .map_err(|e| StorageError::Io(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            queue: Some(queue),
            thread: Some(thread),
        })
    }

    pub(crate) fn submit(&self, request: Request) -> Result<(), StorageError> {
        self.queue
            .as_ref()
            .ok_or(StorageError::Closed)?
            .send(request)
            .map_err(|_| StorageError::Closed)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the embedded store's writer thread panicked");
        }
    }
}

/// The writer thread's own state.
struct State<'a> {
    db: &'a Database,
    wal: Wal,
    published: &'a Published,
    tuning: Tuning,
    last_checkpoint: Instant,
    /// Whether the store file holds commits its last sync did not cover.
    dirty: bool,
    /// Why the writer refuses requests, after a failure left the disk's
    /// state unknown.
    poisoned: Option<String>,
}

impl State<'_> {
    fn run(&mut self, requests: &mpsc::Receiver<Request>) {
        let mut previous = 1;
        // Derived writes committed on their own since the last durable group,
        // and how many came between the two durable groups before it: the
        // projections that follow each append, whose writes a derived group
        // waits for.
        let (mut derived, mut burst) = (0, 1);
        loop {
            let first = if self.dirty {
                match requests.recv_timeout(SYNC_DERIVED_AFTER) {
                    Ok(request) => request,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        self.checkpoint();
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match requests.recv() {
                    Ok(request) => request,
                    Err(_) => break,
                }
            };
            let expected = if first.durable() {
                previous
            } else {
                previous.max(burst)
            };
            let group = gather(first, requests, expected);
            previous = group.len();
            let durable = group.iter().any(Request::durable);
            if durable {
                (burst, derived) = (derived.max(1), 0);
            } else {
                derived += group.len();
            }
            self.commit_group(group, durable);
            if self.checkpoint_due() {
                self.checkpoint();
            }
        }
        self.close();
    }

    fn checkpoint_due(&self) -> bool {
        let (bytes, frames) = self.wal.since_checkpoint();
        self.dirty
            && (frames >= self.tuning.checkpoint_frames
                || bytes >= CHECKPOINT_BYTES
                || self.last_checkpoint.elapsed() >= CHECKPOINT_AFTER)
    }

    /// Makes the store file hold every commit so far (an empty durable
    /// commit: redb persists commits in order), so the log can start over.
    fn checkpoint(&mut self) {
        if self.poisoned.is_some() {
            return;
        }
        let synced = self
            .db
            .begin_write()
            .map_err(redb::Error::from)
            .and_then(|mut txn| {
                txn.set_durability(Durability::Immediate)?;
                txn.commit()?;
                Ok(())
            });
        match synced {
            Ok(()) => {
                self.wal.checkpointed();
                self.dirty = false;
                self.last_checkpoint = Instant::now();
                self.published.commits.fetch_add(1, Ordering::Relaxed);
                self.published.checkpoints.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => self.poison(&format!("a checkpoint failed: {error}")),
        }
    }

    fn poison(&mut self, reason: &str) {
        tracing::error!(reason, "the embedded store stops accepting writes");
        self.poisoned = Some(format!(
            "the store stopped accepting writes after a failure ({reason}); open it again"
        ));
        self.dirty = false;
    }

    /// At the end: a last checkpoint, then an empty log, so the next open
    /// has nothing to read back. Nothing is touched after a failure.
    fn close(&mut self) {
        if self.dirty {
            self.checkpoint();
        }
        if self.poisoned.is_none()
            && let Err(error) = self.wal.truncate()
        {
            tracing::warn!(%error, "could not empty the log at close; the next open reads it");
        }
    }

    /// Commits `group` in one transaction, its writes synced through one log
    /// frame when `durable`, and answers every request.
    fn commit_group(&mut self, mut group: Vec<Request>, durable: bool) {
        let mut outcomes: Vec<Option<Outcome>> = group.iter().map(|_| None).collect();
        loop {
            if let Some(reason) = &self.poisoned {
                for (index, request) in group.iter().enumerate() {
                    if outcomes[index].is_none() {
                        let error = StorageError::Io(reason.clone());
                        outcomes[index] = Some(Outcome::failed(request, error));
                    }
                }
                break;
            }
            match self.execute_group(&mut group, &outcomes, durable) {
                Ok(executed) => {
                    if executed.logged {
                        self.published.commits.fetch_add(1, Ordering::Relaxed);
                    } else if !durable {
                        self.published
                            .derived_commits
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    self.dirty = true;
                    self.published
                        .events_appended
                        .fetch_add(executed.events, Ordering::Relaxed);
                    if let Some(head) = executed.head {
                        self.published.head.send_replace(head);
                    }
                    for (index, outcome) in executed.outcomes {
                        outcomes[index] = Some(outcome);
                    }
                    break;
                }
                Err(GroupFailure::Request { index, error }) => {
                    tracing::error!(%error, "a write failed inside a group; retrying the group without it");
                    outcomes[index] = Some(Outcome::failed(&group[index], error));
                }
                Err(GroupFailure::Transaction(error)) => {
                    tracing::error!(%error, "group commit failed");
                    let message = error.to_string();
                    for (index, request) in group.iter().enumerate() {
                        if outcomes[index].is_none() {
                            let error = match &error {
                                StorageError::Corrupt(_) => StorageError::Corrupt(message.clone()),
                                StorageError::Closed => StorageError::Closed,
                                StorageError::Io(_) => StorageError::Io(message.clone()),
                            };
                            outcomes[index] = Some(Outcome::failed(request, error));
                        }
                    }
                    break;
                }
                Err(GroupFailure::Unknown(reason)) => self.poison(&reason),
            }
        }
        for (request, outcome) in group.into_iter().zip(outcomes) {
            // A caller that stopped waiting has dropped its receiver; nothing to tell.
            match (request, outcome) {
                (Request::Append { reply, .. }, Some(Outcome::Append(result))) => {
                    let _ = reply.send(result);
                }
                (Request::Write { reply, .. }, Some(Outcome::Write(result))) => {
                    let _ = reply.send(result);
                }
                _ => tracing::error!("group commit left a request without its outcome"),
            }
        }
    }

    fn execute_group(
        &mut self,
        group: &mut [Request],
        settled: &[Option<Outcome>],
        durable: bool,
    ) -> Result<Executed, GroupFailure> {
        let whole = |e: redb::Error| GroupFailure::Transaction(storage_error(e));
        let mut txn = self.db.begin_write().map_err(|e| whole(e.into()))?;
        txn.set_durability(Durability::None)
            .map_err(|e| whole(e.into()))?;
        let wal = &mut self.wal;
        wal.begin();
        let mut outcomes = Vec::with_capacity(group.len());
        let mut events = 0;
        let head;
        let logged;
        {
            let mut tables = GroupTables::open(&txn).map_err(whole)?;
            let mut position = tables.last_position().map_err(whole)?;
            let first_position = position;
            for (index, request) in group.iter_mut().enumerate() {
                if settled[index].is_some() {
                    continue;
                }
                let failed = |e: redb::Error| GroupFailure::Request {
                    index,
                    error: storage_error(e),
                };
                let outcome = match request {
                    Request::Append { request, .. } => {
                        match check_append(&tables, request, position) {
                            Ok(Checked { appended, encoded }) => {
                                for op in append_ops(request, &appended, &encoded) {
                                    tables.apply(&op).map_err(failed)?;
                                    wal.push(&op);
                                }
                                position = appended.last_position;
                                events += encoded.len() as u64;
                                Outcome::Append(Ok(appended))
                            }
                            Err(refused) => Outcome::Append(Err(refused)),
                        }
                    }
                    Request::Write { batch, .. } => {
                        for op in batch.iter().map(mutation_op) {
                            tables.apply(&op).map_err(failed)?;
                            wal.push(&op);
                        }
                        Outcome::Write(Ok(()))
                    }
                };
                outcomes.push((index, outcome));
            }
            head = (position > first_position).then_some(position);
            logged = durable && wal.has_ops();
            if logged {
                tables.stamp_applied(wal.next_seq()).map_err(whole)?;
            }
        }
        if logged {
            wal.commit().map_err(|e| {
                GroupFailure::Unknown(format!("the log's write or sync failed: {e}"))
            })?;
        }
        txn.commit()
            .map_err(|e| GroupFailure::Unknown(format!("a commit failed: {}", storage_error(e))))?;
        if !durable {
            wal.keep_derived();
        }
        Ok(Executed {
            outcomes,
            events,
            head,
            logged,
        })
    }
}

/// Takes everything queued behind `first`. While the group is smaller than
/// `expected` (the previous group; for derived writes, also the projections'
/// writes that followed the last append), waits up to [`LINGER`] for the
/// callers just answered to come back, so a steady crowd of writers shares one
/// fsync instead of alternating between a large and a small group, and the
/// projections following one append share one commit. A lone writer never waits.
fn gather(first: Request, requests: &mpsc::Receiver<Request>, expected: usize) -> Vec<Request> {
    let mut group = vec![first];
    let deadline = Instant::now() + LINGER;
    while group.len() < MAX_GROUP {
        let next = match requests.try_recv() {
            Ok(request) => Some(request),
            Err(mpsc::TryRecvError::Empty) if group.len() < expected => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    None
                } else {
                    requests.recv_timeout(left).ok()
                }
            }
            Err(_) => None,
        };
        match next {
            Some(request) => group.push(request),
            None => break,
        }
    }
    group
}

/// The result a request gets once its group is settled.
enum Outcome {
    Append(Result<Appended, AppendError>),
    Write(Result<(), StorageError>),
}

impl Outcome {
    fn failed(request: &Request, error: StorageError) -> Self {
        match request {
            Request::Append { .. } => Self::Append(Err(AppendError::Storage(error))),
            Request::Write { .. } => Self::Write(Err(error)),
        }
    }
}

/// Why a group's transaction was abandoned.
enum GroupFailure {
    /// Writing request `index` failed half-way: its rows are in the aborted
    /// transaction, so the group is run again without it.
    Request { index: usize, error: StorageError },
    /// The transaction could not start; nothing was written.
    Transaction(StorageError),
    /// The log's write or sync, or the commit after it, failed: the group
    /// may or may not be on the disk (a failed fsync may still have
    /// persisted it), so callers must not assume either way, and the writer
    /// stops.
    Unknown(String),
}

struct Executed {
    outcomes: Vec<(usize, Outcome)>,
    events: u64,
    /// The last position after the commit, when the group appended events.
    head: Option<u64>,
    /// Whether the group's writes went through a log frame.
    logged: bool,
}

/// An append that passed every check, with its rows ready to write.
struct Checked {
    appended: Appended,
    encoded: Vec<Vec<u8>>,
}

/// Runs every check of one append against the transaction's current state
/// (which includes earlier requests of the group) and encodes its events.
/// Writes nothing.
fn check_append(
    tables: &GroupTables<'_>,
    request: &mut AppendRequest,
    last_position: u64,
) -> Result<Checked, AppendError> {
    let read = |e: redb::Error| AppendError::Storage(storage_error(e));
    if request.events.is_empty() {
        return Err(AppendError::Empty);
    }
    if let Some(record) = &request.idempotency
        && let Some(existing) = tables
            .idempotency
            .get(record.key.as_str())
            .map_err(|e| read(e.into()))?
    {
        let (fingerprint, response) = existing.value();
        return Err(AppendError::IdempotencyKeyExists(
            golmok_kernel::IdempotencyRecord {
                key: record.key.clone(),
                fingerprint: fingerprint.to_owned(),
                response: response.to_vec(),
            },
        ));
    }
    let mut ids = HashSet::with_capacity(request.events.len());
    for event in &request.events {
        if !ids.insert(event.id)
            || tables
                .event_ids
                .get(event.id.as_u128())
                .map_err(|e| read(e.into()))?
                .is_some()
        {
            return Err(AppendError::DuplicateEvent(event.id));
        }
    }
    let actual = tables.stream_version(&request.stream).map_err(read)?;
    let matches = match request.expected {
        ExpectedVersion::Any => true,
        ExpectedVersion::NoStream => actual == 0,
        ExpectedVersion::Exact(version) => actual == version,
    };
    if !matches {
        return Err(AppendError::Conflict {
            stream: request.stream.clone(),
            expected: request.expected,
            actual,
        });
    }
    let mut encoded = Vec::with_capacity(request.events.len());
    for (offset, event) in (1..).zip(request.events.iter_mut()) {
        event.stream_version = actual + offset;
        let bytes = serde_json::to_vec(event)
            .map_err(|e| StorageError::Io(format!("event {} cannot be encoded: {e}", event.id)))?;
        encoded.push(bytes);
    }
    let count = encoded.len() as u64;
    Ok(Checked {
        appended: Appended {
            stream_version: actual + count,
            first_position: last_position + 1,
            last_position: last_position + count,
        },
        encoded,
    })
}

/// The writes of an append that passed its checks, in order.
fn append_ops<'a>(
    request: &'a AppendRequest,
    appended: &Appended,
    encoded: &'a [Vec<u8>],
) -> impl Iterator<Item = Op<'a>> {
    let events = request
        .events
        .iter()
        .zip(encoded)
        .zip(appended.first_position..)
        .map(|((event, bytes), position)| Op::Event {
            position,
            stream: &request.stream,
            version: event.stream_version,
            id: event.id.as_u128(),
            bytes,
        });
    let record = request.idempotency.iter().map(|record| Op::Idempotency {
        key: &record.key,
        fingerprint: &record.fingerprint,
        response: &record.response,
    });
    events.chain(record)
}

fn mutation_op(mutation: &Mutation) -> Op<'_> {
    match mutation {
        Mutation::Put {
            table,
            partition,
            clustering,
            value,
        } => Op::Put {
            table,
            partition,
            clustering,
            value,
        },
        Mutation::Delete {
            table,
            partition,
            clustering,
        } => Op::Delete {
            table,
            partition,
            clustering,
        },
    }
}
