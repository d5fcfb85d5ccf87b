//! The layers every call to a service passes through, outermost first:
//! metrics and the call's client span (its context sent as `traceparent`),
//! timeout, then the transport.

use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use golmok_kernel::trace::{
    self, SpanContext, SpanId, TRACEPARENT, TraceFlags, TraceId, TraceState,
};
use http::{HeaderValue, Request, Response};
use tower::util::BoxCloneSyncService;
use tower::{BoxError, Layer, Service, ServiceBuilder};
use tracing::{Instrument, Span};

use super::ServiceClient;

/// One service behind its layers.
pub(crate) type Stack = BoxCloneSyncService<Request<Bytes>, Response<Bytes>, BoxError>;

/// `transport` with the gateway's layers: each call counted and timed under
/// `service`, made as a client span of the caller's trace, and no answer
/// after `timeout`.
pub(crate) fn stack(service: &'static str, transport: ServiceClient, timeout: Duration) -> Stack {
    BoxCloneSyncService::new(
        ServiceBuilder::new()
            .layer(MeasureLayer { service })
            .timeout(timeout)
            .service(transport),
    )
}

/// The trace a partner's request belongs to (its `traceparent`), carried in
/// the request extensions of every call made for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TraceContext {
    trace_id: TraceId,
    flags: TraceFlags,
}

impl TraceContext {
    /// A version-00 `traceparent` header; `None` for anything else.
    pub(crate) fn parse(header: &HeaderValue) -> Option<TraceContext> {
        let span = trace::parse(header.to_str().ok()?)?;
        Some(TraceContext {
            trace_id: span.trace_id(),
            flags: span.trace_flags(),
        })
    }

    /// The header for a call made as a new span of this trace, when this
    /// process records no spans of its own.
    fn child(&self) -> Option<HeaderValue> {
        let mut span = [0u8; 8];
        getrandom::fill(&mut span).ok()?;
        if span == [0; 8] {
            span[7] = 1;
        }
        let call = SpanContext::new(
            self.trace_id,
            SpanId::from_bytes(span),
            self.flags,
            true,
            TraceState::NONE,
        );
        HeaderValue::from_str(&trace::header(&call)?).ok()
    }
}

/// Sends the caller's trace on as `traceparent`: the call's own client span
/// while spans are recorded, else a new span id in the partner's trace.
fn propagate_trace(mut request: Request<Bytes>, call: &Span) -> Request<Bytes> {
    let header = match trace::traceparent(call) {
        Some(recorded) => HeaderValue::from_str(&recorded).ok(),
        None => request
            .extensions()
            .get::<TraceContext>()
            .and_then(TraceContext::child),
    };
    if let Some(header) = header {
        request.headers_mut().insert(TRACEPARENT, header);
    }
    request
}

/// Counts and times every call to one service ([`UpstreamCalled`]) and
/// makes it a client span (while spans are recorded) whose context goes
/// out as `traceparent`.
#[derive(Clone, Copy)]
struct MeasureLayer {
    service: &'static str,
}

impl<S> Layer<S> for MeasureLayer {
    type Service = Measure<S>;

    fn layer(&self, inner: S) -> Measure<S> {
        Measure {
            service: self.service,
            inner,
        }
    }
}

#[derive(Clone)]
struct Measure<S> {
    service: &'static str,
    inner: S,
}

impl<S> Service<Request<Bytes>> for Measure<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response<Bytes>, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let service = self.service;
        let span = if trace::recording() {
            tracing::info_span!(
                "upstream call",
                otel.name = %format_args!("{} {service}", request.method()),
                otel.kind = "client",
                service,
                http.request.method = %request.method(),
            )
        } else {
            Span::none()
        };
        let request = propagate_trace(request, &span);
        let started = Instant::now();
        self.inner
            .call(request)
            .instrument(span)
            .inspect(move |answer| {
                UpstreamCalled {
                    service,
                    outcome: outcome(answer),
                    elapsed: started.elapsed(),
                }
                .emit();
            })
            .boxed()
    }
}

fn outcome(answer: &Result<Response<Bytes>, BoxError>) -> &'static str {
    match answer {
        Ok(response) if response.status().is_success() => "success",
        Ok(response) if response.status().is_client_error() => "rejected",
        Ok(_) => "failed",
        Err(error) if error.is::<tower::timeout::error::Elapsed>() => "timeout",
        Err(_) => "unreachable",
    }
}

/// One call to a service, counted in
/// `golmok_gateway_upstream_calls_total{service, outcome}` and timed in
/// `golmok_gateway_upstream_call_seconds{service}`. Both labels come from
/// fixed sets: the gateway's service names and the outcomes above.
struct UpstreamCalled {
    service: &'static str,
    outcome: &'static str,
    elapsed: Duration,
}

impl UpstreamCalled {
    fn emit(&self) {
        tracing::debug!(
            service = self.service,
            outcome = self.outcome,
            elapsed_ms = self.elapsed.as_millis(),
            "service called"
        );
        metrics::counter!(
            "golmok_gateway_upstream_calls_total",
            "service" => self.service,
            "outcome" => self.outcome
        )
        .increment(1);
        metrics::histogram!("golmok_gateway_upstream_call_seconds", "service" => self.service)
            .record(self.elapsed.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCOMING: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_trace_goes_on_with_a_new_span() {
        let trace = TraceContext::parse(&HeaderValue::from_static(INCOMING)).unwrap();
        let mut request = Request::new(Bytes::new());
        request.extensions_mut().insert(trace);
        let sent = propagate_trace(request, &Span::none());
        let header = sent.headers()[TRACEPARENT].to_str().unwrap().to_owned();
        assert!(
            header.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{header}"
        );
        assert!(header.ends_with("-01"), "{header}");
        assert_ne!(header, INCOMING);
        assert_eq!(
            TraceContext::parse(&HeaderValue::from_str(&header).unwrap()),
            Some(trace)
        );
    }

    #[test]
    fn without_a_trace_no_header_is_sent() {
        let sent = propagate_trace(Request::new(Bytes::new()), &Span::none());
        assert!(sent.headers().get(TRACEPARENT).is_none());
    }

    #[test]
    fn only_valid_version_00_headers_are_read() {
        for text in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
        ] {
            assert_eq!(
                TraceContext::parse(&HeaderValue::from_str(text).unwrap()),
                None,
                "{text}"
            );
        }
    }
}
