use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::figures::{ProcessFigures, Started};

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

/// The process-wide telemetry: JSON logs to stdout and a Prometheus recorder.
#[derive(Clone)]
pub struct Telemetry {
    pub metrics: PrometheusHandle,
    started: Arc<Started>,
}

impl Telemetry {
    /// The Prometheus text exposition of every metric, with the process and
    /// runtime figures (`process_*`, `tokio_*`) sampled now.
    pub fn render(&self) -> String {
        ProcessFigures::sample().emit(&self.started);
        self.metrics.run_upkeep();
        self.metrics.render()
    }
}

/// Installs JSON logging (filter from `GOLMOK_LOG`, default `info`) and the
/// Prometheus recorder. Safe to call more than once (tests): later calls reuse
/// what the first installed.
pub fn init_telemetry() -> Telemetry {
    static INSTALLED: OnceLock<Telemetry> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let started = Arc::new(Started::now());
            let filter =
                EnvFilter::try_from_env("GOLMOK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
            let _ = tracing_subscriber::fmt()
                .json()
                .with_current_span(false)
                .with_env_filter(filter)
                .with_writer(std::io::stdout)
                .try_init();
            let recorder = builder().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            Telemetry {
                metrics: handle,
                started,
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
