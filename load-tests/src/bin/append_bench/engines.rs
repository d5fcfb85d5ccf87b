//! redb against fjall for the event log's write path, with the same
//! group-commit shape as `EmbeddedStore`: one writer thread drains queued
//! appends, checks each stream's expected version inside one transaction,
//! writes event + stream index + id index rows, and commits durably once.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use fjall::{PersistMode, Readable, SingleWriterTxDatabase, SingleWriterTxKeyspace};
use redb::{Database, Durability, ReadableTable, TableDefinition};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::drive::{Run, Writer, drive};

/// One append: a single pre-encoded event for `stream` at `expected`.
pub struct Append {
    pub stream: String,
    pub expected: u64,
    pub id: u128,
    pub payload: Vec<u8>,
}

/// The new stream version, or the actual version on conflict.
pub type Outcome = Result<u64, u64>;

/// A storage engine's side of one group commit.
pub trait Engine: Send + 'static {
    /// Checks and writes every append of the group in one transaction and
    /// commits it durably once.
    fn commit_group(&mut self, group: &[Append]) -> anyhow::Result<Vec<Outcome>>;
}

type Job = (Append, oneshot::Sender<anyhow::Result<Outcome>>);

/// The queue into an engine's writer thread, and its commit count.
#[derive(Clone)]
pub struct GroupWriter {
    queue: mpsc::Sender<Job>,
    commits: Arc<AtomicU64>,
}

impl GroupWriter {
    pub fn spawn<E: Engine>(mut engine: E) -> Self {
        let (queue, jobs) = mpsc::channel::<Job>();
        let commits = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&commits);
        std::thread::spawn(move || {
            while let Ok(first) = jobs.recv() {
                let mut group = vec![first];
                group.extend(jobs.try_iter());
                let (appends, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
                match engine.commit_group(&appends) {
                    Ok(outcomes) => {
                        counted.fetch_add(1, Ordering::Relaxed);
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(outcome));
                        }
                    }
                    Err(error) => {
                        for reply in replies {
                            let _ =
                                reply.send(Err(anyhow::anyhow!("group commit failed: {error}")));
                        }
                    }
                }
            }
        });
        Self { queue, commits }
    }

    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

struct EngineWriter {
    writer: GroupWriter,
    stream: String,
    version: u64,
}

impl Writer for EngineWriter {
    async fn append(&mut self) -> anyhow::Result<u64> {
        let id = Uuid::now_v7();
        let payload = serde_json::to_vec(&golmok_kernel::conformance::sample_envelope(
            &self.stream,
            "bench",
        ))?;
        let (reply, answer) = oneshot::channel();
        let append = Append {
            stream: self.stream.clone(),
            expected: self.version,
            id: id.as_u128(),
            payload,
        };
        self.writer
            .queue
            .send((append, reply))
            .map_err(|_| anyhow::anyhow!("writer thread gone"))?;
        match answer.await?? {
            Ok(version) => {
                self.version = version;
                Ok(1)
            }
            Err(actual) => anyhow::bail!("unexpected conflict: {} is at {actual}", self.stream),
        }
    }
}

pub struct EngineRow {
    pub engine: &'static str,
    pub writers: usize,
    pub run: Run,
    pub commits: u64,
}

impl EngineRow {
    /// Adds another slice of the same engine and level.
    pub fn absorb(&mut self, other: EngineRow) {
        self.run.absorb(other.run);
        self.commits += other.commits;
    }
}

/// Runs `writers` writers against `engine` for `duration`.
pub async fn measure<E: Engine>(
    name: &'static str,
    engine: E,
    writers: usize,
    duration: Duration,
) -> anyhow::Result<EngineRow> {
    let writer = GroupWriter::spawn(engine);
    let bench_writers = (0..writers)
        .map(|w| EngineWriter {
            writer: writer.clone(),
            stream: format!("merchant-{w}"),
            version: 0,
        })
        .collect();
    let run = drive(bench_writers, duration).await?;
    Ok(EngineRow {
        engine: name,
        writers,
        run,
        commits: writer.commits(),
    })
}

pub const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
const STREAMS: TableDefinition<(&str, u64), u64> = TableDefinition::new("streams");
pub const IDS: TableDefinition<u128, u64> = TableDefinition::new("event_ids");

/// redb, `Durability::Immediate` (one `fdatasync` per commit).
pub struct Redb {
    db: Database,
}

impl Redb {
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            db: Database::create(dir.join("bench.redb"))?,
        })
    }

    /// Opens with every page's checksum verified, as `EmbeddedStore` does.
    pub fn open_checked(dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            db: open_checked(&dir.join("bench.redb"))?,
        })
    }
}

/// Opens a redb file checking every page's checksum, as `EmbeddedStore::open`
/// does.
pub fn open_checked(path: &Path) -> anyhow::Result<Database> {
    let mut builder = redb::Builder::new();
    builder.set_check_integrity_on_open(true);
    Ok(builder.create(path)?)
}

impl Engine for Redb {
    fn commit_group(&mut self, group: &[Append]) -> anyhow::Result<Vec<Outcome>> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        let mut outcomes = Vec::with_capacity(group.len());
        {
            let mut events = txn.open_table(EVENTS)?;
            let mut streams = txn.open_table(STREAMS)?;
            let mut ids = txn.open_table(IDS)?;
            let mut position = events.last()?.map_or(0, |(k, _)| k.value());
            for append in group {
                let stream = append.stream.as_str();
                let actual = match streams.range((stream, 0)..=(stream, u64::MAX))?.next_back() {
                    Some(entry) => entry?.0.value().1,
                    None => 0,
                };
                if actual != append.expected || ids.get(append.id)?.is_some() {
                    outcomes.push(Err(actual));
                    continue;
                }
                position += 1;
                events.insert(position, append.payload.as_slice())?;
                streams.insert((stream, actual + 1), position)?;
                ids.insert(append.id, position)?;
                outcomes.push(Ok(actual + 1));
            }
        }
        txn.commit()?;
        Ok(outcomes)
    }
}

/// fjall (LSM tree + journal), single-writer transactions committed with
/// the given persist mode.
pub struct Fjall {
    db: SingleWriterTxDatabase,
    events: SingleWriterTxKeyspace,
    streams: SingleWriterTxKeyspace,
    ids: SingleWriterTxKeyspace,
    persist: PersistMode,
    position: u64,
}

impl Fjall {
    pub fn open(dir: &Path, persist: PersistMode) -> anyhow::Result<Self> {
        let db = SingleWriterTxDatabase::builder(dir.join("bench.fjall")).open()?;
        let events = db.keyspace("events", Default::default)?;
        let streams = db.keyspace("streams", Default::default)?;
        let ids = db.keyspace("event_ids", Default::default)?;
        Ok(Self {
            db,
            events,
            streams,
            ids,
            persist,
            position: 0,
        })
    }
}

fn stream_key(stream: &str, version: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream.len() + 9);
    key.extend_from_slice(stream.as_bytes());
    key.push(0);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

impl Engine for Fjall {
    fn commit_group(&mut self, group: &[Append]) -> anyhow::Result<Vec<Outcome>> {
        let mut txn = self.db.write_tx().durability(Some(self.persist));
        let mut outcomes = Vec::with_capacity(group.len());
        let mut position = self.position;
        for append in group {
            let prefix = stream_key(&append.stream, 0);
            let prefix = &prefix[..prefix.len() - 8];
            let actual = match txn.prefix(&self.streams, prefix).next_back() {
                Some(guard) => {
                    let key = guard.key()?;
                    u64::from_be_bytes(key[key.len() - 8..].try_into()?)
                }
                None => 0,
            };
            if actual != append.expected || txn.contains_key(&self.ids, append.id.to_be_bytes())? {
                outcomes.push(Err(actual));
                continue;
            }
            position += 1;
            txn.insert(
                &self.events,
                position.to_be_bytes(),
                append.payload.as_slice(),
            );
            txn.insert(
                &self.streams,
                stream_key(&append.stream, actual + 1),
                position.to_be_bytes(),
            );
            txn.insert(&self.ids, append.id.to_be_bytes(), position.to_be_bytes());
            outcomes.push(Ok(actual + 1));
        }
        txn.commit()?;
        self.position = position;
        Ok(outcomes)
    }
}
