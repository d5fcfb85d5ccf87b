use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::format::{JsonFields, format};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::figures::{ProcessFigures, Started};
use crate::traces::{TelemetryError, TelemetrySettings, TraceIds, layer};

/// Bucket bounds (seconds) of the latency histograms: from a group commit
/// (milliseconds) to a consumer stuck behind a failing dependency (minutes).
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 120.0,
];
/// The kernel's latency families rendered as Prometheus histograms (so
/// quantiles aggregate across processes); other histograms stay summaries.
const LATENCY_HISTOGRAMS: [&str; 3] = [
    "golmok_command_duration_seconds",
    "golmok_projection_delay_seconds",
    "golmok_webhook_attempt_seconds",
];

/// The process-wide telemetry: JSON logs to stdout, a Prometheus recorder
/// and, when `[telemetry]` names a collector, the OTLP trace exporter.
#[derive(Clone)]
pub struct Telemetry {
    pub metrics: PrometheusHandle,
    started: Arc<Started>,
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// The Prometheus text exposition of every metric, with the process and
    /// runtime figures (`process_*`, `tokio_*`) sampled now.
    pub fn render(&self) -> String {
        ProcessFigures::sample().emit(&self.started);
        self.metrics.run_upkeep();
        self.metrics.render()
    }

    /// Exports the spans not sent yet and stops the exporter; for the end
    /// of the process (a no-op without one).
    pub async fn flush_traces(&self) {
        if let Some(provider) = self.traces.clone() {
            let stopped = tokio::task::spawn_blocking(move || provider.shutdown()).await;
            if let Ok(Err(error)) = stopped {
                tracing::warn!(%error, "the trace exporter did not stop cleanly");
            }
        }
    }
}

/// Installs JSON logging (filter from `GOLMOK_LOG`, default `info`) and the
/// Prometheus recorder, without traces. Safe to call more than once (tests):
/// later calls reuse what the first installed.
pub fn init_telemetry() -> Telemetry {
    installed(None)
}

/// [`init_telemetry`] with the `[telemetry]` settings: when they name a
/// collector, spans are recorded and exported as `process` (unless
/// `service_name` says otherwise) and log lines carry their ids.
pub fn init_telemetry_with(
    settings: &TelemetrySettings,
    process: &str,
) -> Result<Telemetry, TelemetryError> {
    settings.validate()?;
    if let Some(telemetry) = INSTALLED.get() {
        return Ok(telemetry.clone());
    }
    let traces = settings
        .exports()
        .then(|| settings.provider(process))
        .transpose()?;
    Ok(installed(traces))
}

/// What the first call installed.
static INSTALLED: OnceLock<Telemetry> = OnceLock::new();

/// The telemetry the first call installed, with `traces` if it was this one.
fn installed(traces: Option<SdkTracerProvider>) -> Telemetry {
    INSTALLED
        .get_or_init(|| {
            let started = Arc::new(Started::now());
            let filter =
                EnvFilter::try_from_env("GOLMOK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
            let logs = tracing_subscriber::fmt::layer()
                .fmt_fields(JsonFields::new())
                .event_format(TraceIds(format().json().with_current_span(false)))
                .with_writer(std::io::stdout)
                .with_filter(filter);
            // Spans only (log lines are not copied into them), at info and up.
            let spans = traces.as_ref().map(|provider| {
                layer(provider).with_filter(filter_fn(|metadata| {
                    metadata.is_span() && *metadata.level() <= Level::INFO
                }))
            });
            let _ = tracing_subscriber::registry()
                .with(spans)
                .with(logs)
                .try_init();
            if traces.is_some() {
                golmok_kernel::trace::start_recording();
            }
            let recorder = builder().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            Telemetry {
                metrics: handle,
                started,
                traces,
            }
        })
        .clone()
}

fn builder() -> PrometheusBuilder {
    LATENCY_HISTOGRAMS
        .iter()
        .fold(PrometheusBuilder::new(), |builder, name| {
            builder
                .set_buckets_for_metric(Matcher::Full((*name).to_owned()), &LATENCY_BUCKETS)
                .expect("the latency buckets are not empty")
        })
}
