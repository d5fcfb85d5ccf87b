//! OpenTelemetry traces end to end: the real processes export their spans
//! over OTLP/HTTP to a real collector (rotel, from PyPI) that forwards them
//! to the test's receiver (`golmok_testkit::otlp`), or to the receiver
//! directly, and one partner request is one trace from the gateway to the
//! consumer of its event, with every parent/child link as it happened.

use std::time::Duration;

use golmok_testkit::Kafka;
use golmok_testkit::otlp::{OtlpReceiver, ReceivedSpan, Rotel};
use serde_json::{Value, json};

use crate::support::{Golmok, REGISTER, bakery, business_number, free_address, token};

/// A partner's W3C trace context: its trace and the span that called us.
const PARTNER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARTNER_SPAN: &str = "00f067aa0ba902b7";
/// How long spans may take to arrive (batched every 100 ms here).
const EXPORTED_WITHIN: Duration = Duration::from_secs(30);

/// The settings that export a process's spans to the OTLP/HTTP `endpoint`,
/// in batches sent every 100 ms, with debug lines of the kernel (inside
/// spans) logged.
fn exporting_to(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GOLMOK__TELEMETRY__OTLP_ENDPOINT", endpoint.to_owned()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
        ("GOLMOK_LOG", "info,golmok_kernel=debug".to_owned()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect()
}

/// `registerMerchant` through the gateway as a fresh merchant, with the
/// partner's `traceparent` when given: the merchant's id.
async fn register(gateway: &Golmok, token: &str, n: u32, traceparent: Option<&str>) -> String {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", gateway.base))
        .bearer_auth(token)
        .json(&json!({"query": REGISTER, "variables": bakery(&business_number(n))}));
    if let Some(traceparent) = traceparent {
        request = request.header("traceparent", traceparent);
    }
    let response = request.send().await.expect("the gateway answers");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(
        body["data"]["registerMerchant"]["userErrors"],
        json!([]),
        "{body}"
    );
    body["data"]["registerMerchant"]["merchant"]["id"]
        .as_str()
        .expect("the merchant's id")
        .to_owned()
}

/// The spans of one trace, with lookups by name, kind and parent.
struct Trace(Vec<ReceivedSpan>);

impl Trace {
    fn of(spans: &[ReceivedSpan], trace_id: &str) -> Trace {
        Trace(
            spans
                .iter()
                .filter(|span| span.trace_id == trace_id)
                .cloned()
                .collect(),
        )
    }

    /// The one span matching `wanted`, described by `what` if there is not exactly one.
    fn one(&self, what: &str, wanted: impl Fn(&ReceivedSpan) -> bool) -> &ReceivedSpan {
        let found: Vec<&ReceivedSpan> = self.0.iter().filter(|span| wanted(span)).collect();
        assert_eq!(found.len(), 1, "{what}: {found:#?}\nin {:#?}", self.0);
        found[0]
    }

    /// The spans matching `wanted`, at least one.
    fn all(&self, what: &str, wanted: impl Fn(&ReceivedSpan) -> bool) -> Vec<&ReceivedSpan> {
        let found: Vec<&ReceivedSpan> = self.0.iter().filter(|span| wanted(span)).collect();
        assert!(!found.is_empty(), "no {what} in {:#?}", self.0);
        found
    }

    fn parent_of(&self, span: &ReceivedSpan) -> Option<&ReceivedSpan> {
        let parent = span.parent_span_id.as_deref()?;
        self.0.iter().find(|candidate| candidate.span_id == parent)
    }

    /// Has a consumer span of `consumer` for `event` in `service`.
    fn consumed(&self, service: &str, consumer: &str, event: &str) -> bool {
        self.0.iter().any(|span| {
            span.service == service
                && span.kind == "consumer"
                && attribute(span, "consumer") == consumer
                && attribute(span, "event_type").contains(event)
        })
    }
}

/// Every span received once the last batches are in: each process sends
/// what ended every 100 ms, and the request's spans ended before its answer.
async fn stragglers_in(receiver: &OtlpReceiver) -> Vec<ReceivedSpan> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    receiver.spans()
}

fn attribute<'a>(span: &'a ReceivedSpan, key: &str) -> &'a str {
    span.attributes.get(key).map_or("", String::as_str)
}

fn is_child(child: &ReceivedSpan, parent: &ReceivedSpan) -> bool {
    child.parent_span_id.as_deref() == Some(parent.span_id.as_str())
}

/// The links every traced request has, from the gateway's server span to
/// the append of `MerchantRegistered`: gateway request → upstream call →
/// storefront request → command → append. The gateway's request span.
fn assert_request_links<'t>(trace: &'t Trace, gateway: &str, storefront: &str) -> &'t ReceivedSpan {
    let request = trace.one("the gateway's server span", |span| {
        span.service == gateway && span.kind == "server" && span.name == "POST /graphql"
    });
    let calls = trace.all("the gateway's calls to the storefront", |span| {
        span.service == gateway
            && span.kind == "client"
            && attribute(span, "service") == "storefront"
    });
    for call in &calls {
        assert!(is_child(call, request), "{call:#?} under {request:#?}");
    }
    let served = trace.all("the storefront's server spans", |span| {
        span.service == storefront && span.kind == "server" && span != request
    });
    for server in &served {
        let call = trace
            .parent_of(server)
            .expect("the storefront span has its parent here");
        assert!(
            calls.contains(&call),
            "{server:#?} is not under a gateway call"
        );
    }
    let append = trace.one("the append of MerchantRegistered", |span| {
        span.service == storefront
            && span.name == "append"
            && attribute(span, "stream").starts_with("merchant-")
    });
    let command = trace.parent_of(append).expect("the append's command");
    assert_eq!(command.name, "storefront Register", "{command:#?}");
    assert_eq!(attribute(command, "aggregate"), "Merchant", "{command:#?}");
    let server = trace.parent_of(command).expect("the command's request");
    assert!(
        served.contains(&server),
        "{command:#?} is not under a storefront request"
    );
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_request_is_one_trace_from_the_gateway_over_kafka_to_the_voucher_consumer() {
    let receiver = OtlpReceiver::start().await;
    let collector = Rotel::start(&receiver);
    let broker = Kafka::start();
    let brokers = broker.bootstrap_servers();
    // One data directory: each process keeps its store in its own folder,
    // and all share the actor-assertion key and the token key.
    let data = tempfile::tempdir().unwrap();
    let env = exporting_to(&collector.endpoint);
    let (storefront_address, voucher_address) = (free_address(), free_address());
    let storefront = Golmok::serve_on_kafka_with(
        "storefront",
        data.path(),
        &storefront_address,
        &brokers,
        &borrowed(&env),
    );
    let voucher = Golmok::serve_on_kafka_with(
        "voucher",
        data.path(),
        &voucher_address,
        &brokers,
        &borrowed(&env),
    );
    let mut gateway_env = env.clone();
    gateway_env.push((
        "GOLMOK__UPSTREAMS__STOREFRONT",
        format!("http://{storefront_address}"),
    ));
    gateway_env.push((
        "GOLMOK__UPSTREAMS__VOUCHER",
        format!("http://{voucher_address}"),
    ));
    let gateway = Golmok::serve(
        "gateway",
        data.path(),
        "127.0.0.1:0",
        &borrowed(&gateway_env),
    );

    let merchant = token(data.path(), "merchant");
    let traceparent = format!("00-{PARTNER_TRACE}-{PARTNER_SPAN}-01");
    register(&gateway, &merchant, 1, Some(&traceparent)).await;

    receiver
        .wait_until(EXPORTED_WITHIN, |spans| {
            Trace::of(spans, PARTNER_TRACE).consumed(
                "voucher",
                "voucher.directory",
                "MerchantRegistered",
            )
        })
        .await;
    let trace = Trace::of(&stragglers_in(&receiver).await, PARTNER_TRACE);
    let request = assert_request_links(&trace, "gateway", "storefront");
    assert_eq!(
        request.parent_span_id.as_deref(),
        Some(PARTNER_SPAN),
        "the gateway continues the partner's trace under the partner's span"
    );
    let append = trace.one("the append of MerchantRegistered", |span| {
        span.name == "append" && attribute(span, "stream").starts_with("merchant-")
    });
    let publish = trace.one("the relay's publish of MerchantRegistered", |span| {
        span.service == "storefront"
            && span.kind == "producer"
            && attribute(span, "event_type").contains("MerchantRegistered")
    });
    assert!(
        is_child(publish, append),
        "the publish continues the stored context: {publish:#?}"
    );
    assert_eq!(attribute(publish, "topic"), "golmok.storefront.events.v1");
    let consumed = trace.one("the voucher directory's handling", |span| {
        span.service == "voucher"
            && span.kind == "consumer"
            && attribute(span, "consumer") == "voucher.directory"
            && attribute(span, "event_type").contains("MerchantRegistered")
    });
    assert!(
        is_child(consumed, publish),
        "the consumer's parent is the Kafka record's traceparent: {consumed:#?}"
    );

    // The storefront's log lines written inside the request carry its ids.
    drop(gateway);
    drop(voucher);
    let (_, lines) = storefront.terminate();
    let traced: Vec<Value> = lines
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["trace_id"] == PARTNER_TRACE)
        .collect();
    assert!(
        traced
            .iter()
            .any(|line| line["fields"]["message"] == "command executed"
                && line["span_id"].as_str().is_some_and(|id| id.len() == 16)),
        "no traced command line among {traced:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_golmok_up_a_request_is_one_trace_to_the_in_process_consumer() {
    let receiver = OtlpReceiver::start().await;
    let data = tempfile::tempdir().unwrap();
    let env = exporting_to(&receiver.endpoint);
    let suite = Golmok::up_with(data.path(), &borrowed(&env));
    assert!(
        suite
            .thread_names()
            .iter()
            .any(|name| name.starts_with("OpenTelemetry")),
        "the exporter runs: {:?}",
        suite.thread_names()
    );

    let merchant = token(data.path(), "merchant");
    register(&suite, &merchant, 2, None).await;

    // An untraced request starts a new trace at the gateway.
    receiver
        .wait_until(EXPORTED_WITHIN, |spans| {
            spans.iter().any(|span| {
                span.kind == "consumer"
                    && attribute(span, "consumer") == "voucher.directory"
                    && attribute(span, "event_type").contains("MerchantRegistered")
            })
        })
        .await;
    let spans = stragglers_in(&receiver).await;
    let roots: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|span| span.name == "POST /graphql" && span.parent_span_id.is_none())
        .collect();
    assert_eq!(roots.len(), 1, "{roots:#?}");
    let trace = Trace::of(&spans, &roots[0].trace_id);
    assert!(trace.0.iter().all(|span| span.service == "golmok"));
    assert_request_links(&trace, "golmok", "golmok");
    let append = trace.one("the append of MerchantRegistered", |span| {
        span.name == "append" && attribute(span, "stream").starts_with("merchant-")
    });
    let consumed = trace.one("the voucher directory's handling", |span| {
        span.kind == "consumer"
            && attribute(span, "consumer") == "voucher.directory"
            && attribute(span, "event_type").contains("MerchantRegistered")
    });
    assert!(
        is_child(consumed, append),
        "the in-process consumer continues the event's stored context: {consumed:#?}"
    );
    assert!(
        trace.0.iter().all(|span| span.kind != "producer"),
        "no relay runs on the in-process bus"
    );
}

#[tokio::test]
async fn with_the_exporter_off_nothing_is_exported_and_no_exporter_runs() {
    let receiver = OtlpReceiver::start().await;
    let data = tempfile::tempdir().unwrap();
    // The standard OpenTelemetry variable is not Golmok's setting: it turns nothing on.
    let suite = Golmok::up_with(
        data.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("GOLMOK_LOG", "info,golmok_kernel=debug"),
        ],
    );
    let merchant = token(data.path(), "merchant");
    let traceparent = format!("00-{PARTNER_TRACE}-{PARTNER_SPAN}-01");
    register(&suite, &merchant, 3, Some(&traceparent)).await;
    assert!(
        !suite
            .thread_names()
            .iter()
            .any(|name| name.starts_with("OpenTelemetry")),
        "no exporter thread: {:?}",
        suite.thread_names()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (status, lines) = suite.terminate();
    assert!(status.success());
    assert_eq!(receiver.requests(), 0, "nothing is exported");
    assert!(
        lines.iter().any(|line| line.contains("command executed")),
        "the debug lines are written"
    );
    assert!(
        lines.iter().all(|line| !line.contains("\"trace_id\"")),
        "no log line names a span"
    );
}
