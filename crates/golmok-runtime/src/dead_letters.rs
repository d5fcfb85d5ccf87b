//! Dead letters an operator can act on, in the process that owns them: the
//! consumers a host started for services' subscriptions, each with its
//! handler, its tables and where its source keeps dead letters; the
//! operator-only routes `golmok dlq` calls; and the gauge
//! `golmok_dlq_messages{consumer}` (dead letters waiting for a replay).
//!
//! A replay runs here because only this process may open the consumer's
//! store (an embedded store is locked by it) and runs its handler. It takes
//! turns with the consumer ([`InTurn`]): a batch of the consumer and a
//! replay never interleave their reads and writes of the same tables.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use golmok_kernel::{
    DeadLetter, Delivery, EventHandler, EventSource, LetterBox, LetterStatus, LetterView, Mutation,
    ReplayError, ReplayReport, StorageError, Tables,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{ErrorBody, Role};

/// How long an operator's call waits for the consumer's current batch (a
/// consumer retrying a failing write holds its turn until it succeeds).
const TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// One consumer's dead letters and what replays them.
struct Desk {
    handler: Arc<dyn EventHandler>,
    tables: Arc<dyn Tables>,
    letters: Arc<dyn LetterBox>,
    /// Held by the consumer from taking a batch until it is durable, and by
    /// a listing or replay.
    turn: Arc<Mutex<()>>,
}

/// Why an operator's call failed; each has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("no consumer {consumer} runs in this process; known consumers: {}", known.join(", "))]
    UnknownConsumer {
        consumer: String,
        known: Vec<&'static str>,
    },
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("consumer {0} did not finish its current batch in time; try again")]
    Busy(String),
}

impl DeskError {
    fn response(&self) -> Response {
        let (status, code) = match self {
            DeskError::UnknownConsumer { .. } => (StatusCode::NOT_FOUND, "UNKNOWN_CONSUMER"),
            DeskError::Replay(ReplayError::UnknownLetter { .. }) => {
                (StatusCode::NOT_FOUND, "UNKNOWN_DEAD_LETTER")
            }
            DeskError::Replay(ReplayError::Storage(_)) => {
                (StatusCode::SERVICE_UNAVAILABLE, "DEAD_LETTERS_UNAVAILABLE")
            }
            DeskError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "CONSUMER_BUSY"),
        };
        ErrorBody::new(code, self.to_string()).with_status(status)
    }
}

impl From<StorageError> for DeskError {
    fn from(error: StorageError) -> Self {
        DeskError::Replay(ReplayError::Storage(error))
    }
}

/// `golmok_dlq_messages{consumer}`: dead letters waiting for a replay.
struct DeadLettersWaiting<'a> {
    consumer: &'a str,
    waiting: usize,
}

impl DeadLettersWaiting<'_> {
    fn emit(self) {
        metrics::gauge!("golmok_dlq_messages", "consumer" => self.consumer.to_owned())
            .set(self.waiting as f64);
    }
}

/// A replay done: its log line.
struct LettersReplayed<'a> {
    consumer: &'a str,
    report: &'a ReplayReport,
}

impl LettersReplayed<'_> {
    fn emit(self) {
        tracing::info!(
            consumer = self.consumer,
            replayed = self.report.replayed.len(),
            failed_again = self.report.failed_again.len(),
            already_replayed = self.report.already_replayed.len(),
            "dead letters replayed"
        );
    }
}

impl Desk {
    async fn take_turn(&self) -> Result<OwnedMutexGuard<()>, DeskError> {
        tokio::time::timeout(TURN_TIMEOUT, Arc::clone(&self.turn).lock_owned())
            .await
            .map_err(|_| DeskError::Busy(self.handler.name().to_owned()))
    }

    /// The letters with their status; sets the gauge. Call in turn.
    async fn list(&self) -> Result<Vec<LetterView>, StorageError> {
        let letters = golmok_kernel::dead_letters(
            self.tables.as_ref(),
            self.handler.as_ref(),
            self.letters.as_ref(),
        )
        .await?;
        DeadLettersWaiting {
            consumer: self.handler.name(),
            waiting: letters
                .iter()
                .filter(|l| l.status == LetterStatus::Waiting)
                .count(),
        }
        .emit();
        Ok(letters)
    }

    /// Counts the waiting letters again (at start, after a batch that
    /// dead-lettered); a failure is logged, the gauge keeps its value.
    async fn recount(self: Arc<Self>) {
        let counted = match self.take_turn().await {
            Ok(_turn) => self.list().await.map_err(DeskError::from),
            Err(busy) => Err(busy),
        };
        if let Err(error) = counted {
            tracing::warn!(consumer = self.handler.name(), %error, "dead letters not counted");
        }
    }
}

/// The consumers of this process whose dead letters an operator can list
/// and replay, by consumer name.
#[derive(Clone, Default)]
pub struct DeadLetterDesk {
    desks: Arc<RwLock<BTreeMap<&'static str, Arc<Desk>>>>,
}

impl DeadLetterDesk {
    /// Registers `handler`'s consumer fed by `source` (when the source keeps
    /// dead letters) and returns the source taking turns with replays.
    pub(crate) fn register<S: EventSource>(
        &self,
        source: S,
        handler: &Arc<dyn EventHandler>,
        tables: Arc<dyn Tables>,
    ) -> InTurn<S> {
        let desk = source.letter_box().map(|letters| {
            let desk = Arc::new(Desk {
                handler: Arc::clone(handler),
                tables,
                letters,
                turn: Arc::new(Mutex::new(())),
            });
            if let Ok(mut desks) = self.desks.write() {
                desks.insert(handler.name(), Arc::clone(&desk));
            }
            tokio::spawn(Arc::clone(&desk).recount());
            desk
        });
        InTurn {
            inner: source,
            desk,
            held: None,
            lettered: false,
        }
    }

    /// The consumers registered here, by name.
    pub fn consumers(&self) -> Vec<&'static str> {
        self.desks
            .read()
            .map(|desks| desks.keys().copied().collect())
            .unwrap_or_default()
    }

    fn desk(&self, consumer: &str) -> Result<Arc<Desk>, DeskError> {
        let found = self
            .desks
            .read()
            .ok()
            .and_then(|desks| desks.get(consumer).cloned());
        found.ok_or_else(|| DeskError::UnknownConsumer {
            consumer: consumer.to_owned(),
            known: self.consumers(),
        })
    }

    /// `consumer`'s dead letters, oldest first, with their status.
    pub async fn list(&self, consumer: &str) -> Result<Vec<LetterView>, DeskError> {
        let desk = self.desk(consumer)?;
        let _turn = desk.take_turn().await?;
        Ok(desk.list().await?)
    }

    /// Feeds `consumer`'s waiting dead letters (or the one `id` names)
    /// through its handler again; see [`golmok_kernel::replay`].
    pub async fn replay(
        &self,
        consumer: &str,
        id: Option<&str>,
    ) -> Result<ReplayReport, DeskError> {
        let desk = self.desk(consumer)?;
        let _turn = desk.take_turn().await?;
        let report = golmok_kernel::replay(
            desk.tables.as_ref(),
            desk.handler.as_ref(),
            desk.letters.as_ref(),
            id,
        )
        .await?;
        LettersReplayed {
            consumer: desk.handler.name(),
            report: &report,
        }
        .emit();
        desk.list().await?;
        Ok(report)
    }

    /// `GET /ops/dead-letters` (the consumers), `GET
    /// /ops/dead-letters/{consumer}` and `POST
    /// /ops/dead-letters/{consumer}/replay[?id=…]`, for callers `gate` finds
    /// to be operators.
    pub fn router(&self, gate: OperatorGate) -> Router {
        Router::new()
            .route("/ops/dead-letters", get(consumers))
            .route("/ops/dead-letters/{consumer}", get(list))
            .route("/ops/dead-letters/{consumer}/replay", post(replay))
            .with_state(Routes {
                desk: self.clone(),
                gate,
            })
    }
}

/// Who the caller of an operator route is: its role from the request
/// headers, or why it could not be established (answered 401).
pub type OperatorGate = Arc<dyn Fn(&HeaderMap) -> Result<Role, String> + Send + Sync>;

#[derive(Clone)]
struct Routes {
    desk: DeadLetterDesk,
    gate: OperatorGate,
}

impl Routes {
    /// The answer refusing a caller who is not an operator; `None` for an operator.
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        match (self.gate)(headers) {
            Ok(Role::Operator) => None,
            Ok(_) => Some(
                ErrorBody::new("FORBIDDEN", "dead letters are for operators only")
                    .with_status(StatusCode::FORBIDDEN),
            ),
            Err(reason) => Some(
                ErrorBody::new("UNAUTHENTICATED", reason).with_status(StatusCode::UNAUTHORIZED),
            ),
        }
    }
}

/// The answer of `GET /ops/dead-letters`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Consumers {
    pub consumers: Vec<String>,
}

/// The answer of `GET /ops/dead-letters/{consumer}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Letters {
    pub consumer: String,
    pub letters: Vec<LetterView>,
}

#[derive(Deserialize)]
struct ReplayParams {
    id: Option<String>,
}

async fn consumers(State(routes): State<Routes>, headers: HeaderMap) -> Response {
    if let Some(refused) = routes.refusal(&headers) {
        return refused;
    }
    let consumers = routes
        .desk
        .consumers()
        .into_iter()
        .map(str::to_owned)
        .collect();
    Json(Consumers { consumers }).into_response()
}

async fn list(
    State(routes): State<Routes>,
    Path(consumer): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = routes.refusal(&headers) {
        return refused;
    }
    match routes.desk.list(&consumer).await {
        Ok(letters) => Json(Letters { consumer, letters }).into_response(),
        Err(error) => error.response(),
    }
}

async fn replay(
    State(routes): State<Routes>,
    Path(consumer): Path<String>,
    Query(params): Query<ReplayParams>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = routes.refusal(&headers) {
        return refused;
    }
    match routes.desk.replay(&consumer, params.id.as_deref()).await {
        Ok(report) => Json(report).into_response(),
        Err(error) => error.response(),
    }
}

/// A consumer's source taking turns with operators' listings and replays:
/// the turn is held from a batch's delivery until it is durable
/// ([`EventSource::committed`]). After a batch that dead-lettered, the
/// waiting letters are counted again.
pub struct InTurn<S> {
    inner: S,
    desk: Option<Arc<Desk>>,
    held: Option<OwnedMutexGuard<()>>,
    /// The current batch dead-lettered something.
    lettered: bool,
}

#[async_trait]
impl<S: EventSource> EventSource for InTurn<S> {
    async fn start(&mut self, consumer: &str, tables: &dyn Tables) -> Result<u64, StorageError> {
        self.inner.start(consumer, tables).await
    }

    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        let batch = self.inner.next_batch().await?;
        if let Some(desk) = &self.desk {
            self.held = Some(Arc::clone(&desk.turn).lock_owned().await);
        }
        Ok(batch)
    }

    async fn dead_letter(
        &mut self,
        consumer: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        self.lettered = true;
        self.inner.dead_letter(consumer, letters).await
    }

    fn checkpoint(&self, consumer: &str, batch: &[Delivery]) -> Vec<Mutation> {
        self.inner.checkpoint(consumer, batch)
    }

    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError> {
        let mark = self.inner.committed(batch).await;
        self.held = None;
        if std::mem::take(&mut self.lettered)
            && let Some(desk) = &self.desk
        {
            tokio::spawn(Arc::clone(desk).recount());
        }
        mark
    }

    fn lag(&self) -> Option<u64> {
        self.inner.lag()
    }

    fn letter_box(&self) -> Option<Arc<dyn LetterBox>> {
        self.inner.letter_box()
    }
}
