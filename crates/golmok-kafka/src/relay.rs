use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::FuturesOrdered;
use futures::{FutureExt, StreamExt};
use golmok_kernel::telemetry::{RelayFailed, RelayProgress};
use golmok_kernel::{Consumer, EventLog, LogTail, RecordedEvent, StorageError, Tables};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span};

use crate::cloudevents::{encode_traced, traceparent};
use crate::error::BusError;
use crate::settings::{KafkaSettings, events_topic};

/// Sends awaiting their acknowledgement at most; reading the log pauses above.
const MAX_IN_FLIGHT: usize = 10_000;
const RETRY_BACKOFF: Duration = Duration::from_millis(500);
/// How long a stopping relay waits for outstanding acknowledgements.
const DRAIN: Duration = Duration::from_secs(5);
/// How often the backlog gauge is refreshed while no acknowledgement arrives
/// (a broker that is down leaves sends pending).
const BACKLOG_REPORT: Duration = Duration::from_secs(1);

type Ack = Pin<Box<dyn Future<Output = (u64, Result<(), String>)> + Send>>;

/// Publishes a service's committed log to `golmok.<service>.events.v1`, at
/// least once and in log order per stream (key = stream id).
///
/// Sends are pipelined: many are in flight at once on an idempotent producer
/// (`acks=all`), which keeps each partition in order across retries. The
/// relay's checkpoint (table `checkpoints`, partition `relay/<topic>`, in the
/// service's tables) moves only past events the broker acknowledged, and only
/// contiguously, so a relay that dies anywhere republishes from the first
/// unacknowledged event; consumers' inboxes absorb the repeats.
pub struct Relay {
    settings: KafkaSettings,
    service: String,
    topic: String,
    log: Arc<dyn EventLog>,
    tables: Arc<dyn Tables>,
    producer: FutureProducer,
}

/// A running relay: how far it has published, and its task.
pub struct RelayHandle {
    published: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

impl RelayHandle {
    /// The relay's checkpoint: every event up to it is acknowledged by Kafka.
    pub fn published(&self) -> u64 {
        *self.published.borrow()
    }

    /// Waits until every event up to `position` is acknowledged; false if
    /// that takes longer than `timeout`.
    pub async fn wait_for(&self, position: u64, timeout: Duration) -> bool {
        let mut published = self.published.clone();
        tokio::time::timeout(timeout, published.wait_for(|p| *p >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Waits for the relay to finish after its token was cancelled.
    pub async fn stopped(self) {
        let _ = self.task.await;
    }

    /// Ends the relay on the spot, as a crash would: nothing is drained or
    /// saved, unacknowledged sends are purged. For crash tests.
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

impl Relay {
    /// A relay of `service`'s `log`, keeping its checkpoint in `tables`.
    pub fn new(
        settings: &KafkaSettings,
        service: &str,
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
    ) -> Result<Self, BusError> {
        Ok(Self {
            producer: producer(settings)?,
            settings: settings.clone(),
            service: service.to_owned(),
            topic: events_topic(service),
            log,
            tables,
        })
    }

    /// The name of the relay's checkpoint in the `checkpoints` table.
    pub fn checkpoint_name(&self) -> String {
        format!("relay/{}", self.topic)
    }

    /// Starts publishing from the durable checkpoint; runs until `shutdown`.
    pub async fn spawn(self, shutdown: CancellationToken) -> Result<RelayHandle, StorageError> {
        let start =
            Consumer::stored_checkpoint(self.tables.as_ref(), &self.checkpoint_name()).await?;
        let (progress, published) = watch::channel(start);
        let task = tokio::spawn(self.run(start, progress, shutdown));
        Ok(RelayHandle { published, task })
    }

    async fn run(mut self, start: u64, progress: watch::Sender<u64>, shutdown: CancellationToken) {
        let name = self.checkpoint_name();
        let mut tail = LogTail::after(Arc::clone(&self.log), start);
        let mut in_flight: FuturesOrdered<Ack> = FuturesOrdered::new();
        let mut acknowledged = start;
        let head = self.log.head();
        let mut report = tokio::time::interval(BACKLOG_REPORT);
        report.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    let drained = tokio::time::timeout(DRAIN, async {
                        while let Some((position, Ok(()))) = in_flight.next().await {
                            acknowledged = position;
                        }
                    });
                    let _ = drained.await;
                    self.save(&name, acknowledged).await;
                    return;
                }
                _ = report.tick() => self.report(&head, 0, acknowledged),
                Some((position, outcome)) = in_flight.next(), if !in_flight.is_empty() => {
                    let mut failure = outcome.err();
                    if failure.is_none() {
                        acknowledged = position;
                        // Take every acknowledgement that is already in, then save once.
                        while let Some(Some((position, outcome))) = in_flight.next().now_or_never() {
                            match outcome {
                                Ok(()) => acknowledged = position,
                                Err(error) => {
                                    failure = Some(error);
                                    break;
                                }
                            }
                        }
                    }
                    let newly = acknowledged.saturating_sub(*progress.borrow());
                    self.save(&name, acknowledged).await;
                    progress.send_replace(acknowledged);
                    self.report(&head, newly, acknowledged);
                    if let Some(error) = failure {
                        RelayFailed {
                            service: &self.service,
                            topic: &self.topic,
                            acknowledged,
                            error: &error,
                        }
                        .emit();
                        in_flight = FuturesOrdered::new();
                        tail = LogTail::after(Arc::clone(&self.log), acknowledged);
                        // A fatal error (e.g. the broker lost the idempotent
                        // producer's state) leaves a producer unusable: start afresh.
                        match producer(&self.settings) {
                            Ok(fresh) => self.producer = fresh,
                            Err(error) => tracing::warn!(%error, "creating a producer failed"),
                        }
                        if sleep_or_shutdown(&shutdown).await.is_err() {
                            return;
                        }
                    }
                }
                events = tail.next(), if in_flight.len() < MAX_IN_FLIGHT => match events {
                    Ok(events) => {
                        for event in events {
                            in_flight.push_back(self.send(&event));
                        }
                    }
                    Err(StorageError::Closed) => return,
                    Err(error) => {
                        tracing::warn!(topic = %self.topic, %error, "reading the log failed; retrying");
                        if sleep_or_shutdown(&shutdown).await.is_err() {
                            return;
                        }
                    }
                },
            }
        }
    }

    /// Hands one event to the producer; the returned future resolves when
    /// the broker acknowledged it (or it failed).
    fn send(&self, event: &RecordedEvent) -> Ack {
        let position = event.position;
        let span = self.publishing(event);
        let header = golmok_kernel::trace::traceparent(&span)
            .unwrap_or_else(|| traceparent(&event.envelope));
        let encoded = encode_traced(event, header);
        let record = FutureRecord::to(&self.topic)
            .key(&encoded.key)
            .payload(&encoded.payload)
            .headers(encoded.headers)
            .timestamp(event.envelope.time.timestamp_millis());
        match self.producer.send_result(record) {
            Ok(ack) => async move {
                let outcome = match ack.await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err((error, _))) => Err(error.to_string()),
                    Err(_) => Err("the producer was dropped".to_owned()),
                };
                (position, outcome)
            }
            .instrument(span)
            .boxed(),
            Err((error, _)) => {
                let error = error.to_string();
                async move { (position, Err(error)) }.boxed()
            }
        }
    }

    /// The producer span of one event's publish, from the send to the
    /// broker's acknowledgement, a child of the span the event was appended
    /// in; none while no trace is recorded.
    fn publishing(&self, event: &RecordedEvent) -> Span {
        if !golmok_kernel::trace::recording() {
            return Span::none();
        }
        let span = tracing::info_span!(
            "publish",
            otel.name = %format_args!("{} publish", self.topic),
            otel.kind = "producer",
            topic = %self.topic,
            event_type = %event.envelope.event_type,
            position = event.position,
        );
        golmok_kernel::trace::follow(&span, event.envelope.traceparent.as_deref());
        span
    }

    /// Reports `published` newly acknowledged events and the backlog
    /// (committed but not yet acknowledged) behind `acknowledged`.
    fn report(&self, head: &watch::Receiver<u64>, published: u64, acknowledged: u64) {
        RelayProgress {
            service: &self.service,
            published,
            backlog: head.borrow().saturating_sub(acknowledged),
        }
        .emit();
    }

    async fn save(&self, name: &str, position: u64) {
        if let Err(error) = self
            .tables
            .write(vec![Consumer::checkpoint_write(name, position)])
            .await
        {
            tracing::warn!(topic = %self.topic, %error, "saving the relay checkpoint failed");
        }
    }
}

/// An idempotent producer: acknowledged by all in-sync replicas, in order per
/// partition across retries.
fn producer(settings: &KafkaSettings) -> Result<FutureProducer, BusError> {
    Ok(settings
        .client(&[
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("linger.ms", "5"),
        ])
        .create()?)
}

async fn sleep_or_shutdown(shutdown: &CancellationToken) -> Result<(), ()> {
    tokio::select! {
        _ = shutdown.cancelled() => Err(()),
        _ = tokio::time::sleep(RETRY_BACKOFF) => Ok(()),
    }
}
