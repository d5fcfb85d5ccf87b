//! The event log: a sequencer partition per service log, group commit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use golmok_kernel::{
    AppendError, AppendRequest, Appended, Envelope, EventLog, ExpectedVersion, IdempotencyRecord,
    RecordedEvent, StorageError,
};
use scylla::client::session::Session;
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::prepared::PreparedStatement;
use scylla::value::{CqlValue, Row};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::CqlStore;
use crate::store::{Inner, bump, io};

/// Events committed by one conditional batch at most (group commit).
pub const MAX_GROUP_EVENTS: usize = 64;
const MAX_ATTEMPTS: usize = 200;

pub(crate) struct Pending {
    request: AppendRequest,
    reply: oneshot::Sender<Result<Appended, AppendError>>,
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(crate) async fn read_head(
    session: &Session,
    statement: &PreparedStatement,
    log: &str,
) -> Result<u64, StorageError> {
    let rows = session
        .execute_unpaged(statement, (log,))
        .await
        .map_err(|e| io("read the log head", e))?
        .into_rows_result()
        .map_err(|e| io("read the log head", e))?;
    let head = rows
        .maybe_first_row::<(Option<i64>,)>()
        .map_err(|e| io("read the log head", e))?
        .and_then(|(h,)| h)
        .unwrap_or(0);
    Ok(to_u64(head))
}

/// Advances `head()` when other processes append.
pub(crate) async fn poll_head(inner: Arc<Inner>, statement: PreparedStatement) {
    let every = Duration::from_millis(inner.settings.head_poll_ms.max(10));
    loop {
        tokio::time::sleep(every).await;
        if let Ok(head) = read_head(&inner.session, &statement, &inner.settings.log).await {
            inner.head.send_if_modified(|current| {
                if head > *current {
                    *current = head;
                    true
                } else {
                    false
                }
            });
        }
    }
}

/// What the sequencer holds for the keys a group touches.
#[derive(Default)]
struct Known {
    versions: HashMap<String, u64>,
    ids: HashSet<Uuid>,
    idempotency: HashMap<String, IdempotencyRecord>,
}

pub(crate) struct Committer {
    inner: Arc<Inner>,
    read_head_serial: PreparedStatement,
    head: Option<u64>,
}

type Outcome = Result<Appended, AppendError>;

impl Committer {
    pub(crate) fn new(inner: Arc<Inner>, read_head_serial: PreparedStatement, head: u64) -> Self {
        Self {
            inner,
            read_head_serial,
            head: Some(head),
        }
    }

    pub(crate) async fn run(mut self, mut requests: mpsc::Receiver<Pending>) {
        while let Some(first) = requests.recv().await {
            let mut events = first.request.events.len();
            let mut group = vec![first];
            while events < MAX_GROUP_EVENTS {
                match requests.try_recv() {
                    Ok(next) => {
                        events += next.request.events.len();
                        group.push(next);
                    }
                    Err(_) => break,
                }
            }
            let outcomes = self.commit(&group).await;
            for (pending, outcome) in group.into_iter().zip(outcomes) {
                let _ = pending.reply.send(outcome);
            }
        }
    }

    async fn commit(&mut self, group: &[Pending]) -> Vec<Outcome> {
        let mut serial = false;
        for _ in 0..MAX_ATTEMPTS {
            match self.attempt(group, serial).await {
                Ok(Some(outcomes)) => return outcomes,
                Ok(None) => {
                    // Another process moved the head or a key first: read again, linearizably.
                    bump(&self.inner.stats.conditional_retries, 1);
                    serial = true;
                    self.head = None;
                }
                Err(error) => {
                    self.head = None;
                    let message = format!(
                        "the append's outcome is unknown (it may or may not be in the log): {error}"
                    );
                    return group
                        .iter()
                        .map(|_| Err(AppendError::Storage(StorageError::Io(message.clone()))))
                        .collect();
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        group
            .iter()
            .map(|_| {
                Err(AppendError::Storage(StorageError::Io(format!(
                    "the sequencer stayed contended for {MAX_ATTEMPTS} attempts"
                ))))
            })
            .collect()
    }

    async fn known(&self, group: &[Pending], serial: bool) -> Result<Known, StorageError> {
        let s = &self.inner.statements;
        let log = &self.inner.settings.log;
        let streams: Vec<String> = group
            .iter()
            .map(|p| p.request.stream.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let ids: Vec<String> = group
            .iter()
            .flat_map(|p| p.request.events.iter().map(|e| e.id.to_string()))
            .collect();
        let keys: Vec<String> = group
            .iter()
            .filter_map(|p| p.request.idempotency.as_ref().map(|i| i.key.clone()))
            .collect();
        let with = |statement: &PreparedStatement| {
            let mut statement = statement.clone();
            if serial {
                statement.set_consistency(scylla::statement::Consistency::Serial);
            }
            statement
        };
        let session = &self.inner.session;
        let mut known = Known::default();
        let rows = session
            .execute_unpaged(&with(&s.read_versions), (log, &streams))
            .await
            .map_err(|e| io("read stream versions", e))?
            .into_rows_result()
            .map_err(|e| io("read stream versions", e))?;
        for row in rows
            .rows::<(String, Option<i64>)>()
            .map_err(|e| io("read stream versions", e))?
        {
            let (name, version) = row.map_err(|e| io("read stream versions", e))?;
            known.versions.insert(name, to_u64(version.unwrap_or(0)));
        }
        if !ids.is_empty() {
            let rows = session
                .execute_unpaged(&with(&s.read_ids), (log, &ids))
                .await
                .map_err(|e| io("read event ids", e))?
                .into_rows_result()
                .map_err(|e| io("read event ids", e))?;
            for row in rows
                .rows::<(String,)>()
                .map_err(|e| io("read event ids", e))?
            {
                let (name,) = row.map_err(|e| io("read event ids", e))?;
                if let Ok(id) = name.parse() {
                    known.ids.insert(id);
                }
            }
        }
        if !keys.is_empty() {
            let rows = session
                .execute_unpaged(&with(&s.read_idempotency), (log, &keys))
                .await
                .map_err(|e| io("read idempotency keys", e))?
                .into_rows_result()
                .map_err(|e| io("read idempotency keys", e))?;
            for row in rows
                .rows::<(String, Option<String>, Option<Vec<u8>>)>()
                .map_err(|e| io("read idempotency keys", e))?
            {
                let (key, fingerprint, response) =
                    row.map_err(|e| io("read idempotency keys", e))?;
                known.idempotency.insert(
                    key.clone(),
                    IdempotencyRecord {
                        key,
                        fingerprint: fingerprint.unwrap_or_default(),
                        response: response.unwrap_or_default(),
                    },
                );
            }
        }
        Ok(known)
    }

    /// One try at committing `group`: `None` when the conditional batch was
    /// not applied (someone else was first).
    async fn attempt(
        &mut self,
        group: &[Pending],
        serial: bool,
    ) -> Result<Option<Vec<Outcome>>, StorageError> {
        let inner = Arc::clone(&self.inner);
        let s = &inner.statements;
        let log = &inner.settings.log;
        let head = match self.head {
            Some(head) => head,
            None => read_head(&inner.session, &self.read_head_serial, log).await?,
        };
        let known = self.known(group, serial).await?;
        let mut versions = known.versions.clone();
        let mut ids = known.ids.clone();
        let mut keys = known.idempotency.clone();
        let mut touched: HashMap<String, u64> = HashMap::new();
        let mut next = head + 1;
        let mut outcomes: Vec<Outcome> = Vec::with_capacity(group.len());
        let mut accepted: Vec<(usize, Vec<Envelope>)> = Vec::new();
        for (index, pending) in group.iter().enumerate() {
            let request = &pending.request;
            let current = versions.get(&request.stream).copied().unwrap_or(0);
            let fits = match request.expected {
                ExpectedVersion::Any => true,
                ExpectedVersion::NoStream => current == 0,
                ExpectedVersion::Exact(v) => current == v,
            };
            if !fits {
                outcomes.push(Err(AppendError::Conflict {
                    stream: request.stream.clone(),
                    expected: request.expected,
                    actual: current,
                }));
                continue;
            }
            let mut seen = HashSet::new();
            if let Some(dup) = request
                .events
                .iter()
                .find(|e| ids.contains(&e.id) || !seen.insert(e.id))
            {
                outcomes.push(Err(AppendError::DuplicateEvent(dup.id)));
                continue;
            }
            if let Some(record) = &request.idempotency
                && let Some(existing) = keys.get(&record.key)
            {
                outcomes.push(Err(AppendError::IdempotencyKeyExists(existing.clone())));
                continue;
            }
            let first_position = next;
            let mut events = Vec::with_capacity(request.events.len());
            for (offset, event) in request.events.iter().enumerate() {
                let mut event = event.clone();
                event.stream_version = current + 1 + offset as u64;
                ids.insert(event.id);
                events.push(event);
            }
            let stream_version = current + events.len() as u64;
            next += events.len() as u64;
            versions.insert(request.stream.clone(), stream_version);
            touched.entry(request.stream.clone()).or_insert(current);
            if let Some(record) = &request.idempotency {
                keys.insert(record.key.clone(), record.clone());
            }
            outcomes.push(Ok(Appended {
                stream_version,
                first_position,
                last_position: next - 1,
            }));
            accepted.push((index, events));
        }
        if accepted.is_empty() {
            self.head = Some(head);
            return Ok(Some(outcomes));
        }
        let last = next - 1;
        let grp = Uuid::now_v7();
        let staged: Vec<&Envelope> = accepted.iter().flat_map(|(_, e)| e.iter()).collect();
        let payload = serde_json::to_vec(&staged).map_err(|e| io("encode events", e))?;
        inner
            .session
            .execute_unpaged(&s.stage, (grp, payload))
            .await
            .map_err(|e| io("stage the events", e))?;

        let mut batch = Batch::new(BatchType::Logged);
        batch.set_consistency(inner.consistency);
        batch.set_serial_consistency(Some(inner.serial));
        batch.set_request_timeout(Some(Duration::from_millis(
            inner.settings.request_timeout_ms,
        )));
        let mut values: Vec<Vec<CqlValue>> = Vec::new();
        let text = |v: &str| CqlValue::Text(v.to_owned());
        let big = |v: u64| CqlValue::BigInt(to_i64(v));
        let log_v = text(log);
        batch.append_statement(s.advance_head.clone());
        values.push(vec![big(last), log_v.clone(), big(head)]);
        for (stream, old) in &touched {
            let new = versions.get(stream).copied().unwrap_or(*old);
            if *old == 0 {
                batch.append_statement(s.new_stream.clone());
                values.push(vec![log_v.clone(), text(stream), big(new)]);
            } else {
                batch.append_statement(s.bump_stream.clone());
                values.push(vec![big(new), log_v.clone(), text(stream), big(*old)]);
            }
        }
        let mut position = head + 1;
        for (index, events) in &accepted {
            let request = &group[*index].request;
            for event in events {
                batch.append_statement(s.claim_event.clone());
                values.push(vec![
                    log_v.clone(),
                    text(&event.id.to_string()),
                    big(position),
                ]);
                batch.append_statement(s.index_event.clone());
                values.push(vec![
                    log_v.clone(),
                    text(&request.stream),
                    big(event.stream_version),
                    big(position),
                    CqlValue::Uuid(grp),
                    big(head + 1),
                ]);
                position += 1;
            }
            if let Some(record) = &request.idempotency {
                batch.append_statement(s.claim_idempotency.clone());
                values.push(vec![
                    log_v.clone(),
                    text(&record.key),
                    text(&record.fingerprint),
                    CqlValue::Blob(record.response.clone()),
                ]);
            }
        }
        batch.append_statement(s.record_group.clone());
        values.push(vec![
            log_v.clone(),
            big(last),
            CqlValue::Uuid(grp),
            big(head + 1),
        ]);

        let result = inner
            .session
            .batch(&batch, values)
            .await
            .map_err(|e| io("conditional append batch", e))?;
        if !applied(result)? {
            let _ = inner.session.execute_unpaged(&s.unstage, (grp,)).await;
            return Ok(None);
        }
        bump(&inner.stats.conditional_writes, 1);
        bump(&inner.stats.events, last - head);
        self.head = Some(last);
        inner.head.send_if_modified(|current| {
            if last > *current {
                *current = last;
                true
            } else {
                false
            }
        });
        Ok(Some(outcomes))
    }
}

/// Whether a conditional statement or batch was applied (`[applied]` column).
pub(crate) fn applied(
    result: scylla::response::query_result::QueryResult,
) -> Result<bool, StorageError> {
    let rows = result
        .into_rows_result()
        .map_err(|e| io("conditional write result", e))?;
    let row: Option<Row> = rows
        .maybe_first_row::<Row>()
        .map_err(|e| io("conditional write result", e))?;
    Ok(matches!(
        row.and_then(|r| r.columns.into_iter().next().flatten()),
        Some(CqlValue::Boolean(true))
    ))
}

impl CqlStore {
    async fn groups(
        &self,
        from_last: u64,
        limit: usize,
    ) -> Result<Vec<(u64, u64, Uuid)>, StorageError> {
        let inner = &self.inner;
        let limit = i32::try_from(limit.max(1)).unwrap_or(i32::MAX);
        let rows = inner
            .session
            .execute_unpaged(
                &inner.statements.read_groups,
                (&inner.settings.log, to_i64(from_last), limit),
            )
            .await
            .map_err(|e| io("read the log", e))?
            .into_rows_result()
            .map_err(|e| io("read the log", e))?;
        let mut groups = Vec::new();
        for row in rows
            .rows::<(i64, Option<i64>, Option<Uuid>)>()
            .map_err(|e| io("read the log", e))?
        {
            let (last, first, grp) = row.map_err(|e| io("read the log", e))?;
            let (Some(first), Some(grp)) = (first, grp) else {
                return Err(StorageError::Corrupt(format!(
                    "group ending at position {last} has no events"
                )));
            };
            groups.push((to_u64(first), to_u64(last), grp));
        }
        Ok(groups)
    }

    async fn batch_events(&self, grp: Uuid) -> Result<Vec<Envelope>, StorageError> {
        let inner = &self.inner;
        let rows = inner
            .session
            .execute_unpaged(&inner.statements.read_batch, (grp,))
            .await
            .map_err(|e| io("read events", e))?
            .into_rows_result()
            .map_err(|e| io("read events", e))?;
        let Some((Some(bytes),)) = rows
            .maybe_first_row::<(Option<Vec<u8>>,)>()
            .map_err(|e| io("read events", e))?
        else {
            return Err(StorageError::Corrupt(format!(
                "the events of committed group {grp} are missing"
            )));
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| StorageError::Corrupt(format!("events of group {grp}: {e}")))
    }
}

#[async_trait]
impl EventLog for CqlStore {
    async fn append(&self, request: AppendRequest) -> Result<Appended, AppendError> {
        if request.events.is_empty() {
            return Err(AppendError::Empty);
        }
        let (reply, answer) = oneshot::channel();
        self.appends
            .send(Pending { request, reply })
            .await
            .map_err(|_| AppendError::Storage(StorageError::Closed))?;
        answer
            .await
            .map_err(|_| AppendError::Storage(StorageError::Closed))?
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StorageError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let inner = &self.inner;
        let rows = inner
            .session
            .execute_unpaged(
                &inner.statements.read_stream,
                (
                    &inner.settings.log,
                    stream,
                    to_i64(from_version),
                    i32::try_from(limit).unwrap_or(i32::MAX),
                ),
            )
            .await
            .map_err(|e| io("read the stream", e))?
            .into_rows_result()
            .map_err(|e| io("read the stream", e))?;
        let mut cache: HashMap<Uuid, Vec<Envelope>> = HashMap::new();
        let mut events = Vec::new();
        for row in rows
            .rows::<(i64, Option<i64>, Option<Uuid>, Option<i64>)>()
            .map_err(|e| io("read the stream", e))?
        {
            let (version, position, grp, first) = row.map_err(|e| io("read the stream", e))?;
            let (Some(position), Some(grp), Some(first)) = (position, grp, first) else {
                return Err(StorageError::Corrupt(format!(
                    "stream {stream} version {version} has no position"
                )));
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(grp) {
                slot.insert(self.batch_events(grp).await?);
            }
            let index = usize::try_from(position - first).unwrap_or(usize::MAX);
            let envelope = cache
                .get(&grp)
                .and_then(|b| b.get(index))
                .cloned()
                .ok_or_else(|| {
                    StorageError::Corrupt(format!("position {position} missing from its group"))
                })?;
            events.push(RecordedEvent {
                position: to_u64(position),
                envelope,
            });
        }
        Ok(events)
    }

    async fn read_all(
        &self,
        from_position: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StorageError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let from = from_position.max(1);
        let groups = self.groups(from, limit).await?;
        let mut events = Vec::new();
        let mut expected = from;
        for (first, last, grp) in groups {
            // Stop at a gap instead of skipping (a replica behind on a group).
            if first > expected {
                break;
            }
            let batch = self.batch_events(grp).await?;
            if batch.len() as u64 != last - first + 1 {
                return Err(StorageError::Corrupt(format!(
                    "group {grp} holds {} events for positions {first}..={last}",
                    batch.len()
                )));
            }
            for (envelope, position) in batch.into_iter().zip(first..) {
                if position >= expected && events.len() < limit {
                    events.push(RecordedEvent { position, envelope });
                    expected = position + 1;
                }
            }
            if events.len() >= limit {
                break;
            }
        }
        Ok(events)
    }

    fn head(&self) -> watch::Receiver<u64> {
        self.head_receiver()
    }

    async fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StorageError> {
        let inner = &self.inner;
        let rows = inner
            .session
            .execute_unpaged(
                &inner.statements.read_idempotency,
                (&inner.settings.log, vec![key.to_owned()]),
            )
            .await
            .map_err(|e| io("read the idempotency key", e))?
            .into_rows_result()
            .map_err(|e| io("read the idempotency key", e))?;
        Ok(rows
            .maybe_first_row::<(String, Option<String>, Option<Vec<u8>>)>()
            .map_err(|e| io("read the idempotency key", e))?
            .map(|(key, fingerprint, response)| IdempotencyRecord {
                key,
                fingerprint: fingerprint.unwrap_or_default(),
                response: response.unwrap_or_default(),
            }))
    }
}
