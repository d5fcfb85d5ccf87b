//! The table port. Rows live in `rows`; a consumer's checkpoint and inbox live
//! in its `consumer_state` partition so they are one conditional write.
//!
//! A batch with inbox entries is committed as an *intent*: one conditional
//! batch on the consumer's partition inserts every inbox entry `IF NOT
//! EXISTS`, moves the checkpoint and records the batch's other mutations as a
//! pending row (`p`, also `IF NOT EXISTS`, so one intent at a time). Once that
//! is applied, the effects are written with a logged batch and the pending row
//! is released. A crash in between is finished (rolled forward) by the next
//! write of that consumer, by reading its checkpoint, or by opening a store.
//! If another process applied one of the events first, the conditional batch
//! is not applied and the write fails (`INBOX_CONFLICT`); the consumer retries
//! and finds the event in its inbox: one effect per event.
//!
//! An intent's effects carry its own write timestamp, the consumer's new write
//! sequence (later than the clock and than every earlier intent of that
//! consumer): whoever writes them, and however late (a process paused after
//! its conditional batch, two processes rolling one intent forward), they
//! never replace what a later intent wrote.
//!
//! Effects are written in logged batches of at most [`CHUNK_STATEMENTS`]
//! statements and [`CHUNK_BYTES`] of keys and values (a cluster refuses
//! batches above its `batch_size_fail_threshold`). A plain write larger than
//! one such batch, or one that moves the checkpoints of several consumers
//! (a rebuild's swap), is committed as an intent of its own: the pending row
//! of a fresh `~write~<id>` partition of `consumer_state` (one
//! single-partition write, exempt from the batch threshold), then its
//! effects, then the release; a crash in between is rolled forward when a
//! store is next opened. Every write thus stays all-or-nothing.
//!
//! Before any row is put into a partition, the (table, partition) pair is
//! inserted into `table_partitions` (idempotent, at the server's time): the
//! index never misses a partition that holds rows, and [`WholeTables`] lists
//! a table by walking it in partition order, skipping partitions whose rows
//! were all deleted.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use golmok_kernel::{Mutation, Page, Row, ScanOrder, StorageError, Tables, WholeTables};
use scylla::statement::batch::{Batch, BatchType};
use scylla::value::CqlValue;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::CqlStore;
use crate::log::applied;
use crate::store::{Inner, io};

/// Clustering keys are stored with this prefix: CQL refuses empty clustering values.
const PREFIX: char = '.';
const PENDING: &str = "p";
/// The consumer's write sequence: every consumer write is conditional on it.
const SEQUENCE: &str = "s";
/// The kernel consumer's inbox and checkpoint tables (`golmok_kernel` keeps the
/// constants private to its consumer module; the conformance suites check them).
const INBOX: &str = "inbox";
const CHECKPOINTS: &str = "checkpoints";
const MAX_ROLLS: usize = 50;
/// Most statements one logged batch of effects holds.
pub const CHUNK_STATEMENTS: usize = 256;
/// Most bytes of keys and values one logged batch of effects holds.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// The `consumer_state` partition prefix of a plain write's own intent.
const WRITE_INTENT: &str = "~write~";
/// Partitions read from `table_partitions` per query.
const PARTITION_PAGE: i32 = 256;

fn state_prefix(table: &str) -> Option<&'static str> {
    match table {
        INBOX => Some("i"),
        CHECKPOINTS => Some("c"),
        _ => None,
    }
}

/// A mutation as stored in a pending intent.
#[derive(Serialize, Deserialize)]
struct Stored {
    table: String,
    partition: String,
    clustering: String,
    value: Option<Vec<u8>>,
}

#[derive(Serialize, Deserialize)]
struct Intent {
    id: Uuid,
    /// The write timestamp of the effects (microseconds); absent in intents
    /// written before it was recorded, whose effects take the server's.
    #[serde(default)]
    timestamp: Option<i64>,
    effects: Vec<Stored>,
}

fn stored(mutation: &Mutation) -> Stored {
    match mutation {
        Mutation::Put {
            table,
            partition,
            clustering,
            value,
        } => Stored {
            table: table.clone(),
            partition: partition.clone(),
            clustering: clustering.clone(),
            value: Some(value.clone()),
        },
        Mutation::Delete {
            table,
            partition,
            clustering,
        } => Stored {
            table: table.clone(),
            partition: partition.clone(),
            clustering: clustering.clone(),
            value: None,
        },
    }
}

fn batch(inner: &Inner) -> Batch {
    batch_of(inner, BatchType::Logged)
}

fn batch_of(inner: &Inner, kind: BatchType) -> Batch {
    let mut batch = Batch::new(kind);
    batch.set_consistency(inner.consistency);
    batch.set_serial_consistency(Some(inner.serial));
    batch.set_request_timeout(Some(std::time::Duration::from_millis(
        inner.settings.request_timeout_ms,
    )));
    batch
}

fn text(value: &str) -> CqlValue {
    CqlValue::Text(value.to_owned())
}

fn clustered(clustering: &str) -> String {
    format!("{PREFIX}{clustering}")
}

/// The write sequence after `sequence`: the clock in microseconds, or one
/// past `sequence` if that is later (another process's clock may be ahead).
/// It is also the write timestamp of the intent's effects, so a later intent
/// of the consumer always writes with a later timestamp.
fn next_sequence(sequence: u64) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
        });
    now.max(sequence.saturating_add(1))
}

fn stored_size(m: &Stored) -> usize {
    m.table.len() + m.partition.len() + m.clustering.len() + m.value.as_ref().map_or(0, Vec::len)
}

/// `effects` cut into runs of at most [`CHUNK_STATEMENTS`] statements and
/// [`CHUNK_BYTES`] bytes (a single larger mutation is a run of its own).
fn chunks(effects: &[Stored]) -> Vec<&[Stored]> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, m) in effects.iter().enumerate() {
        let size = stored_size(m);
        if i > start && (i - start >= CHUNK_STATEMENTS || bytes + size > CHUNK_BYTES) {
            runs.push(&effects[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < effects.len() {
        runs.push(&effects[start..]);
    }
    runs
}

/// Inserts the (table, partition) of every row `effects` put into
/// `table_partitions`, before the rows are written.
async fn index_partitions(inner: &Inner, effects: &[Stored]) -> Result<(), StorageError> {
    let partitions: BTreeSet<(&str, &str)> = effects
        .iter()
        .filter(|m| m.value.is_some() && state_prefix(&m.table).is_none())
        .map(|m| (m.table.as_str(), m.partition.as_str()))
        .collect();
    let partitions: Vec<(&str, &str)> = partitions.into_iter().collect();
    for run in partitions.chunks(CHUNK_STATEMENTS) {
        if let [(table, partition)] = run {
            inner
                .session
                .execute_unpaged(&inner.statements.index_partition, (table, partition))
                .await
                .map_err(|e| io("index a partition", e))?;
            continue;
        }
        let mut b = batch_of(inner, BatchType::Unlogged);
        for _ in run {
            b.append_statement(inner.statements.index_partition.clone());
        }
        inner
            .session
            .batch(&b, run)
            .await
            .map_err(|e| io("index partitions", e))?;
    }
    Ok(())
}

/// Writes mutations (rows, and consumer state when an intent of its own
/// moves several checkpoints) in logged batches of at most one chunk each,
/// at `timestamp` (an intent's) or the server's time. Several chunks are
/// all-or-nothing only under an intent.
async fn write_rows(
    inner: &Inner,
    effects: &[Stored],
    timestamp: Option<i64>,
) -> Result<(), StorageError> {
    if effects.is_empty() {
        return Ok(());
    }
    index_partitions(inner, effects).await?;
    let s = &inner.statements;
    for run in chunks(effects) {
        let mut b = batch(inner);
        b.set_timestamp(timestamp);
        let mut values: Vec<Vec<CqlValue>> = Vec::new();
        for m in run {
            match (state_prefix(&m.table), &m.value) {
                (Some(prefix), Some(value)) => {
                    b.append_statement(s.state_put.clone());
                    values.push(vec![
                        text(&m.partition),
                        text(&format!("{prefix}{}", m.clustering)),
                        CqlValue::Blob(value.clone()),
                    ]);
                }
                (Some(prefix), None) => {
                    b.append_statement(s.state_delete.clone());
                    values.push(vec![
                        text(&m.partition),
                        text(&format!("{prefix}{}", m.clustering)),
                    ]);
                }
                (None, Some(value)) => {
                    b.append_statement(s.put_row.clone());
                    values.push(vec![
                        text(&m.table),
                        text(&m.partition),
                        text(&clustered(&m.clustering)),
                        CqlValue::Blob(value.clone()),
                    ]);
                }
                (None, None) => {
                    b.append_statement(s.delete_row.clone());
                    values.push(vec![
                        text(&m.table),
                        text(&m.partition),
                        text(&clustered(&m.clustering)),
                    ]);
                }
            }
        }
        inner
            .session
            .batch(&b, values)
            .await
            .map_err(|e| io("write rows", e))?;
    }
    Ok(())
}

/// Finishes the pending intent of `consumer`, if any. Returns whether one was found.
async fn roll_forward(inner: &Inner, consumer: &str) -> Result<bool, StorageError> {
    let s = &inner.statements;
    let rows = inner
        .session
        .execute_unpaged(&s.state_get_serial, (consumer, PENDING))
        .await
        .map_err(|e| io("read the pending consumer write", e))?
        .into_rows_result()
        .map_err(|e| io("read the pending consumer write", e))?;
    let Some((Some(bytes),)) = rows
        .maybe_first_row::<(Option<Vec<u8>>,)>()
        .map_err(|e| io("read the pending consumer write", e))?
    else {
        return Ok(false);
    };
    let intent: Intent = serde_json::from_slice(&bytes)
        .map_err(|e| StorageError::Corrupt(format!("pending write of {consumer}: {e}")))?;
    write_rows(inner, &intent.effects, intent.timestamp).await?;
    inner
        .session
        .execute_unpaged(&s.state_release, (consumer, PENDING, bytes))
        .await
        .map_err(|e| io("release the pending consumer write", e))?;
    Ok(true)
}

/// Finishes a pending intent of `consumer`, then returns its write sequence
/// (0 before its first write), read linearizably.
async fn settle(inner: &Inner, consumer: &str) -> Result<u64, StorageError> {
    for _ in 0..MAX_ROLLS {
        let rows = inner
            .session
            .execute_unpaged(&inner.statements.state_control, (consumer,))
            .await
            .map_err(|e| io("read the consumer's write sequence", e))?
            .into_rows_result()
            .map_err(|e| io("read the consumer's write sequence", e))?;
        let mut pending = false;
        let mut sequence = 0;
        for row in rows
            .rows::<(String, Option<Vec<u8>>)>()
            .map_err(|e| io("read the consumer's write sequence", e))?
        {
            let (key, value) = row.map_err(|e| io("read the consumer's write sequence", e))?;
            if key == PENDING {
                pending = true;
            } else if key == SEQUENCE {
                sequence = decode_sequence(value.as_deref())?;
            }
        }
        if !pending {
            return Ok(sequence);
        }
        roll_forward(inner, consumer).await?;
    }
    Err(StorageError::Io(format!(
        "consumer {consumer}'s pending writes kept changing for {MAX_ROLLS} attempts"
    )))
}

fn decode_sequence(value: Option<&[u8]>) -> Result<u64, StorageError> {
    let bytes: [u8; 8] = value.unwrap_or(&[0; 8]).try_into().map_err(|_| {
        StorageError::Corrupt("a consumer write sequence is not 8 bytes".to_owned())
    })?;
    Ok(u64::from_be_bytes(bytes))
}

/// Finishes every consumer's pending intent (at open).
pub(crate) async fn recover_all_pending(inner: &Arc<Inner>) -> Result<(), StorageError> {
    let rows = inner
        .session
        .execute_unpaged(&inner.statements.state_pending, ())
        .await
        .map_err(|e| io("look for pending consumer writes", e))?
        .into_rows_result()
        .map_err(|e| io("look for pending consumer writes", e))?;
    let consumers: Vec<String> = rows
        .rows::<(String,)>()
        .map_err(|e| io("look for pending consumer writes", e))?
        .filter_map(Result::ok)
        .map(|(c,)| c)
        .collect();
    for consumer in consumers {
        roll_forward(inner, &consumer).await?;
    }
    Ok(())
}

impl CqlStore {
    /// Commits `effects` as an intent of their own (see the module doc):
    /// all-or-nothing whatever their size or the partitions they touch.
    async fn write_intent(&self, effects: Vec<Stored>) -> Result<(), StorageError> {
        let inner = &self.inner;
        let s = &inner.statements;
        let id = Uuid::now_v7();
        let owner = format!("{WRITE_INTENT}{id}");
        let intent = Intent {
            id,
            timestamp: Some(i64::try_from(next_sequence(0)).unwrap_or(i64::MAX)),
            effects,
        };
        let bytes = serde_json::to_vec(&intent).map_err(|e| io("encode the intent", e))?;
        let claimed = inner
            .session
            .execute_unpaged(&s.state_claim, (&owner, PENDING, &bytes))
            .await
            .map_err(|e| io("record a write's intent", e))?;
        if !applied(claimed)? {
            return Err(StorageError::Io(format!(
                "the intent {owner} of a write already exists"
            )));
        }
        write_rows(inner, &intent.effects, intent.timestamp).await?;
        inner
            .session
            .execute_unpaged(&s.state_release, (&owner, PENDING, &bytes))
            .await
            .map_err(|e| io("release a write's intent", e))?;
        Ok(())
    }

    /// The partitions of `table` after `after` (all from the first when
    /// `None`), in order, at most `limit`.
    async fn partitions(
        &self,
        table: &str,
        after: Option<&str>,
        limit: i32,
    ) -> Result<Vec<String>, StorageError> {
        let s = &self.inner.statements;
        let result = match after {
            Some(after) => {
                self.inner
                    .session
                    .execute_unpaged(&s.list_partitions_after, (table, after, limit))
                    .await
            }
            None => {
                self.inner
                    .session
                    .execute_unpaged(&s.list_partitions, (table, limit))
                    .await
            }
        };
        let rows = result
            .map_err(|e| io("list partitions", e))?
            .into_rows_result()
            .map_err(|e| io("list partitions", e))?;
        rows.rows::<(String,)>()
            .map_err(|e| io("list partitions", e))?
            .map(|row| {
                row.map(|(part,)| part)
                    .map_err(|e| io("list partitions", e))
            })
            .collect()
    }

    /// Appends the rows of one partition after `after` to `rows`, up to `limit` in all.
    async fn partition_rows(
        &self,
        table: &str,
        partition: &str,
        after: Option<&str>,
        limit: usize,
        rows: &mut Vec<Row>,
    ) -> Result<(), StorageError> {
        let mut after = after.map(str::to_owned);
        while rows.len() < limit {
            let page = self
                .scan(
                    table,
                    partition,
                    after.as_deref(),
                    ScanOrder::Ascending,
                    limit - rows.len(),
                )
                .await?;
            rows.extend(page.rows);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(())
    }

    async fn write_consumer(
        &self,
        consumer: &str,
        state: Vec<Mutation>,
        effects: Vec<Mutation>,
    ) -> Result<(), StorageError> {
        let inner = &self.inner;
        let s = &inner.statements;
        let observed = self
            .inner
            .observed
            .lock()
            .ok()
            .and_then(|mut map| map.remove(consumer));
        let sequence = match observed {
            Some(sequence) => sequence,
            None => settle(inner, consumer).await?,
        };
        let next = next_sequence(sequence);
        let intent = Intent {
            id: Uuid::now_v7(),
            timestamp: Some(i64::try_from(next).unwrap_or(i64::MAX)),
            effects: effects.iter().map(stored).collect(),
        };
        let intent_bytes = serde_json::to_vec(&intent).map_err(|e| io("encode the intent", e))?;
        let mut b = batch(inner);
        let mut values: Vec<Vec<CqlValue>> = Vec::new();
        let next = CqlValue::Blob(next.to_be_bytes().to_vec());
        if sequence == 0 {
            b.append_statement(s.state_claim.clone());
            values.push(vec![text(consumer), text(SEQUENCE), next]);
        } else {
            b.append_statement(s.state_advance.clone());
            values.push(vec![
                next,
                text(consumer),
                text(SEQUENCE),
                CqlValue::Blob(sequence.to_be_bytes().to_vec()),
            ]);
        }
        b.append_statement(s.state_claim.clone());
        values.push(vec![
            text(consumer),
            text(PENDING),
            CqlValue::Blob(intent_bytes.clone()),
        ]);
        for m in &state {
            match m {
                Mutation::Put {
                    table,
                    clustering,
                    value,
                    ..
                } => {
                    let key = format!("{}{clustering}", state_prefix(table).unwrap_or("?"));
                    b.append_statement(if table == INBOX {
                        s.state_claim.clone()
                    } else {
                        s.state_put.clone()
                    });
                    values.push(vec![
                        text(consumer),
                        text(&key),
                        CqlValue::Blob(value.clone()),
                    ]);
                }
                Mutation::Delete {
                    table, clustering, ..
                } => {
                    let key = format!("{}{clustering}", state_prefix(table).unwrap_or("?"));
                    b.append_statement(s.state_delete.clone());
                    values.push(vec![text(consumer), text(&key)]);
                }
            }
        }
        let result = inner
            .session
            .batch(&b, values)
            .await
            .map_err(|e| io("conditional consumer write", e))?;
        if applied(result)? {
            write_rows(inner, &intent.effects, intent.timestamp).await?;
            inner
                .session
                .execute_unpaged(&s.state_release, (consumer, PENDING, intent_bytes.clone()))
                .await
                .map_err(|e| io("release the consumer write", e))?;
            return Ok(());
        }
        // Another process wrote for this consumer after this batch began: its
        // reads may be stale. Finish that write; the consumer retries the batch.
        roll_forward(inner, consumer).await?;
        Err(StorageError::Io(format!(
            "INBOX_CONFLICT: another process wrote for consumer {consumer} while this batch was applied; the batch is retried and the inbox skips what is already applied"
        )))
    }
}

#[async_trait]
impl Tables for CqlStore {
    async fn get(
        &self,
        table: &str,
        partition: &str,
        clustering: &str,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let inner = &self.inner;
        let s = &inner.statements;
        let result = if let Some(prefix) = state_prefix(table) {
            let begins_batch = table == INBOX
                && inner
                    .observed
                    .lock()
                    .map(|map| !map.contains_key(partition))
                    .unwrap_or(true);
            if table == CHECKPOINTS {
                // A consumer starting from its checkpoint first finishes a write a crash interrupted.
                roll_forward(inner, partition).await?;
            } else if begins_batch {
                // The first inbox read of a batch: finish any other process's
                // pending write so its effects are visible, and remember the
                // sequence this batch's reads start from.
                let sequence = settle(inner, partition).await?;
                if let Ok(mut map) = inner.observed.lock() {
                    map.insert(partition.to_owned(), sequence);
                }
            }
            inner
                .session
                .execute_unpaged(&s.state_get, (partition, format!("{prefix}{clustering}")))
                .await
        } else {
            inner
                .session
                .execute_unpaged(&s.get_row, (table, partition, clustered(clustering)))
                .await
        };
        let rows = result
            .map_err(|e| io("read a row", e))?
            .into_rows_result()
            .map_err(|e| io("read a row", e))?;
        Ok(rows
            .maybe_first_row::<(Option<Vec<u8>>,)>()
            .map_err(|e| io("read a row", e))?
            .map(|(v,)| v.unwrap_or_default()))
    }

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
        let inner = &self.inner;
        let s = &inner.statements;
        let fetch = i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX);
        let mut rows: Vec<Row> = Vec::new();
        if let Some(prefix) = state_prefix(table) {
            // Consumer state is scanned ascending only by the kernel; both orders are served.
            let (low, high) = match (after, order) {
                (Some(a), ScanOrder::Ascending) => {
                    (format!("{prefix}{a}"), format!("{prefix}\u{10FFFF}"))
                }
                (Some(a), ScanOrder::Descending) => (prefix.to_owned(), format!("{prefix}{a}")),
                (None, _) => (prefix.to_owned(), format!("{prefix}\u{10FFFF}")),
            };
            let result = inner
                .session
                .execute_unpaged(&s.state_scan, (partition, low, high, i32::MAX))
                .await
                .map_err(|e| io("scan", e))?
                .into_rows_result()
                .map_err(|e| io("scan", e))?;
            for row in result
                .rows::<(String, Option<Vec<u8>>)>()
                .map_err(|e| io("scan", e))?
            {
                let (key, value) = row.map_err(|e| io("scan", e))?;
                rows.push(Row {
                    partition: partition.to_owned(),
                    clustering: key[prefix.len()..].to_owned(),
                    value: value.unwrap_or_default(),
                });
            }
            if order == ScanOrder::Descending {
                rows.reverse();
            }
            rows.truncate(limit + 1);
        } else {
            let result = match (after, order) {
                (None, ScanOrder::Ascending) => {
                    inner
                        .session
                        .execute_unpaged(&s.scan_asc, (table, partition, fetch))
                        .await
                }
                (None, ScanOrder::Descending) => {
                    inner
                        .session
                        .execute_unpaged(&s.scan_desc, (table, partition, fetch))
                        .await
                }
                (Some(a), ScanOrder::Ascending) => {
                    inner
                        .session
                        .execute_unpaged(&s.scan_asc_after, (table, partition, clustered(a), fetch))
                        .await
                }
                (Some(a), ScanOrder::Descending) => {
                    inner
                        .session
                        .execute_unpaged(
                            &s.scan_desc_after,
                            (table, partition, clustered(a), fetch),
                        )
                        .await
                }
            };
            let result = result
                .map_err(|e| io("scan", e))?
                .into_rows_result()
                .map_err(|e| io("scan", e))?;
            for row in result
                .rows::<(String, Option<Vec<u8>>)>()
                .map_err(|e| io("scan", e))?
            {
                let (clustering, value) = row.map_err(|e| io("scan", e))?;
                rows.push(Row {
                    partition: partition.to_owned(),
                    clustering: clustering
                        .strip_prefix(PREFIX)
                        .unwrap_or(&clustering)
                        .to_owned(),
                    value: value.unwrap_or_default(),
                });
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| r.clustering.clone())
        } else {
            None
        };
        Ok(Page { rows, next })
    }

    async fn write(&self, batch: Vec<Mutation>) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        // Mutations of one batch share a write timestamp, where a tombstone
        // beats a value: keep only the last mutation of each key, as the port
        // applies them in order.
        let mut last: HashMap<(String, String, String), usize> = HashMap::new();
        for (index, m) in batch.iter().enumerate() {
            let (Mutation::Put {
                table,
                partition,
                clustering,
                ..
            }
            | Mutation::Delete {
                table,
                partition,
                clustering,
            }) = m;
            last.insert(
                (table.clone(), partition.clone(), clustering.clone()),
                index,
            );
        }
        let mut keep: Vec<usize> = last.into_values().collect();
        keep.sort_unstable();
        let mut batch: Vec<Option<Mutation>> = batch.into_iter().map(Some).collect();
        let batch: Vec<Mutation> = keep.into_iter().filter_map(|i| batch[i].take()).collect();
        let (state, effects): (Vec<Mutation>, Vec<Mutation>) = batch.into_iter().partition(|m| {
            let table = match m {
                Mutation::Put { table, .. } | Mutation::Delete { table, .. } => table,
            };
            state_prefix(table).is_some()
        });
        if state.is_empty() {
            let effects: Vec<Stored> = effects.iter().map(stored).collect();
            if chunks(&effects).len() > 1 {
                return self.write_intent(effects).await;
            }
            return write_rows(&self.inner, &effects, None).await;
        }
        let mut consumers = state.iter().map(|m| match m {
            Mutation::Put { partition, .. } | Mutation::Delete { partition, .. } => {
                partition.clone()
            }
        });
        let consumer = consumers.next().unwrap_or_default();
        if consumers.any(|c| c != consumer) {
            if !state.iter().any(|m| m.table() == INBOX) {
                // Checkpoints of several consumers (a rebuild's swap): no
                // conditional write covers them all, an intent does.
                let all = state.iter().chain(&effects).map(stored).collect();
                return self.write_intent(all).await;
            }
            return Err(StorageError::Io(
                "one write may hold the inbox and checkpoint of one consumer only".to_owned(),
            ));
        }
        self.write_consumer(&consumer, state, effects).await
    }
}

#[async_trait]
impl WholeTables for CqlStore {
    async fn rows_after(
        &self,
        table: &str,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<Row>, StorageError> {
        if state_prefix(table).is_some() {
            return Err(StorageError::Io(format!(
                "{table} is consumer state, not a table that can be listed whole"
            )));
        }
        let mut rows = Vec::new();
        if let Some((partition, clustering)) = after {
            self.partition_rows(table, partition, Some(clustering), limit, &mut rows)
                .await?;
        }
        let mut from = after.map(|(partition, _)| partition.to_owned());
        while rows.len() < limit {
            let partitions = self
                .partitions(table, from.as_deref(), PARTITION_PAGE)
                .await?;
            let Some(last) = partitions.last().cloned() else {
                break;
            };
            for partition in &partitions {
                self.partition_rows(table, partition, None, limit, &mut rows)
                    .await?;
                if rows.len() >= limit {
                    break;
                }
            }
            from = Some(last);
        }
        Ok(rows)
    }

    /// One partition deletion per partition of `table`, then its index.
    async fn clear(&self, table: &str) -> Result<u64, StorageError> {
        if state_prefix(table).is_some() {
            return Err(StorageError::Io(format!(
                "{table} is consumer state, not a table that can be cleared whole"
            )));
        }
        let s = &self.inner.statements;
        let session = &self.inner.session;
        let mut deleted = 0;
        let mut from: Option<String> = None;
        loop {
            let partitions = self
                .partitions(table, from.as_deref(), PARTITION_PAGE)
                .await?;
            let Some(last) = partitions.last().cloned() else {
                break;
            };
            for partition in &partitions {
                let (count,): (i64,) = session
                    .execute_unpaged(&s.count_partition, (table, partition))
                    .await
                    .map_err(|e| io("count a partition's rows", e))?
                    .into_rows_result()
                    .map_err(|e| io("count a partition's rows", e))?
                    .single_row()
                    .map_err(|e| io("count a partition's rows", e))?;
                if count > 0 {
                    session
                        .execute_unpaged(&s.delete_partition, (table, partition))
                        .await
                        .map_err(|e| io("delete a partition", e))?;
                    deleted += u64::try_from(count).unwrap_or(0);
                }
            }
            from = Some(last);
        }
        session
            .execute_unpaged(&s.forget_table, (table,))
            .await
            .map_err(|e| io("delete a table's partition index", e))?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(partition: &str, bytes: usize) -> Stored {
        Stored {
            table: "t".to_owned(),
            partition: partition.to_owned(),
            clustering: "c".to_owned(),
            value: Some(vec![0; bytes]),
        }
    }

    #[test]
    fn effects_are_cut_into_batches_the_cluster_accepts() {
        assert!(chunks(&[]).is_empty());
        let small: Vec<Stored> = (0..CHUNK_STATEMENTS)
            .map(|i| put(&i.to_string(), 8))
            .collect();
        assert_eq!(chunks(&small).len(), 1);
        let many: Vec<Stored> = (0..=CHUNK_STATEMENTS)
            .map(|i| put(&i.to_string(), 8))
            .collect();
        let runs = chunks(&many);
        assert_eq!(
            runs.iter().map(|r| r.len()).collect::<Vec<_>>(),
            [CHUNK_STATEMENTS, 1]
        );
        let big: Vec<Stored> = (0..5)
            .map(|i| put(&i.to_string(), CHUNK_BYTES / 2))
            .collect();
        let runs = chunks(&big);
        assert!(
            runs.iter()
                .all(|r| r.iter().map(stored_size).sum::<usize>() <= CHUNK_BYTES || r.len() == 1)
        );
        assert_eq!(runs.iter().map(|r| r.len()).sum::<usize>(), 5);
        let huge = [put("a", CHUNK_BYTES * 2)];
        assert_eq!(
            chunks(&huge).len(),
            1,
            "one mutation larger than a chunk is a batch of its own"
        );
    }
}
