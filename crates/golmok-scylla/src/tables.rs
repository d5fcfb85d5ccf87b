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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use golmok_kernel::{Mutation, Page, Row, ScanOrder, StorageError, Tables};
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
    let mut batch = Batch::new(BatchType::Logged);
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

/// Writes plain (non consumer-state) mutations as one logged batch, at
/// `timestamp` (an intent's) or the server's time.
async fn write_rows(
    inner: &Inner,
    effects: &[Stored],
    timestamp: Option<i64>,
) -> Result<(), StorageError> {
    if effects.is_empty() {
        return Ok(());
    }
    let s = &inner.statements;
    let mut b = batch(inner);
    b.set_timestamp(timestamp);
    let mut values: Vec<Vec<CqlValue>> = Vec::new();
    for m in effects {
        match &m.value {
            Some(value) => {
                b.append_statement(s.put_row.clone());
                values.push(vec![
                    text(&m.table),
                    text(&m.partition),
                    text(&clustered(&m.clustering)),
                    CqlValue::Blob(value.clone()),
                ]);
            }
            None => {
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
            return write_rows(&self.inner, &effects, None).await;
        }
        let mut consumers = state.iter().map(|m| match m {
            Mutation::Put { partition, .. } | Mutation::Delete { partition, .. } => {
                partition.clone()
            }
        });
        let consumer = consumers.next().unwrap_or_default();
        if consumers.any(|c| c != consumer) {
            return Err(StorageError::Io(
                "one write may hold the inbox and checkpoint of one consumer only".to_owned(),
            ));
        }
        self.write_consumer(&consumer, state, effects).await
    }
}
