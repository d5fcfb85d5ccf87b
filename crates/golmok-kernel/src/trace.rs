//! Traces across processes: OpenTelemetry spans made with `tracing` (the
//! `tracing-opentelemetry` bridge) and the W3C `traceparent` that carries a
//! span's context over HTTP, in an event's envelope and in a Kafka header,
//! written and read by the OpenTelemetry propagator only here.
//!
//! Spans are made only while [`recording`]: a process that exports no traces
//! (the default) creates none, so tracing costs it nothing; a `traceparent`
//! it receives is still stored and passed on as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
pub use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The W3C trace context header (HTTP) and CloudEvents extension (Kafka).
pub const TRACEPARENT: &str = "traceparent";

static RECORDING: AtomicBool = AtomicBool::new(false);

/// Says that this process records spans from now on: the runtime calls it
/// once it has installed the OpenTelemetry layer and its exporter.
pub fn start_recording() {
    RECORDING.store(true, Ordering::Release);
}

/// Whether this process records spans (an OTLP exporter is configured).
pub fn recording() -> bool {
    RECORDING.load(Ordering::Acquire)
}

/// The `traceparent` of `span`, to send or store with what it produces;
/// `None` when no span is recorded.
pub fn traceparent(span: &Span) -> Option<String> {
    if !recording() {
        return None;
    }
    inject(&span.context())
}

/// The `traceparent` of the current span ([`traceparent`]).
pub fn current_traceparent() -> Option<String> {
    traceparent(&Span::current())
}

/// Makes `span` (not yet entered) a child of the remote span `traceparent`
/// names; a missing or invalid header leaves its parent as it is (the
/// current span, or none: a new trace).
pub fn follow(span: &Span, traceparent: Option<&str>) {
    if let Some(remote) = traceparent.and_then(parse) {
        // Fails only for a span already started, which callers never pass.
        let _ = span.set_parent(Context::new().with_remote_span_context(remote));
    }
}

/// The span a `traceparent` header names (version 00, lower-case hex,
/// non-zero ids); `None` for anything else.
pub fn parse(traceparent: &str) -> Option<SpanContext> {
    // The propagator also reads later versions and ids shorter than their
    // width; only the exact version-00 form is taken here.
    let parts: Vec<&str> = traceparent.split('-').collect();
    let exact = matches!(parts.as_slice(), ["00", trace, span, flags]
        if trace.len() == 32 && span.len() == 16 && flags.len() == 2);
    if !exact {
        return None;
    }
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let context = TraceContextPropagator::new().extract(&carrier);
    let span = context.span().span_context().clone();
    span.is_valid().then_some(span)
}

/// The `traceparent` header naming `span`.
pub fn header(span: &SpanContext) -> Option<String> {
    inject(&Context::new().with_remote_span_context(span.clone()))
}

fn inject(context: &Context) -> Option<String> {
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::with_capacity(1);
    TraceContextPropagator::new().inject_context(context, &mut carrier);
    carrier.remove(TRACEPARENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_header_round_trips_through_the_propagator() {
        let span = parse(HEADER).expect("a valid header");
        assert_eq!(
            span.trace_id(),
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
        );
        assert!(span.is_sampled());
        assert_eq!(header(&span).as_deref(), Some(HEADER));
    }

    #[test]
    fn invalid_headers_name_no_span() {
        for text in [
            "",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn without_recording_no_span_has_a_traceparent() {
        let span = tracing::info_span!("unrecorded");
        follow(&span, Some(HEADER));
        assert_eq!(traceparent(&span), None);
    }
}
