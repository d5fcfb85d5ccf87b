//! Dead letters an operator can act on: a consumer's dead letters listed
//! with their state, and replayed through the same handler into the same
//! tables once the cause is fixed — still once per event.
//!
//! A dead-lettered event already has its id in the consumer's inbox (so a
//! redelivery is not dead-lettered twice). A replay that applies it writes a
//! second inbox entry, `<event id>:replayed`, in the same atomic write as the
//! effect: that entry is the truth of "done", wherever the letter itself is
//! kept (the consumer's `dead_letters` table, a Kafka dead-letter topic), so
//! it survives restarts and a second replay finds it and applies nothing.
//! On a store whose inbox is a compare-and-set (the CQL adapter) two
//! processes replaying the same letter cannot both apply it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::consumer::{DEAD_LETTERS, INBOX};
use crate::{
    DeadLetter, EventHandler, EventLog, HandleError, Mutation, RecordedEvent, StorageError, Tables,
    Transaction,
};

/// The inbox key recording that the dead letter of event `id` was replayed.
pub fn replay_mark(id: Uuid) -> String {
    format!("{id}:replayed")
}

/// A dead letter as its place keeps it, with the message to feed again.
#[derive(Debug, Clone)]
pub struct KeptLetter {
    pub letter: DeadLetter,
    /// When it was (last) dead-lettered, when the place knows.
    pub dead_at: Option<DateTime<Utc>>,
    /// The event again, or why the message is not one.
    pub event: Result<RecordedEvent, String>,
}

/// Where a consumer's dead letters are kept: the consumer's `dead_letters`
/// table for the in-process log tail ([`TableLetters`]), a
/// `<consumer>.dlq.v1` topic for Kafka. Each [`crate::EventSource`] names its
/// own ([`crate::EventSource::letter_box`]).
#[async_trait]
pub trait LetterBox: Send + Sync + 'static {
    /// Every dead letter of `consumer`, oldest first, one per cursor (with
    /// the latest reason when a letter failed again).
    async fn letters(
        &self,
        consumer: &str,
        tables: &dyn Tables,
    ) -> Result<Vec<KeptLetter>, StorageError>;

    /// Keeps `letters` as dead letters with their new reasons. Anything kept
    /// outside the consumer's tables is durable when this returns; returned
    /// writes are committed atomically with the replay's effects.
    async fn failed_again(
        &self,
        consumer: &str,
        letters: &[KeptLetter],
    ) -> Result<Vec<Mutation>, StorageError>;
}

/// Whether a dead letter still waits for a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LetterStatus {
    /// Not applied yet: the cause is not fixed, or nobody replayed it.
    Waiting,
    /// A replay applied it (its `:replayed` inbox entry exists).
    Replayed,
}

/// A dead letter as an operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LetterView {
    #[serde(flatten)]
    pub letter: DeadLetter,
    pub dead_at: Option<DateTime<Utc>>,
    pub status: LetterStatus,
}

/// Whether `id` names `letter`: its event id or its cursor.
fn named(letter: &DeadLetter, id: &str) -> bool {
    letter.cursor == id || letter.event_id.is_some_and(|e| e.to_string() == id)
}

/// What a replay did, letter by letter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayReport {
    /// Applied now, once.
    pub replayed: Vec<LetterView>,
    /// Failed again: still dead letters, with the new reason.
    pub failed_again: Vec<LetterView>,
    /// Asked for by id but replayed before: nothing was applied.
    pub already_replayed: Vec<LetterView>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no dead letter of {consumer} has the event id or cursor {id}")]
    UnknownLetter { consumer: String, id: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The dead letters of `handler`'s consumer with their status.
pub async fn dead_letters(
    tables: &dyn Tables,
    handler: &dyn EventHandler,
    letters: &dyn LetterBox,
) -> Result<Vec<LetterView>, StorageError> {
    let name = handler.name();
    let mut views = Vec::new();
    for kept in letters.letters(name, tables).await? {
        let status = status(tables, name, &kept.letter).await?;
        views.push(view(kept, status));
    }
    Ok(views)
}

async fn status(
    tables: &dyn Tables,
    consumer: &str,
    letter: &DeadLetter,
) -> Result<LetterStatus, StorageError> {
    let Some(id) = letter.event_id else {
        return Ok(LetterStatus::Waiting);
    };
    Ok(match tables.get(INBOX, consumer, &replay_mark(id)).await? {
        Some(_) => LetterStatus::Replayed,
        None => LetterStatus::Waiting,
    })
}

fn view(kept: KeptLetter, status: LetterStatus) -> LetterView {
    LetterView {
        letter: kept.letter,
        dead_at: kept.dead_at,
        status,
    }
}

/// Feeds `handler` the waiting dead letters of its consumer again (only the
/// one `only` names — event id or cursor — when given), as the consumer
/// would: each effect with its `:replayed` inbox entry, and the letters that
/// failed again with their new reasons, in one atomic write. A letter whose
/// event was replayed before is not applied again.
///
/// The caller keeps the consumer itself from applying a batch meanwhile (the
/// host runs both in turns), as two batches of one consumer never overlap.
pub async fn replay(
    tables: &dyn Tables,
    handler: &dyn EventHandler,
    letters: &dyn LetterBox,
    only: Option<&str>,
) -> Result<ReplayReport, ReplayError> {
    let name = handler.name();
    let mut kept = letters.letters(name, tables).await?;
    if let Some(id) = only {
        kept.retain(|k| named(&k.letter, id));
        if kept.is_empty() {
            return Err(ReplayError::UnknownLetter {
                consumer: name.to_owned(),
                id: id.to_owned(),
            });
        }
    }
    let mut report = ReplayReport::default();
    let mut tx = Transaction::new(tables);
    let mut again = Vec::new();
    for kept in kept {
        let mark = kept.letter.event_id.map(replay_mark);
        if let Some(mark) = &mark
            && tx.get(INBOX, name, mark).await?.is_some()
        {
            if only.is_some() {
                report
                    .already_replayed
                    .push(view(kept, LetterStatus::Replayed));
            }
            continue;
        }
        let outcome = match (&kept.event, &mark) {
            (Ok(event), Some(mark)) => match handler.handle(event, &mut tx).await {
                Ok(()) => {
                    tx.keep_current();
                    tx.put(INBOX, name, mark, Vec::new());
                    tx.keep_current();
                    Ok(())
                }
                Err(HandleError::Permanent(reason)) => {
                    tx.drop_current();
                    Err(reason)
                }
                Err(HandleError::Storage(error)) => return Err(error.into()),
            },
            (Err(reason), _) => Err(format!("the message is not an event: {reason}")),
            (Ok(_), None) => Err("the dead letter names no event id".to_owned()),
        };
        match outcome {
            Ok(()) => report.replayed.push(view(kept, LetterStatus::Replayed)),
            Err(reason) => {
                let mut kept = kept;
                kept.letter.reason = reason;
                kept.dead_at = Some(Utc::now());
                again.push(kept);
            }
        }
    }
    let mut writes = tx.into_mutations();
    if !again.is_empty() {
        writes.extend(letters.failed_again(name, &again).await?);
    }
    if !writes.is_empty() {
        tables.write(writes).await?;
    }
    report.failed_again = again
        .into_iter()
        .map(|kept| view(kept, LetterStatus::Waiting))
        .collect();
    Ok(report)
}

/// A dead letter as the log tail keeps it in the consumer's `dead_letters`
/// table: the letter and when it was written.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TableRow {
    #[serde(flatten)]
    pub(crate) letter: DeadLetter,
    #[serde(default)]
    pub(crate) dead_at: Option<DateTime<Utc>>,
}

impl TableRow {
    pub(crate) fn write(consumer: &str, letter: &DeadLetter) -> Result<Mutation, StorageError> {
        let row = TableRow {
            letter: letter.clone(),
            dead_at: Some(Utc::now()),
        };
        row.put(consumer)
    }

    fn put(&self, consumer: &str) -> Result<Mutation, StorageError> {
        let body =
            serde_json::to_vec(self).map_err(|e| StorageError::Io(format!("dead letter: {e}")))?;
        Ok(Mutation::put(
            DEAD_LETTERS,
            consumer,
            &self.letter.cursor,
            body,
        ))
    }
}

/// The dead letters the in-process log tail keeps in the consumer's
/// `dead_letters` table (clustering = the zero-padded log position); the
/// events are read again from the producer's log.
pub struct TableLetters {
    log: std::sync::Arc<dyn EventLog>,
}

impl TableLetters {
    pub fn new(log: std::sync::Arc<dyn EventLog>) -> Self {
        Self { log }
    }

    async fn event(&self, cursor: &str) -> Result<Result<RecordedEvent, String>, StorageError> {
        let Ok(position) = cursor.parse::<u64>() else {
            return Ok(Err(format!("cursor {cursor} is not a log position")));
        };
        let events = self.log.read_all(position, 1).await?;
        Ok(match events.into_iter().next() {
            Some(event) if event.position == position => Ok(event),
            _ => Err(format!("the log has no event at position {position}")),
        })
    }
}

/// Table rows read per page when listing dead letters.
const PAGE: usize = 500;

#[async_trait]
impl LetterBox for TableLetters {
    async fn letters(
        &self,
        consumer: &str,
        tables: &dyn Tables,
    ) -> Result<Vec<KeptLetter>, StorageError> {
        let mut kept = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = tables
                .scan(
                    DEAD_LETTERS,
                    consumer,
                    after.as_deref(),
                    crate::ScanOrder::Ascending,
                    PAGE,
                )
                .await?;
            for row in page.rows {
                let stored: TableRow = serde_json::from_slice(&row.value).map_err(|e| {
                    StorageError::Corrupt(format!(
                        "dead letter {} of {consumer}: {e}",
                        row.clustering
                    ))
                })?;
                let event = self.event(&stored.letter.cursor).await?;
                kept.push(KeptLetter {
                    letter: stored.letter,
                    dead_at: stored.dead_at,
                    event,
                });
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(kept),
            }
        }
    }

    async fn failed_again(
        &self,
        consumer: &str,
        letters: &[KeptLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        letters
            .iter()
            .map(|kept| {
                TableRow {
                    letter: kept.letter.clone(),
                    dead_at: kept.dead_at,
                }
                .put(consumer)
            })
            .collect()
    }
}
