use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tracing::{Instrument, Span};
use uuid::Uuid;

use crate::telemetry::{
    CommandExecuted, CommandOutcome, EventsAppended, command_name, short_type_name,
};
use crate::{
    AppendError, AppendRequest, CodecError, Decider, Envelope, EventCodec, EventLog,
    ExpectedVersion, IdempotencyRecord, StorageError,
};

/// How many times a command is re-decided after losing an optimistic-concurrency race.
const MAX_ATTEMPTS: usize = 32;
/// Aggregate states kept in memory so long streams are not re-read on every command.
const CACHE_CAPACITY: usize = 10_000;
const READ_PAGE: usize = 1_000;

/// An idempotency key with a digest of the command it was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    pub fingerprint: String,
}

/// Tracing and idempotency data that travels with a command.
#[derive(Debug, Clone, Default)]
pub struct CommandMeta {
    pub idempotency: Option<Idempotency>,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    pub traceparent: Option<String>,
}

impl CommandMeta {
    /// The metadata of a command a consumer issues because of `envelope`:
    /// caused by that event, in its correlation.
    pub fn caused_by(envelope: &Envelope) -> Self {
        Self {
            causation_id: Some(envelope.id),
            correlation_id: Some(envelope.correlation_id),
            ..Self::default()
        }
    }

    /// The id of the aggregate a command creates. With an idempotency key it
    /// is derived from the key (already scoped to its caller), so a retry
    /// after an unknown outcome addresses the same new aggregate, and any
    /// step the first try committed on other streams (a claim) is its own;
    /// without a key, a fresh time-ordered id.
    pub fn new_id(&self) -> Uuid {
        use sha2::{Digest, Sha256};
        match &self.idempotency {
            Some(idempotency) => {
                let digest = Sha256::digest(idempotency.key.as_bytes());
                let mut bytes = [0u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                uuid::Builder::from_custom_bytes(bytes).into_uuid()
            }
            None => Uuid::now_v7(),
        }
    }

    /// The metadata of a step a keyed command takes on another stream: the
    /// key belongs to the command's own stream.
    pub fn without_key(&self) -> Self {
        Self {
            idempotency: None,
            ..self.clone()
        }
    }
}

/// The result of a command: the aggregate state after it, and where its
/// events landed. `replayed` is true when an idempotency key returned an
/// earlier outcome instead of executing again; `state` is then the stream as
/// that first execution left it, so a replay answers what the first call did.
/// The state is shared with the handler's cache: the next command on the
/// stream starts from it without copying it.
#[derive(Debug, Clone)]
pub struct Executed<S> {
    pub state: Arc<S>,
    pub stream_version: u64,
    /// Global position of the last event written (or, for replays and no-ops,
    /// the log head when answered), for read-your-writes waits.
    pub position: u64,
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error + 'static> {
    #[error(transparent)]
    Rejected(E),
    #[error("stream {0} kept changing; gave up after {MAX_ATTEMPTS} attempts")]
    Contention(String),
    #[error("idempotency key {0} was already used for a different command")]
    IdempotencyKeyReused(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("stored event cannot be decoded: {0}")]
    Codec(#[from] CodecError),
}

#[derive(Serialize, Deserialize)]
struct Outcome {
    stream: String,
    stream_version: u64,
}

/// The latest state of recently used streams, by stream, with its version.
type StateCache<S> = HashMap<String, (u64, Arc<S>)>;

/// Loads aggregates from the log, decides, and appends with optimistic
/// concurrency, retrying when another writer got there first.
pub struct CommandHandler<D: Decider, C> {
    log: Arc<dyn EventLog>,
    cache: Mutex<StateCache<D::State>>,
    codec: PhantomData<fn() -> C>,
}

impl<D, C> CommandHandler<D, C>
where
    D: Decider,
    C: EventCodec<Event = D::Event>,
{
    pub fn new(log: Arc<dyn EventLog>) -> Self {
        Self {
            log,
            cache: Mutex::new(HashMap::new()),
            codec: PhantomData,
        }
    }

    pub fn log(&self) -> &Arc<dyn EventLog> {
        &self.log
    }

    /// The current state and version (0 = no events) of a stream: the cached
    /// state, shared rather than copied, moved on by any events written since.
    pub async fn load(&self, stream: &str) -> Result<(Arc<D::State>, u64), CommandError<D::Error>> {
        let cached = self.cache.lock().expect("cache lock").get(stream).cloned();
        let (mut state, mut version) = cached.map_or_else(
            || (Arc::new(D::State::default()), 0),
            |(version, state)| (state, version),
        );
        let mut moved = false;
        loop {
            let page = self.log.read_stream(stream, version + 1, READ_PAGE).await?;
            let done = page.len() < READ_PAGE;
            if !page.is_empty() {
                let mut owned = Arc::unwrap_or_clone(state);
                for recorded in page {
                    let event =
                        C::decode_type(&recorded.envelope.event_type, recorded.envelope.data)?;
                    owned = D::evolve(owned, &event);
                    version = recorded.envelope.stream_version;
                }
                state = Arc::new(owned);
                moved = true;
            }
            if done {
                break;
            }
        }
        if moved {
            self.remember(stream, version, state.clone());
        }
        Ok((state, version))
    }

    /// `state` (the stream's at `version`) moved on by `events`. The cached
    /// copy is let go first, so that the state is moved on in place rather
    /// than copied unless a concurrent command still reads it.
    fn advance(
        &self,
        stream: &str,
        version: u64,
        state: Arc<D::State>,
        events: &[D::Event],
    ) -> Arc<D::State> {
        {
            let mut cache = self.cache.lock().expect("cache lock");
            if cache
                .get(stream)
                .is_some_and(|(cached, _)| *cached == version)
            {
                cache.remove(stream);
            }
        }
        Arc::new(events.iter().fold(Arc::unwrap_or_clone(state), D::evolve))
    }

    /// Decides `command` against the stream and appends the resulting events.
    /// Every command is counted by outcome and timed (`golmok_commands_total`).
    pub async fn execute(
        &self,
        stream: &str,
        command: &D::Command,
        meta: &CommandMeta,
    ) -> Result<Executed<D::State>, CommandError<D::Error>> {
        let started = Instant::now();
        let mut conflicts = 0;
        let span = if crate::trace::recording() {
            let name = command_name(command);
            tracing::info_span!(
                "command",
                otel.name = %format_args!("{} {name}", C::SERVICE),
                service = C::SERVICE,
                aggregate = short_type_name::<D>(),
                command = %name,
                stream,
            )
        } else {
            Span::none()
        };
        let result = self
            .decide_and_append(stream, command, meta, &mut conflicts)
            .instrument(span)
            .await;
        let outcome = match &result {
            Ok(_) if conflicts == 0 => CommandOutcome::Accepted,
            Ok(_) => CommandOutcome::ConflictRetried,
            Err(CommandError::Rejected(_) | CommandError::IdempotencyKeyReused(_)) => {
                CommandOutcome::Rejected
            }
            Err(_) => CommandOutcome::Failed,
        };
        CommandExecuted {
            service: C::SERVICE,
            aggregate: short_type_name::<D>(),
            command: &command_name(command),
            outcome,
            conflicts,
            elapsed: started.elapsed(),
        }
        .emit();
        result
    }

    /// [`CommandHandler::execute`] without the telemetry; counts the
    /// optimistic-concurrency races lost in `conflicts`.
    async fn decide_and_append(
        &self,
        stream: &str,
        command: &D::Command,
        meta: &CommandMeta,
        conflicts: &mut u64,
    ) -> Result<Executed<D::State>, CommandError<D::Error>> {
        if let Some(idempotency) = &meta.idempotency
            && let Some(record) = self.log.idempotency(&idempotency.key).await?
        {
            return self.replay(idempotency, record).await;
        }
        for _ in 0..MAX_ATTEMPTS {
            let (state, version) = self.load(stream).await?;
            let events = match D::decide(&state, command) {
                Ok(events) => events,
                Err(rejection) => return self.rejected(rejection, meta).await,
            };
            if events.is_empty() {
                return Ok(Executed {
                    state,
                    stream_version: version,
                    position: *self.log.head().borrow(),
                    replayed: false,
                });
            }
            let span = if crate::trace::recording() {
                tracing::info_span!(
                    "append",
                    service = C::SERVICE,
                    stream,
                    events = events.len()
                )
            } else {
                Span::none()
            };
            // Each event keeps the append's span as its trace context, so the
            // relay's publish and every consumer's handling continue it.
            let traceparent = crate::trace::traceparent(&span).or_else(|| meta.traceparent.clone());
            let envelopes = events
                .iter()
                .map(|event| envelope::<C>(stream, event, meta, traceparent.as_deref()))
                .collect();
            let new_version = version + events.len() as u64;
            let idempotency = meta.idempotency.as_ref().map(|i| IdempotencyRecord {
                key: i.key.clone(),
                fingerprint: i.fingerprint.clone(),
                response: serde_json::to_vec(&Outcome {
                    stream: stream.to_owned(),
                    stream_version: new_version,
                })
                .expect("outcome serializes"),
            });
            let request = AppendRequest {
                stream: stream.to_owned(),
                expected: ExpectedVersion::from_loaded(version),
                events: envelopes,
                idempotency,
            };
            match self.log.append(request).instrument(span).await {
                Ok(appended) => {
                    EventsAppended {
                        service: C::SERVICE,
                        stream,
                        count: events.len() as u64,
                        last_position: appended.last_position,
                    }
                    .emit();
                    let state = self.advance(stream, version, state, &events);
                    self.remember(stream, appended.stream_version, state.clone());
                    return Ok(Executed {
                        state,
                        stream_version: appended.stream_version,
                        position: appended.last_position,
                        replayed: false,
                    });
                }
                Err(AppendError::Conflict { .. }) => {
                    *conflicts += 1;
                    self.cache.lock().expect("cache lock").remove(stream);
                }
                Err(AppendError::IdempotencyKeyExists(record)) => {
                    let idempotency = meta
                        .idempotency
                        .as_ref()
                        .expect("key exists only when sent");
                    return self.replay(idempotency, record).await;
                }
                Err(AppendError::Storage(error)) => return Err(error.into()),
                Err(error @ (AppendError::DuplicateEvent(_) | AppendError::Empty)) => {
                    return Err(
                        StorageError::Io(format!("log refused fresh events: {error}")).into(),
                    );
                }
            }
        }
        Err(CommandError::Contention(stream.to_owned()))
    }

    /// A refused command. When two requests with one idempotency key race,
    /// the loser may be refused by the state the winner left; it then
    /// answers the winner's outcome instead (RELIABILITY 17: one executes,
    /// every caller gets the same answer).
    async fn rejected(
        &self,
        rejection: D::Error,
        meta: &CommandMeta,
    ) -> Result<Executed<D::State>, CommandError<D::Error>> {
        if let Some(idempotency) = &meta.idempotency
            && let Some(record) = self.log.idempotency(&idempotency.key).await?
        {
            return self.replay(idempotency, record).await;
        }
        Err(CommandError::Rejected(rejection))
    }

    async fn replay(
        &self,
        idempotency: &Idempotency,
        record: IdempotencyRecord,
    ) -> Result<Executed<D::State>, CommandError<D::Error>> {
        if record.fingerprint != idempotency.fingerprint {
            return Err(CommandError::IdempotencyKeyReused(idempotency.key.clone()));
        }
        let outcome: Outcome = serde_json::from_slice(&record.response).map_err(|e| {
            StorageError::Corrupt(format!("idempotency record {}: {e}", record.key))
        })?;
        let position = *self.log.head().borrow();
        let state = self
            .state_at(&outcome.stream, outcome.stream_version)
            .await?;
        Ok(Executed {
            state: Arc::new(state),
            stream_version: outcome.stream_version,
            position,
            replayed: true,
        })
    }

    /// True when `meta` carries an idempotency key that already has an outcome.
    pub async fn already_done(&self, meta: &CommandMeta) -> Result<bool, StorageError> {
        Ok(match &meta.idempotency {
            Some(idempotency) => self.log.idempotency(&idempotency.key).await?.is_some(),
            None => false,
        })
    }

    /// The events of `stream` up to `version` (inclusive), decoded.
    pub async fn events_until(
        &self,
        stream: &str,
        version: u64,
    ) -> Result<Vec<D::Event>, CommandError<D::Error>> {
        let mut events = Vec::new();
        let mut next = 1;
        while next <= version {
            let limit = usize::try_from(version - next + 1).map_or(READ_PAGE, |n| n.min(READ_PAGE));
            let page = self.log.read_stream(stream, next, limit).await?;
            if page.is_empty() {
                break;
            }
            for recorded in page {
                next = recorded.envelope.stream_version + 1;
                events.push(C::decode_type(
                    &recorded.envelope.event_type,
                    recorded.envelope.data,
                )?);
            }
        }
        Ok(events)
    }

    /// The state `stream` had at `version`: what an earlier command left.
    pub async fn state_at(
        &self,
        stream: &str,
        version: u64,
    ) -> Result<D::State, CommandError<D::Error>> {
        Ok(D::fold(&self.events_until(stream, version).await?))
    }

    /// The event stored at `version` of `stream`, if there is one.
    pub async fn event_at(
        &self,
        stream: &str,
        version: u64,
    ) -> Result<Option<D::Event>, CommandError<D::Error>> {
        let page = self.log.read_stream(stream, version, 1).await?;
        match page.into_iter().next() {
            Some(recorded) => Ok(Some(C::decode_type(
                &recorded.envelope.event_type,
                recorded.envelope.data,
            )?)),
            None => Ok(None),
        }
    }

    fn remember(&self, stream: &str, version: u64, state: Arc<D::State>) {
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() >= CACHE_CAPACITY && !cache.contains_key(stream) {
            cache.clear();
        }
        match cache.get(stream) {
            Some((cached, _)) if *cached >= version => {}
            _ => {
                cache.insert(stream.to_owned(), (version, state));
            }
        }
    }
}

fn envelope<C: EventCodec>(
    stream: &str,
    event: &C::Event,
    meta: &CommandMeta,
    traceparent: Option<&str>,
) -> Envelope {
    let encoded = C::encode(event);
    let id = Uuid::now_v7();
    Envelope {
        id,
        source: C::source(),
        event_type: C::event_type(encoded.name, encoded.version),
        subject: stream.to_owned(),
        time: chrono::Utc::now(),
        stream_version: 0,
        correlation_id: meta.correlation_id.unwrap_or(id),
        causation_id: meta.causation_id.unwrap_or(id),
        traceparent: traceparent.map(str::to_owned),
        data: encoded.data,
    }
}

/// A command's answer as a service replies it. `consistent` is false when the
/// read models had not applied the command's events within the consistency
/// timeout (read-your-writes was not reached in time).
#[derive(Debug, Clone, PartialEq)]
pub struct Committed<T> {
    pub value: T,
    pub consistent: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(key: &str) -> CommandMeta {
        CommandMeta {
            idempotency: Some(Idempotency {
                key: key.to_owned(),
                fingerprint: "f".to_owned(),
            }),
            ..CommandMeta::default()
        }
    }

    /// A retry with the same (caller-scoped) key creates the same aggregate;
    /// other keys and unkeyed commands get ids of their own.
    #[test]
    fn a_new_aggregate_id_follows_the_idempotency_key() {
        assert_eq!(keyed("op:k1").new_id(), keyed("op:k1").new_id());
        assert_ne!(keyed("op:k1").new_id(), keyed("op:k2").new_id());
        assert_ne!(keyed("op:k1").new_id(), keyed("other:k1").new_id());
        let unkeyed = CommandMeta::default();
        assert_ne!(unkeyed.new_id(), unkeyed.new_id());
    }
}
