//! Telemetry as typed occurrences (STYLE.md 9): one small type per notable
//! occurrence of the kernel's machinery, whose `emit` writes the log line and
//! the metrics together. Labels come from fixed sets only: a service, an
//! aggregate and its command variants, a consumer (projection) name, an
//! outcome. A stream id, merchant id or cursor may appear in a log line,
//! never in a label.
//!
//! Metrics go through the `metrics` facade, which does no I/O: a process that
//! installs no recorder (a unit test) pays almost nothing. The families are
//! listed, with what to alert on, in `docs/operations.md`.

use std::fmt::{self, Write};
use std::time::Duration;

use metrics::{counter, gauge, histogram};

/// How a command ended; each command is counted once, under one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommandOutcome {
    /// Decided and appended (or a no-op, or an idempotent replay) on the first try.
    Accepted,
    /// Accepted after losing at least one optimistic-concurrency race.
    ConflictRetried,
    /// The aggregate refused it, or its idempotency key was reused for another command.
    Rejected,
    /// Storage, decoding, or contention beyond the retry limit.
    Failed,
}

impl CommandOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::ConflictRetried => "conflict_retried",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }
}

/// A command finished: `golmok_commands_total` and
/// `golmok_command_duration_seconds`, plus `golmok_command_conflicts_total`
/// for the races it lost on the way.
pub(crate) struct CommandExecuted<'a> {
    pub service: &'a str,
    pub aggregate: &'static str,
    pub command: &'a str,
    pub outcome: CommandOutcome,
    pub conflicts: u64,
    pub elapsed: Duration,
}

impl CommandExecuted<'_> {
    pub(crate) fn emit(&self) {
        let labels = [
            ("service", self.service.to_owned()),
            ("aggregate", self.aggregate.to_owned()),
            ("command", self.command.to_owned()),
            ("outcome", self.outcome.label().to_owned()),
        ];
        counter!("golmok_commands_total", &labels).increment(1);
        histogram!("golmok_command_duration_seconds", &labels).record(self.elapsed.as_secs_f64());
        if self.conflicts > 0 {
            counter!("golmok_command_conflicts_total", "service" => self.service.to_owned(), "aggregate" => self.aggregate)
                .increment(self.conflicts);
        }
        // The HTTP edge logs failures with their cause; this line is for tracing one command.
        tracing::debug!(
            service = self.service,
            aggregate = self.aggregate,
            command = self.command,
            outcome = self.outcome.label(),
            conflicts = self.conflicts,
            elapsed_ms = self.elapsed.as_secs_f64() * 1e3,
            "command executed"
        );
    }
}

/// A command's events were appended to the log: `golmok_events_appended_total`.
pub(crate) struct EventsAppended<'a> {
    pub service: &'a str,
    pub stream: &'a str,
    pub count: u64,
    pub last_position: u64,
}

impl EventsAppended<'_> {
    pub(crate) fn emit(&self) {
        counter!("golmok_events_appended_total", "service" => self.service.to_owned())
            .increment(self.count);
        tracing::debug!(
            service = self.service,
            stream = self.stream,
            count = self.count,
            position = self.last_position,
            "events appended"
        );
    }
}

/// A consumer started from its durable progress. Registers its counters at
/// zero, so "no dead letters" is a series an alert can see.
pub(crate) struct ConsumerStarted<'a> {
    pub consumer: &'static str,
    pub source: &'a str,
    pub mark: u64,
}

impl ConsumerStarted<'_> {
    pub(crate) fn emit(&self) {
        counter!("golmok_dead_letters_total", "consumer" => self.consumer).increment(0);
        for outcome in ConsumerOutcome::ALL {
            counter!("golmok_consumer_events_total", "consumer" => self.consumer, "outcome" => outcome.label())
                .increment(0);
        }
        tracing::info!(
            consumer = self.consumer,
            source = self.source,
            mark = self.mark,
            "consumer started"
        );
    }
}

/// What a consumer did with one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsumerOutcome {
    /// Its effect was applied.
    Applied,
    /// Its event id was already in the inbox: a redelivery, skipped.
    Duplicate,
    /// It could not be decoded or handled and went to the dead letters.
    DeadLettered,
}

impl ConsumerOutcome {
    const ALL: [Self; 3] = [Self::Applied, Self::Duplicate, Self::DeadLettered];

    fn label(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Duplicate => "duplicate",
            Self::DeadLettered => "dead_lettered",
        }
    }
}

/// A consumer's batch is durable: `golmok_consumer_events_total` by outcome,
/// `golmok_projection_delay_seconds` (event time to applied) for each applied
/// event and `golmok_projection_position`.
#[derive(Debug, Default)]
pub(crate) struct BatchApplied {
    pub applied: u64,
    pub duplicates: u64,
    pub dead_lettered: u64,
    /// Seconds from each applied event's commit to its effect being durable.
    pub delays: Vec<f64>,
    /// The highest source-log position among the batch's events.
    pub position: Option<u64>,
}

impl BatchApplied {
    pub(crate) fn emit(&self, consumer: &'static str) {
        for (outcome, count) in [
            (ConsumerOutcome::Applied, self.applied),
            (ConsumerOutcome::Duplicate, self.duplicates),
            (ConsumerOutcome::DeadLettered, self.dead_lettered),
        ] {
            if count > 0 {
                counter!("golmok_consumer_events_total", "consumer" => consumer, "outcome" => outcome.label())
                    .increment(count);
            }
        }
        let delay = histogram!("golmok_projection_delay_seconds", "projection" => consumer);
        for seconds in &self.delays {
            delay.record(*seconds);
        }
        if let Some(position) = self.position {
            #[allow(clippy::cast_precision_loss)]
            gauge!("golmok_projection_position", "projection" => consumer).set(position as f64);
        }
        tracing::debug!(
            consumer,
            applied = self.applied,
            duplicates = self.duplicates,
            dead_lettered = self.dead_lettered,
            position = self.position,
            "consumer batch applied"
        );
    }
}

/// One message went to a consumer's dead letters (emitted once the dead
/// letter is durable): the error log line and `golmok_dead_letters_total`.
pub(crate) struct DeadLettered<'a> {
    pub consumer: &'static str,
    pub cursor: &'a str,
    pub event_id: Option<String>,
    pub reason: &'a str,
}

impl DeadLettered<'_> {
    pub(crate) fn emit(&self) {
        counter!("golmok_dead_letters_total", "consumer" => self.consumer).increment(1);
        tracing::error!(
            consumer = self.consumer,
            cursor = self.cursor,
            event_id = self.event_id,
            reason = self.reason,
            "message dead-lettered"
        );
    }
}

/// How far a consumer is behind its source: `golmok_consumer_lag_events`.
pub(crate) struct ConsumerLag {
    pub consumer: &'static str,
    pub lag: u64,
}

impl ConsumerLag {
    pub(crate) fn emit(&self) {
        #[allow(clippy::cast_precision_loss)]
        gauge!("golmok_consumer_lag_events", "consumer" => self.consumer).set(self.lag as f64);
    }
}

/// Where a consumer's batch failed before it was durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsumerStage {
    /// Taking the next batch from the source.
    Read,
    /// Handling the batch or writing its effects.
    Apply,
}

/// A consumer will retry after a failure: the warning and
/// `golmok_consumer_retries_total`.
pub(crate) struct ConsumerRetrying<'a> {
    pub consumer: &'static str,
    pub stage: ConsumerStage,
    pub error: &'a dyn std::error::Error,
}

impl ConsumerRetrying<'_> {
    pub(crate) fn emit(&self) {
        let stage = match self.stage {
            ConsumerStage::Read => "read",
            ConsumerStage::Apply => "apply",
        };
        counter!("golmok_consumer_retries_total", "consumer" => self.consumer, "stage" => stage)
            .increment(1);
        tracing::warn!(consumer = self.consumer, stage, error = %self.error, "consumer batch failed; retrying");
    }
}

/// A relay's broker acknowledgements moved its checkpoint:
/// `golmok_relay_published_total` and `golmok_relay_backlog_events`.
/// Emitted by the relay adapters (`golmok-kafka`).
pub struct RelayProgress<'a> {
    pub service: &'a str,
    /// Events acknowledged since the last report.
    pub published: u64,
    /// Log head minus the relay's checkpoint.
    pub backlog: u64,
}

impl RelayProgress<'_> {
    pub fn emit(&self) {
        counter!("golmok_relay_published_total", "service" => self.service.to_owned())
            .increment(self.published);
        #[allow(clippy::cast_precision_loss)]
        gauge!("golmok_relay_backlog_events", "service" => self.service.to_owned())
            .set(self.backlog as f64);
        tracing::debug!(
            service = self.service,
            published = self.published,
            backlog = self.backlog,
            "relay progress"
        );
    }
}

/// A relay failed to publish and republishes from its checkpoint: the
/// warning and `golmok_relay_failures_total`.
pub struct RelayFailed<'a> {
    pub service: &'a str,
    pub topic: &'a str,
    pub acknowledged: u64,
    pub error: &'a str,
}

impl RelayFailed<'_> {
    pub fn emit(&self) {
        counter!("golmok_relay_failures_total", "service" => self.service.to_owned()).increment(1);
        tracing::warn!(
            service = self.service,
            topic = self.topic,
            error = self.error,
            acknowledged = self.acknowledged,
            "publishing failed; republishing from the checkpoint"
        );
    }
}

/// The variant name of a command (`PlaceOrder` for
/// `ShopCommand::PlaceOrder(..)`), read from the start of its `Debug` output
/// without formatting the rest: a fixed set, safe as a label. Anything that
/// does not start like a Rust identifier (a hand-written `Debug` that prints
/// data) is labelled `other`.
pub(crate) fn command_name(command: &impl fmt::Debug) -> String {
    let mut name = VariantName(String::new());
    let _ = write!(name, "{command:?}");
    let name = name.0;
    if name.starts_with(|c: char| c.is_ascii_uppercase()) {
        name
    } else {
        "other".to_owned()
    }
}

/// The last path segment of a type's name (`Shop` for `storefront::domain::shop::Shop`).
pub(crate) fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let path = full.split('<').next().unwrap_or(full);
    path.rsplit("::").next().unwrap_or(path)
}

/// Keeps the leading identifier of what is written to it and stops the
/// formatter at the first other character.
struct VariantName(String);

const NAME_MAX: usize = 64;

impl Write for VariantName {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if !(c.is_ascii_alphanumeric() || c == '_') || self.0.len() >= NAME_MAX {
                return Err(fmt::Error);
            }
            self.0.push(c);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(dead_code)]
    #[derive(Debug)]
    enum Command {
        Tuple(Vec<u8>),
        Struct { secret: String },
        Unit,
    }

    struct Printed<'a>(&'a str);

    impl fmt::Debug for Printed<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    #[test]
    fn a_command_is_labelled_by_its_variant_and_never_by_its_data() {
        assert_eq!(command_name(&Command::Tuple(vec![1, 2])), "Tuple");
        assert_eq!(
            command_name(&Command::Struct {
                secret: "merchant-1".into()
            }),
            "Struct"
        );
        assert_eq!(command_name(&Command::Unit), "Unit");
        assert_eq!(command_name(&Printed("\"merchant-1\"")), "other");
        assert_eq!(command_name(&Printed("merchant-1")), "other");
        assert_eq!(command_name(&Printed(&"A".repeat(100))).len(), NAME_MAX);
    }

    #[test]
    fn an_aggregate_is_labelled_by_its_type_name() {
        struct Shop;
        assert_eq!(short_type_name::<Shop>(), "Shop");
        assert_eq!(short_type_name::<Vec<u8>>(), "Vec");
    }
}

/// A read-model row that cannot be decoded: a bug or a damaged row. Readers
/// skip it (a list) or name it (a single read) instead of failing wholesale.
pub struct BadRow<'a> {
    pub table: &'a str,
    pub partition: &'a str,
    pub clustering: &'a str,
    pub error: &'a dyn std::error::Error,
}

/// The read-model row decoded as `T`, or `None` once it has been logged and
/// counted as a [`BadRow`]: what every reader of a JSON row does with one it
/// cannot decode.
pub fn decode_row<T: serde::de::DeserializeOwned>(
    table: &str,
    partition: &str,
    clustering: &str,
    bytes: &[u8],
) -> Option<T> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Some(value),
        Err(error) => {
            BadRow {
                table,
                partition,
                clustering,
                error: &error,
            }
            .emit();
            None
        }
    }
}

impl BadRow<'_> {
    /// Logs the row's table, partition and clustering key and counts it in
    /// `golmok_read_model_bad_rows_total{table}`.
    pub fn emit(&self) {
        tracing::error!(
            table = self.table,
            partition = self.partition,
            clustering = self.clustering,
            error = %self.error,
            "read-model row cannot be decoded; skipped"
        );
        metrics::counter!("golmok_read_model_bad_rows_total", "table" => self.table.to_owned())
            .increment(1);
    }
}

#[cfg(test)]
mod bad_row_tests {
    use metrics_exporter_prometheus::PrometheusBuilder;

    use super::*;

    #[test]
    fn a_bad_row_is_counted_by_table() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let error = serde_json::from_slice::<u8>(b"{").unwrap_err();
        metrics::with_local_recorder(&recorder, || {
            for _ in 0..2 {
                BadRow {
                    table: "some_table",
                    partition: "p",
                    clustering: "c",
                    error: &error,
                }
                .emit();
            }
        });
        let rendered = handle.render();
        assert!(
            rendered.contains("golmok_read_model_bad_rows_total{table=\"some_table\"} 2"),
            "{rendered}"
        );
    }
}
