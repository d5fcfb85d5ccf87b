//! The group-commit writer: one thread owns every write transaction.
//!
//! Callers queue requests; the thread drains the queue, runs every request of
//! the group in order inside ONE redb write transaction, commits it once with
//! `Durability::Immediate` (one fsync), publishes the new head and only then
//! answers each caller. Each append checks everything before writing a row, so
//! a refused append leaves nothing behind and does not disturb the others.
//!
//! A group of derived writes only ([`Request::Write`] with `durable` false: a
//! projection's rows and checkpoint, which its log can give again) commits
//! without a sync (`Durability::None`). The next durable commit makes it
//! durable with its own requests, since redb persists commits in order; when
//! none comes within [`SYNC_DERIVED_AFTER`], or the writer stops, an empty
//! durable commit does.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use golmok_kernel::{
    AppendError, AppendRequest, Appended, ExpectedVersion, Mutation, StorageError,
};
use redb::{Database, Durability, ReadableTable, Table, WriteTransaction};
use tokio::sync::{oneshot, watch};

use crate::schema::{EVENT_IDS, EVENTS, IDEMPOTENCY, ROWS, STREAMS, storage_error};

/// Requests taken into one transaction at most; bounds a group's latency.
const MAX_GROUP: usize = 4_096;
/// The longest a group waits for more requests; small next to an fsync.
const LINGER: Duration = Duration::from_micros(200);
/// How long derived writes may stay unsynced while no other write comes.
const SYNC_DERIVED_AFTER: Duration = Duration::from_millis(100);

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
    /// Durable commits (fsyncs).
    pub(crate) commits: AtomicU64,
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
        published: Arc<Published>,
    ) -> Result<Self, StorageError> {
        let (queue, requests) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("golmok-embedded-writer".into())
            .spawn(move || run(&db, &requests, &published))
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

fn run(db: &Database, requests: &mpsc::Receiver<Request>, published: &Published) {
    let mut previous = 1;
    // Whether derived writes were committed since the last durable commit.
    let mut unsynced = false;
    // Derived writes committed on their own since the last durable group, and
    // how many came between the two durable groups before it: the projections
    // that follow each append, whose writes a derived group waits for.
    let (mut derived, mut burst) = (0, 1);
    loop {
        let first = if unsynced {
            match requests.recv_timeout(SYNC_DERIVED_AFTER) {
                Ok(request) => request,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    unsynced = !sync(db, published);
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
        if commit_group(db, group, durable, published) {
            unsynced = !durable;
        }
    }
    if unsynced {
        sync(db, published);
    }
}

/// Makes the derived writes committed without a sync durable: an empty
/// group, committed durably. False when that failed (they stay unsynced;
/// redb's close tries again).
fn sync(db: &Database, published: &Published) -> bool {
    commit_group(db, Vec::new(), true, published)
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
    /// The transaction as a whole failed (begin or commit). Every request
    /// left gets a storage error: its outcome is unknown (a failed fsync may
    /// still have persisted it), so callers must not assume either way.
    Transaction(StorageError),
}

/// Commits `group` in one transaction, synced when `durable`, and answers
/// every request. True when the transaction committed.
fn commit_group(
    db: &Database,
    mut group: Vec<Request>,
    durable: bool,
    published: &Published,
) -> bool {
    let mut outcomes: Vec<Option<Outcome>> = group.iter().map(|_| None).collect();
    let mut committed = false;
    loop {
        match execute_group(db, &mut group, &outcomes, durable) {
            Ok(executed) => {
                committed = true;
                let counter = if durable {
                    &published.commits
                } else {
                    &published.derived_commits
                };
                counter.fetch_add(1, Ordering::Relaxed);
                published
                    .events_appended
                    .fetch_add(executed.events, Ordering::Relaxed);
                if let Some(head) = executed.head {
                    published.head.send_replace(head);
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
    committed
}

struct Executed {
    outcomes: Vec<(usize, Outcome)>,
    events: u64,
    /// The last position after the commit, when the group appended events.
    head: Option<u64>,
}

/// The tables a group writes, opened once per transaction.
struct GroupTables<'txn> {
    events: Table<'txn, u64, &'static [u8]>,
    streams: Table<'txn, (&'static str, u64), u64>,
    event_ids: Table<'txn, u128, u64>,
    idempotency: Table<'txn, &'static str, (&'static str, &'static [u8])>,
    rows: Table<'txn, (&'static str, &'static str, &'static str), &'static [u8]>,
}

impl<'txn> GroupTables<'txn> {
    fn open(txn: &'txn WriteTransaction) -> Result<Self, redb::Error> {
        Ok(Self {
            events: txn.open_table(EVENTS)?,
            streams: txn.open_table(STREAMS)?,
            event_ids: txn.open_table(EVENT_IDS)?,
            idempotency: txn.open_table(IDEMPOTENCY)?,
            rows: txn.open_table(ROWS)?,
        })
    }

    fn last_position(&self) -> Result<u64, redb::Error> {
        Ok(self.events.last()?.map_or(0, |(key, _)| key.value()))
    }

    fn stream_version(&self, stream: &str) -> Result<u64, redb::Error> {
        let mut range = self.streams.range((stream, 0)..=(stream, u64::MAX))?;
        Ok(match range.next_back() {
            Some(entry) => entry?.0.value().1,
            None => 0,
        })
    }
}

fn execute_group(
    db: &Database,
    group: &mut [Request],
    settled: &[Option<Outcome>],
    durable: bool,
) -> Result<Executed, GroupFailure> {
    let whole = |e: redb::Error| GroupFailure::Transaction(storage_error(e));
    let mut txn = db.begin_write().map_err(|e| whole(e.into()))?;
    let durability = if durable {
        Durability::Immediate
    } else {
        Durability::None
    };
    txn.set_durability(durability)
        .map_err(|e| whole(e.into()))?;
    let mut outcomes = Vec::with_capacity(group.len());
    let mut events = 0;
    let head;
    {
        let mut tables = GroupTables::open(&txn).map_err(whole)?;
        let mut position = tables.last_position().map_err(whole)?;
        let first_position = position;
        for (index, request) in group.iter_mut().enumerate() {
            if settled[index].is_some() {
                continue;
            }
            let outcome = match request {
                Request::Append { request, .. } => {
                    let checked = check_append(&tables, request, position);
                    match checked {
                        Ok(Checked { appended, encoded }) => {
                            write_append(&mut tables, request, &appended, &encoded).map_err(
                                |e| GroupFailure::Request {
                                    index,
                                    error: storage_error(e),
                                },
                            )?;
                            position = appended.last_position;
                            events += encoded.len() as u64;
                            Outcome::Append(Ok(appended))
                        }
                        Err(refused) => Outcome::Append(Err(refused)),
                    }
                }
                Request::Write { batch, .. } => {
                    write_rows(&mut tables, batch).map_err(|e| GroupFailure::Request {
                        index,
                        error: storage_error(e),
                    })?;
                    Outcome::Write(Ok(()))
                }
            };
            outcomes.push((index, outcome));
        }
        head = (position > first_position).then_some(position);
    }
    txn.commit().map_err(|e| whole(e.into()))?;
    Ok(Executed {
        outcomes,
        events,
        head,
    })
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

fn write_append(
    tables: &mut GroupTables<'_>,
    request: &AppendRequest,
    appended: &Appended,
    encoded: &[Vec<u8>],
) -> Result<(), redb::Error> {
    for ((event, bytes), position) in request
        .events
        .iter()
        .zip(encoded)
        .zip(appended.first_position..)
    {
        tables.events.insert(position, bytes.as_slice())?;
        tables
            .streams
            .insert((request.stream.as_str(), event.stream_version), position)?;
        tables.event_ids.insert(event.id.as_u128(), position)?;
    }
    if let Some(record) = &request.idempotency {
        tables.idempotency.insert(
            record.key.as_str(),
            (record.fingerprint.as_str(), record.response.as_slice()),
        )?;
    }
    Ok(())
}

fn write_rows(tables: &mut GroupTables<'_>, batch: &[Mutation]) -> Result<(), redb::Error> {
    for mutation in batch {
        match mutation {
            Mutation::Put {
                table,
                partition,
                clustering,
                value,
            } => {
                tables.rows.insert(
                    (table.as_str(), partition.as_str(), clustering.as_str()),
                    value.as_slice(),
                )?;
            }
            Mutation::Delete {
                table,
                partition,
                clustering,
            } => {
                tables
                    .rows
                    .remove((table.as_str(), partition.as_str(), clustering.as_str()))?;
            }
        }
    }
    Ok(())
}
