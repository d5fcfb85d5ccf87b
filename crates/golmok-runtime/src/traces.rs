//! OpenTelemetry traces: the `[telemetry]` settings, the OTLP exporter they
//! configure, the server span of every HTTP request a process serves, and
//! the trace and span ids on the JSON log lines.
//!
//! Off by default: without `telemetry.otlp_endpoint` no exporter, no
//! background thread and no span is created (`golmok_kernel::trace`).

use std::fmt;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use golmok_kernel::trace;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use serde::Deserialize;
use tracing::{Event, Instrument, Subscriber};
use tracing_opentelemetry::OtelData;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The one OTLP protocol this build sends.
pub const HTTP_PROTOBUF: &str = "http/protobuf";
/// Where an OTLP/HTTP collector takes spans, under its base URL.
const TRACES_PATH: &str = "/v1/traces";
/// The longest `service_name` accepted.
const MAX_SERVICE_NAME: usize = 255;

/// `[telemetry]` (`GOLMOK__TELEMETRY__OTLP_ENDPOINT`, …): where traces go.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySettings {
    /// Base URL of an OpenTelemetry collector's OTLP/HTTP receiver
    /// (`http://127.0.0.1:4318`); spans are sent to `<url>/v1/traces`.
    /// Empty (the default): no traces are recorded or exported.
    pub otlp_endpoint: String,
    /// The OTLP protocol: `http/protobuf` (the only one built).
    pub protocol: String,
    /// The `service.name` of the spans; by default the process's name
    /// (`golmok` for `golmok up`, the service for `golmok serve <service>`).
    pub service_name: Option<String>,
    /// The share of new traces recorded, 0.0 to 1.0; a request that
    /// continues a partner's trace follows the partner's sampling decision.
    pub sampling_ratio: f64,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            otlp_endpoint: String::new(),
            protocol: HTTP_PROTOBUF.to_owned(),
            service_name: None,
            sampling_ratio: 1.0,
        }
    }
}

/// Telemetry settings that cannot work, or an exporter that cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TelemetryError {
    #[error(
        "TELEMETRY_ENDPOINT_INVALID: telemetry.otlp_endpoint {0:?} is not an http:// base URL \
         (scheme, host and port, no path; https needs TLS, which this build does not include)"
    )]
    Endpoint(String),
    #[error(
        "TELEMETRY_PROTOCOL_UNSUPPORTED: telemetry.protocol {0:?}: only \"http/protobuf\" is built"
    )]
    Protocol(String),
    #[error(
        "TELEMETRY_SERVICE_NAME_INVALID: telemetry.service_name must be 1 to 255 printable characters"
    )]
    ServiceName,
    #[error(
        "TELEMETRY_SAMPLING_RATIO_INVALID: telemetry.sampling_ratio {0} is not between 0 and 1"
    )]
    SamplingRatio(String),
    #[error("TELEMETRY_EXPORTER_FAILED: the OTLP exporter cannot be built: {0}")]
    Exporter(String),
}

impl TelemetrySettings {
    /// Checks every value; the first wrong one is the error.
    pub fn validate(&self) -> Result<(), TelemetryError> {
        if self.protocol != HTTP_PROTOBUF {
            return Err(TelemetryError::Protocol(self.protocol.clone()));
        }
        if !(0.0..=1.0).contains(&self.sampling_ratio) {
            return Err(TelemetryError::SamplingRatio(
                self.sampling_ratio.to_string(),
            ));
        }
        if let Some(name) = &self.service_name
            && (name.is_empty()
                || name.chars().count() > MAX_SERVICE_NAME
                || name.chars().any(char::is_control))
        {
            return Err(TelemetryError::ServiceName);
        }
        if !self.otlp_endpoint.is_empty() {
            self.traces_url()?;
        }
        Ok(())
    }

    /// Whether traces are exported.
    pub fn exports(&self) -> bool {
        !self.otlp_endpoint.is_empty()
    }

    /// `<otlp_endpoint>/v1/traces`, for an `http://host:port` endpoint.
    fn traces_url(&self) -> Result<String, TelemetryError> {
        let invalid = || TelemetryError::Endpoint(self.otlp_endpoint.clone());
        let base = self.otlp_endpoint.trim_end_matches('/');
        let uri: http::Uri = base.parse().map_err(|_| invalid())?;
        let plain_http = uri.scheme_str() == Some("http");
        let bare = matches!(uri.path(), "" | "/") && uri.query().is_none();
        if !plain_http || uri.host().is_none_or(str::is_empty) || !bare {
            return Err(invalid());
        }
        Ok(format!("{base}{TRACES_PATH}"))
    }

    /// The tracer provider exporting to the collector in batches (a
    /// background thread), sampled parent-based at `sampling_ratio`.
    pub(crate) fn provider(&self, process: &str) -> Result<SdkTracerProvider, TelemetryError> {
        self.validate()?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(self.traces_url()?)
            .build()
            .map_err(|error| TelemetryError::Exporter(error.to_string()))?;
        let name = self
            .service_name
            .clone()
            .unwrap_or_else(|| process.to_owned());
        Ok(SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                self.sampling_ratio,
            ))))
            .with_resource(Resource::builder().with_service_name(name).build())
            .build())
    }
}

/// The `tracing` layer turning the process's spans into OpenTelemetry spans
/// of `provider`.
pub(crate) fn layer<S>(
    provider: &SdkTracerProvider,
) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("golmok"))
        .with_tracked_inactivity(false)
        .with_location(false)
        .with_threads(false)
}

/// Middleware: the server span of one request, continuing the caller's
/// `traceparent` (the gateway's upstream call, a partner), named by its
/// route template. Every service's router and the gateway's go through it.
pub async fn trace_requests(request: Request, next: Next) -> Response {
    if !trace::recording() {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    let traceparent = request
        .headers()
        .get(trace::TRACEPARENT)
        .and_then(|value| value.to_str().ok());
    trace::follow(&span, traceparent);
    let response = next.run(request).instrument(span.clone()).await;
    span.record("http.response.status_code", response.status().as_u16());
    response
}

/// A JSON log line with `trace_id` and `span_id` first when it was written
/// inside a recorded span; otherwise exactly the line `F` writes.
pub(crate) struct TraceIds<F>(pub(crate) F);

impl<S, N, F> FormatEvent<S, N> for TraceIds<F>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    N: for<'writer> FormatFields<'writer> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let ids = context.lookup_current().and_then(|span| {
            let extensions = span.extensions();
            let data = extensions.get::<OtelData>()?;
            Some((data.trace_id()?, data.span_id()?))
        });
        let Some((trace_id, span_id)) =
            ids.filter(|(trace_id, _)| *trace_id != opentelemetry::trace::TraceId::INVALID)
        else {
            return self.0.format_event(context, writer, event);
        };
        let mut line = String::new();
        self.0
            .format_event(context, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(
                writer,
                "{{\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\",{rest}"
            ),
            None => writer.write_str(&line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut TelemetrySettings)) -> TelemetrySettings {
        let mut settings = TelemetrySettings::default();
        change(&mut settings);
        settings
    }

    #[test]
    fn off_by_default() {
        let settings = TelemetrySettings::default();
        assert_eq!(settings.validate(), Ok(()));
        assert!(!settings.exports());
    }

    #[test]
    fn an_http_base_url_is_where_spans_go() {
        for endpoint in ["http://127.0.0.1:4318", "http://collector:4318/"] {
            let settings = with(|s| s.otlp_endpoint = endpoint.to_owned());
            assert_eq!(settings.validate(), Ok(()), "{endpoint}");
            assert!(settings.traces_url().unwrap().ends_with(":4318/v1/traces"));
        }
    }

    #[test]
    fn invalid_values_are_refused_with_their_code() {
        for (settings, code) in [
            (
                with(|s| s.otlp_endpoint = "collector:4318".into()),
                "TELEMETRY_ENDPOINT_INVALID",
            ),
            (
                with(|s| s.otlp_endpoint = "https://c:4318".into()),
                "TELEMETRY_ENDPOINT_INVALID",
            ),
            (
                with(|s| s.otlp_endpoint = "http://c:4318/v1/traces".into()),
                "TELEMETRY_ENDPOINT_INVALID",
            ),
            (
                with(|s| s.otlp_endpoint = "http:// c".into()),
                "TELEMETRY_ENDPOINT_INVALID",
            ),
            (
                with(|s| s.protocol = "grpc".into()),
                "TELEMETRY_PROTOCOL_UNSUPPORTED",
            ),
            (
                with(|s| s.sampling_ratio = 1.5),
                "TELEMETRY_SAMPLING_RATIO_INVALID",
            ),
            (
                with(|s| s.sampling_ratio = -0.1),
                "TELEMETRY_SAMPLING_RATIO_INVALID",
            ),
            (
                with(|s| s.sampling_ratio = f64::NAN),
                "TELEMETRY_SAMPLING_RATIO_INVALID",
            ),
            (
                with(|s| s.service_name = Some(String::new())),
                "TELEMETRY_SERVICE_NAME_INVALID",
            ),
            (
                with(|s| s.service_name = Some("a\nb".into())),
                "TELEMETRY_SERVICE_NAME_INVALID",
            ),
            (
                with(|s| s.service_name = Some("x".repeat(256))),
                "TELEMETRY_SERVICE_NAME_INVALID",
            ),
        ] {
            let error = settings.validate().expect_err(code).to_string();
            assert!(error.starts_with(code), "{error}");
        }
    }
}
