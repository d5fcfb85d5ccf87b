use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// The process-wide telemetry: JSON logs to stdout and a Prometheus recorder.
#[derive(Clone)]
pub struct Telemetry {
    pub metrics: PrometheusHandle,
}

/// Installs JSON logging (filter from `GOLMOK_LOG`, default `info`) and the
/// Prometheus recorder. Safe to call more than once (tests): later calls reuse
/// what the first installed.
pub fn init_telemetry() -> Telemetry {
    static METRICS: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    let metrics = METRICS.get_or_init(|| {
        let filter =
            EnvFilter::try_from_env("GOLMOK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .json()
            .with_current_span(false)
            .with_env_filter(filter)
            .with_writer(std::io::stdout)
            .try_init();
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        handle
    });
    Telemetry {
        metrics: metrics.clone(),
    }
}
