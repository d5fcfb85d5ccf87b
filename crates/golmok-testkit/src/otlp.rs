//! A real OTLP/HTTP trace receiver for tests: an axum server on a free
//! loopback port taking `POST /v1/traces` (`application/x-protobuf`, plain
//! or gzip),
//! decoding each `ExportTraceServiceRequest` with the OpenTelemetry protocol
//! types (not with the exporter's code) and keeping every span it got; and
//! [`Rotel`], a real OpenTelemetry collector (rotel, from PyPI) that receives
//! a process's spans and forwards them to such a receiver.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use flate2::read::GzDecoder;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;

/// One span as the receiver got it; ids in lower-case hex.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// The `service.name` of the resource that sent it.
    pub service: String,
    pub name: String,
    /// `server`, `client`, `producer`, `consumer` or `internal`.
    pub kind: &'static str,
    pub trace_id: String,
    pub span_id: String,
    /// `None` for a trace's root span.
    pub parent_span_id: Option<String>,
    /// String, integer and boolean attributes, as text.
    pub attributes: BTreeMap<String, String>,
}

/// The running receiver; stopped when dropped.
pub struct OtlpReceiver {
    /// `http://127.0.0.1:<port>`: the base URL an OTLP/HTTP exporter is given.
    pub endpoint: String,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    requests: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Record {
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    requests: Arc<Mutex<usize>>,
}

impl OtlpReceiver {
    pub async fn start() -> OtlpReceiver {
        let record = Record {
            spans: Arc::default(),
            requests: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let router = axum::Router::new()
            .route("/v1/traces", post(export))
            .with_state(record.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the receiver serves");
        });
        OtlpReceiver {
            endpoint: format!("http://{address}"),
            spans: record.spans,
            requests: record.requests,
            task,
        }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().expect("spans").clone()
    }

    /// How many export requests came (with or without spans).
    pub fn requests(&self) -> usize {
        *self.requests.lock().expect("requests")
    }

    /// The spans once `enough` says they are; panics after `timeout`,
    /// naming what had come.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        enough: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if enough(&spans) {
                return spans;
            }
            assert!(
                Instant::now() < deadline,
                "the spans never came within {timeout:?}; received: {spans:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn export(
    State(record): State<Record>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let protobuf = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == b"application/x-protobuf");
    if !protobuf {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    let body = match headers
        .get(header::CONTENT_ENCODING)
        .map(|value| value.as_bytes())
    {
        None | Some(b"identity") => body.to_vec(),
        Some(b"gzip") => {
            let mut inflated = Vec::new();
            let read = GzDecoder::new(body.as_ref()).read_to_end(&mut inflated);
            if read.is_err() {
                return StatusCode::BAD_REQUEST.into_response();
            }
            inflated
        }
        Some(_) => return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response(),
    };
    let Ok(request) = ExportTraceServiceRequest::decode(body.as_slice()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    *record.requests.lock().expect("requests") += 1;
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .and_then(|resource| text_of(&resource.attributes, "service.name"))
            .unwrap_or_default();
        for span in resource_spans
            .scope_spans
            .into_iter()
            .flat_map(|scope| scope.spans)
        {
            received.push(ReceivedSpan {
                service: service.clone(),
                kind: kind(span.kind),
                trace_id: hex(&span.trace_id),
                span_id: hex(&span.span_id),
                parent_span_id: (!span.parent_span_id.is_empty())
                    .then(|| hex(&span.parent_span_id)),
                attributes: span
                    .attributes
                    .iter()
                    .filter_map(|pair| Some((pair.key.clone(), text(pair.value.as_ref()?)?)))
                    .collect(),
                name: span.name,
            });
        }
    }
    record.spans.lock().expect("spans").extend(received);
    (
        [(header::CONTENT_TYPE, "application/x-protobuf")],
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
        .into_response()
}

fn kind(kind: i32) -> &'static str {
    match SpanKind::try_from(kind) {
        Ok(SpanKind::Server) => "server",
        Ok(SpanKind::Client) => "client",
        Ok(SpanKind::Producer) => "producer",
        Ok(SpanKind::Consumer) => "consumer",
        Ok(SpanKind::Internal) => "internal",
        Ok(SpanKind::Unspecified) | Err(_) => "unspecified",
    }
}

fn text_of(attributes: &[KeyValue], key: &str) -> Option<String> {
    let pair = attributes.iter().find(|pair| pair.key == key)?;
    text(pair.value.as_ref()?)
}

fn text(value: &AnyValue) -> Option<String> {
    match value.value.as_ref()? {
        any_value::Value::StringValue(text) => Some(text.clone()),
        any_value::Value::IntValue(number) => Some(number.to_string()),
        any_value::Value::BoolValue(flag) => Some(flag.to_string()),
        any_value::Value::DoubleValue(number) => Some(number.to_string()),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The environment variable naming the `rotel-agent` binary, which
/// `scripts/rotel/install` (run by `scripts/test`) installs from PyPI.
pub const ROTEL_ENV: &str = "GOLMOK_ROTEL";

/// The rotel collector on free loopback ports, receiving OTLP (HTTP and
/// gRPC) and exporting every trace over OTLP/HTTP (gzip), in batches of at
/// most 100 ms; killed when dropped.
pub struct Rotel {
    /// `http://127.0.0.1:<port>`: its OTLP/HTTP receiver's base URL.
    pub endpoint: String,
    child: Child,
}

impl Rotel {
    /// Starts rotel forwarding to `to`; panics if `GOLMOK_ROTEL` is unset or
    /// it does not listen within 20 seconds.
    pub fn start(to: &OtlpReceiver) -> Rotel {
        let agent = std::env::var(ROTEL_ENV).unwrap_or_else(|_| {
            panic!("{ROTEL_ENV} is not set: run scripts/test, which installs rotel (scripts/rotel/install)")
        });
        let (http, grpc) = (free_address(), free_address());
        let child = Command::new(&agent)
            .args([
                "start",
                "--otlp-http-endpoint",
                &http,
                "--otlp-grpc-endpoint",
                &grpc,
            ])
            .args([
                "--exporter",
                "otlp",
                "--otlp-exporter-endpoint",
                &to.endpoint,
            ])
            .args(["--otlp-exporter-protocol", "http"])
            .args(["--batch-timeout", "100ms"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("{agent} starts: {error}"));
        let rotel = Rotel {
            endpoint: format!("http://{http}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&http).is_err() {
            assert!(
                Instant::now() < deadline,
                "rotel did not listen on {http} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        rotel
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address with a port that was free a moment ago.
fn free_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").to_string()
}
