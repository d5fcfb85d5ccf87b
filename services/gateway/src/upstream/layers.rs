//! The layers every call to a service passes through, outermost first:
//! metrics, `traceparent` propagation, timeout, then the transport.

use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use http::{HeaderValue, Request, Response};
use tower::util::BoxCloneSyncService;
use tower::{BoxError, Layer, Service, ServiceBuilder};

use super::ServiceClient;

/// The W3C trace header.
const TRACEPARENT: &str = "traceparent";

/// One service behind its layers.
pub(crate) type Stack = BoxCloneSyncService<Request<Bytes>, Response<Bytes>, BoxError>;

/// `transport` with the gateway's layers: each call counted and timed under
/// `service`, the caller's trace carried on, and no answer after `timeout`.
pub(crate) fn stack(service: &'static str, transport: ServiceClient, timeout: Duration) -> Stack {
    BoxCloneSyncService::new(
        ServiceBuilder::new()
            .layer(MeasureLayer { service })
            .map_request(propagate_trace)
            .timeout(timeout)
            .service(transport),
    )
}

/// The trace a partner's request belongs to (its `traceparent`), carried in
/// the request extensions of every call made for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TraceContext {
    trace_id: [u8; 16],
    flags: u8,
}

impl TraceContext {
    /// A version-00 `traceparent` header; `None` for anything else.
    pub(crate) fn parse(header: &HeaderValue) -> Option<TraceContext> {
        let text = header.to_str().ok()?;
        let mut parts = text.split('-');
        let (version, trace, parent, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version != "00" || parts.next().is_some() || parent.len() != 16 {
            return None;
        }
        let trace_id: [u8; 16] = hex(trace)?.try_into().ok()?;
        let parent_id: [u8; 8] = hex(parent)?.try_into().ok()?;
        let [flags] = <[u8; 1]>::try_from(hex(flags)?).ok()?;
        if trace_id == [0; 16] || parent_id == [0; 8] {
            return None;
        }
        Some(TraceContext { trace_id, flags })
    }

    /// The header for a call made as a new span of this trace.
    fn child(&self) -> Option<HeaderValue> {
        let mut span = [0u8; 8];
        getrandom::fill(&mut span).ok()?;
        if span == [0; 8] {
            span[7] = 1;
        }
        let text = format!(
            "00-{}-{}-{:02x}",
            to_hex(&self.trace_id),
            to_hex(&span),
            self.flags
        );
        HeaderValue::from_str(&text).ok()
    }
}

/// Lower-case hex only, as the W3C header requires.
fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2)
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends the caller's trace on as `traceparent`, with the call as its span.
fn propagate_trace(mut request: Request<Bytes>) -> Request<Bytes> {
    let header = request
        .extensions()
        .get::<TraceContext>()
        .and_then(TraceContext::child);
    if let Some(header) = header {
        request.headers_mut().insert(TRACEPARENT, header);
    }
    request
}

/// Counts and times every call to one service ([`UpstreamCalled`]).
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
        let started = Instant::now();
        self.inner
            .call(request)
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
        let sent = propagate_trace(request);
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
        let sent = propagate_trace(Request::new(Bytes::new()));
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
