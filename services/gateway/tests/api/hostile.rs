//! Hostile documents (RELIABILITY.md 13, issue 7): each is refused with a
//! coded error, quickly, before any resolver runs, in bounded memory, while
//! `/livez` keeps answering.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gateway::LimitSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fake_storefront::Catalogue;
use crate::support::{TestApp, error_codes, spawn_gateway};

/// Longest a refusal may take (debug build, shared 2-core machine).
const REFUSAL: Duration = Duration::from_secs(1);
/// Longest `/livez` may take to answer while hostile documents are refused.
const LIVEZ: Duration = Duration::from_millis(500);
/// Most the process's peak resident memory may grow during a suite.
const MEMORY: u64 = 64 * 1024 * 1024;

async fn app() -> TestApp {
    spawn_gateway(Catalogue::new(3, 3).router(), LimitSettings::default()).await
}

/// `{operation} { ...F0 }` and fragments F0…F`levels` on `on`, where
/// `body(next)` is the body of every fragment but the last, which asks for
/// `__typename`. Each level multiplies the expanded size.
fn fan_out(operation: &str, on: &str, levels: usize, body: impl Fn(usize) -> String) -> String {
    let mut document = format!("{operation} {{ ...F0 }}");
    for level in 0..levels {
        document.push_str(&format!(
            " fragment F{level} on {on} {{ {} }}",
            body(level + 1)
        ));
    }
    document.push_str(&format!(" fragment F{levels} on {on} {{ __typename }}"));
    document
}

/// Each fragment spreads the next one twice.
fn twice(next: usize) -> String {
    format!("...F{next} ...F{next}")
}

/// Each fragment spreads the next one through two inline fragments.
fn inline(next: usize) -> String {
    format!("... on Query {{ ...F{next} }} ... @include(if: true) {{ ...F{next} }}")
}

/// Each fragment has an alias and spreads the next one twice under directives.
fn aliased(next: usize) -> String {
    format!("a{next}: __typename ...F{next} @include(if: true) ...F{next} @skip(if: false)")
}

/// Sends `body` as it is and expects every operation in the answer refused
/// with `code`, within [`REFUSAL`], without a call to the storefront.
async fn assert_refused(app: &TestApp, what: &str, body: Value, code: &str) -> Duration {
    let started = Instant::now();
    let (status, answer) = app
        .post_raw(None, serde_json::to_vec(&body).expect("body"))
        .await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{what}: {answer}");
    let answers = match answer {
        Value::Array(answers) => answers,
        single => vec![single],
    };
    assert_eq!(answers.len(), body.as_array().map_or(1, Vec::len), "{what}");
    for answer in &answers {
        assert_eq!(error_codes(answer), vec![code], "{what}: {answer}");
        assert!(answer["data"].is_null(), "{what}: {answer}");
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() < 300,
            "{what}: a sentence, not the document: {message}"
        );
    }
    assert!(took < REFUSAL, "{what} took {took:?}");
    assert_eq!(app.upstream_calls(), vec![], "{what}: no resolver may run");
    took
}

async fn refused(app: &TestApp, what: &str, query: &str, code: &str) -> Duration {
    assert_refused(app, what, json!({"query": query}), code).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_fan_out_is_refused_at_every_depth() {
    let app = app().await;
    let livez = LivezWatch::start(&app);
    for levels in [10, 24, 30, 60] {
        let document = fan_out("query", "Query", levels, twice);
        assert!(document.len() < 3_000);
        refused(
            &app,
            &format!("{levels} levels"),
            &document,
            "QUERY_TOO_COMPLEX",
        )
        .await;
    }
    livez.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_fan_out_is_refused_in_every_shape() {
    let app = app().await;
    let livez = LivezWatch::start(&app);
    for levels in [24, 60] {
        let shapes = [
            (
                "inline fragments",
                fan_out("query", "Query", levels, inline),
            ),
            (
                "aliases and directives",
                fan_out("query", "Query", levels, aliased),
            ),
            (
                "mutation root",
                fan_out("mutation", "Mutation", levels, twice),
            ),
            // The schema has no Subscription type: the operation would be
            // refused by validation, which must not be reached.
            (
                "subscription",
                fan_out("subscription", "Query", levels, twice),
            ),
            (
                "unused fragments",
                fan_out("query", "Query", levels, twice).replacen("...F0", "__typename", 1),
            ),
            (
                "an operation not selected",
                format!(
                    "query Harmless {{ __typename }} {}",
                    fan_out("query Hostile", "Query", levels, twice)
                ),
            ),
        ];
        for (shape, document) in shapes {
            let what = format!("{shape}, {levels} levels");
            let body = if document.contains("Harmless") {
                json!({"query": document, "operationName": "Harmless"})
            } else {
                json!({"query": document})
            };
            assert_refused(&app, &what, body, "QUERY_TOO_COMPLEX").await;
        }
    }
    livez.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_fan_outs_is_refused_operation_by_operation() {
    let app = app().await;
    let livez = LivezWatch::start(&app);
    let operation = json!({"query": fan_out("query", "Query", 30, twice)});
    let batch = Value::Array(vec![operation; app.settings.limits.max_batch_operations]);
    assert_refused(&app, "a batch of 10", batch, "QUERY_TOO_COMPLEX").await;
    livez.finish().await;
}

/// The expanded-size limit itself: at the limit the document runs, one more
/// selection and far more are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expanded_size_limit_holds_at_limit_plus_one() {
    let app = app().await;
    let limit = app.settings.limits.max_expanded_fields;
    // Each spread counts one and F's one field; F itself counts one.
    let spreads = (limit - 1) / 2;
    let fields = limit - 1 - 2 * spreads;
    let at_limit = format!(
        "{{ {}{} }} fragment F on Query {{ __typename }}",
        "__typename ".repeat(fields),
        "...F ".repeat(spreads)
    );
    let started = Instant::now();
    let data = app.data(None, &at_limit, json!({})).await;
    assert_eq!(data, json!({"__typename": "Query"}));
    assert!(started.elapsed() < REFUSAL, "{:?}", started.elapsed());
    let one_more = format!("{{ __typename {}", at_limit.trim_start_matches("{ "));
    refused(&app, "limit + 1", &one_more, "QUERY_TOO_COMPLEX").await;
    let fields = format!("{{ {} }}", "__typename ".repeat(limit + 1));
    refused(&app, "flat fields", &fields, "QUERY_TOO_COMPLEX").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_fragments_chains_and_cycles_are_refused() {
    let app = app().await;
    let livez = LivezWatch::start(&app);
    let body_limit = app.settings.limits.max_body_bytes;

    let huge = format!(
        "{{ ...F }} fragment F on Query {{ {} }}",
        "viewer { role subject } ".repeat(8_000)
    );
    assert!(huge.len() < body_limit);
    refused(&app, "a huge fragment", &huge, "QUERY_TOO_COMPLEX").await;

    let many: String = (0..6_000)
        .map(|i| format!("fragment F{i} on Query{{__typename}}"))
        .collect();
    let many = format!("{{ __typename }} {many}");
    assert!(many.len() < body_limit);
    refused(&app, "6,000 fragments", &many, "QUERY_TOO_COMPLEX").await;

    // A chain as long as the body allows: walked without recursion.
    let chain: String = (0..7_000)
        .map(|i| format!("fragment F{i} on Query{{...F{}}}", i + 1))
        .collect();
    let chain = format!("{{ ...F0 }} {chain} fragment F7000 on Query{{__typename}}");
    assert!(chain.len() < body_limit, "{}", chain.len());
    refused(
        &app,
        "a chain of 7,000 fragments",
        &chain,
        "QUERY_TOO_COMPLEX",
    )
    .await;

    for cycle in [
        "{ ...A } fragment A on Query { ...A }",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { viewer { role } ...A }",
        "{ __typename } fragment A on Query { ... on Query { ...B } } fragment B on Query { ...A ...A }",
    ] {
        refused(&app, cycle, cycle, "GRAPHQL_VALIDATION_FAILED").await;
    }
    livez.finish().await;
}

/// The parser recurses per nesting level: documents nested deeper than it
/// can take are refused before it runs, not allowed to overflow the stack.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_is_refused_without_crashing() {
    let app = app().await;
    let livez = LivezWatch::start(&app);
    for depth in [129, 2_000, 40_000] {
        let lists = format!(
            "{{ merchant(id: {}\"x\"{}) {{ id }} }}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        refused(&app, "nested lists", &lists, "GRAPHQL_PARSE_FAILED").await;
        let objects = format!(
            "{{ merchant(id: {}1{}) {{ id }} }}",
            "{a: ".repeat(depth),
            "}".repeat(depth)
        );
        refused(&app, "nested objects", &objects, "GRAPHQL_PARSE_FAILED").await;
        let selections = format!("{}{}", "{ a ".repeat(depth), "}".repeat(depth));
        refused(
            &app,
            "nested selections",
            &selections,
            "GRAPHQL_PARSE_FAILED",
        )
        .await;
    }
    // Brackets inside strings and comments are not nesting.
    let quoted = format!(
        "{{ merchant(id: \"{}\") {{ id }} }} # {}",
        "[".repeat(1_000),
        "{".repeat(1_000)
    );
    let (_, body) = app.graphql(None, &quoted, json!({})).await;
    assert_ne!(error_codes(&body), vec!["GRAPHQL_PARSE_FAILED"], "{body}");
    livez.finish().await;
}

/// The worst documents at once, several requests in flight: every one is
/// refused quickly, `/livez` answers throughout and memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hostile_documents_leave_livez_and_memory_alone() {
    let app = Arc::new(app().await);
    let before = peak_resident_bytes();
    let livez = LivezWatch::start(&app);
    let worst = [
        fan_out("query", "Query", 60, twice),
        fan_out("query", "Query", 30, aliased),
        fan_out("mutation", "Mutation", 30, twice),
        fan_out("query", "Query", 30, inline),
    ];
    let mut senders = Vec::new();
    for sender in 0..8 {
        let app = app.clone();
        let worst = worst.clone();
        senders.push(tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            for round in 0..5 {
                let document = &worst[(sender + round) % worst.len()];
                let took = refused(&app, "concurrent", document, "QUERY_TOO_COMPLEX").await;
                slowest = slowest.max(took);
            }
            slowest
        }));
    }
    let mut slowest = Duration::ZERO;
    for sender in senders {
        slowest = slowest.max(sender.await.expect("sender"));
    }
    let livez_slowest = livez.finish().await;
    let grown = peak_resident_bytes().saturating_sub(before);
    println!(
        "40 hostile requests, 8 at a time: slowest refusal {slowest:?}, slowest /livez {livez_slowest:?}, peak memory grew {} KiB",
        grown / 1024
    );
    assert!(grown < MEMORY, "peak memory grew {grown} bytes");
}

/// Polls `/livez` and `/readyz` from its own thread and runtime, so that a
/// starved server shows as slow answers, until [`LivezWatch::finish`].
struct LivezWatch {
    stop: Arc<AtomicBool>,
    polled: Arc<AtomicUsize>,
    thread: JoinHandle<Vec<Result<Duration, String>>>,
}

impl LivezWatch {
    fn start(app: &TestApp) -> LivezWatch {
        let urls = [app.url("/livez"), app.url("/readyz")];
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let polled = Arc::new(AtomicUsize::new(0));
        let counter = polled.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("client");
                let mut polls = Vec::new();
                for url in urls.iter().cycle() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let started = Instant::now();
                    let poll = match client.get(url).send().await {
                        Ok(response) if response.status() == StatusCode::OK => {
                            Ok(started.elapsed())
                        }
                        Ok(response) => Err(format!("{url}: status {}", response.status())),
                        Err(error) => Err(error.to_string()),
                    };
                    polls.push(poll);
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                polls
            })
        });
        LivezWatch {
            stop,
            polled,
            thread,
        }
    }

    /// Stops polling once both routes were asked; every poll answered 200
    /// within [`LIVEZ`]. Returns the slowest.
    async fn finish(self) -> Duration {
        self.finish_within(LIVEZ).await
    }

    /// [`LivezWatch::finish`] with another bound.
    async fn finish_within(self, bound: Duration) -> Duration {
        while self.polled.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.stop.store(true, Ordering::SeqCst);
        let polls = tokio::task::block_in_place(|| self.thread.join()).expect("the poller");
        assert!(polls.len() >= 2, "/livez and /readyz were polled");
        let mut slowest = Duration::ZERO;
        for poll in polls {
            let took = poll.unwrap_or_else(|error| panic!("an ops route failed: {error}"));
            assert!(took < bound, "an ops route took {took:?}");
            slowest = slowest.max(took);
        }
        slowest
    }
}

/// The process's peak resident set (VmHWM), in bytes.
fn peak_resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
        .expect("VmHWM")
}

/// A request still running at its deadline is stopped and answered
/// REQUEST_TIMEOUT, while the server keeps answering others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_is_answered_request_timeout() {
    let slow = axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        axum::Json(json!({}))
    });
    let limits = LimitSettings {
        request_timeout_ms: 300,
        ..LimitSettings::default()
    };
    let app = spawn_gateway(slow, limits).await;
    let livez = LivezWatch::start(&app);
    let started = Instant::now();
    let (status, body) = app
        .graphql(None, "{ merchants { nodes { name } } }", json!({}))
        .await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(error_codes(&body), vec!["REQUEST_TIMEOUT"], "{body}");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    livez.finish().await;
}

/// Documents that pass the expansion check but make validation work hardest
/// (thousands of arguments, variables, directives, each one a validation
/// error), several at once: answered within bounds, with at most a few
/// errors each, while `/livez` keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wide_documents_are_validated_in_bounded_time() {
    let app = Arc::new(app().await);
    let livez = LivezWatch::start(&app);
    let repeat =
        |count: usize, each: &dyn Fn(usize) -> String| -> String { (0..count).map(each).collect() };
    let wide = [
        format!(
            "{{ viewer({}) {{ role }} }}",
            repeat(20_000, &|i| format!("a{i}:1,"))
        ),
        format!(
            "query({}) {{ __typename }}",
            repeat(20_000, &|i| format!("$v{i}:Int,"))
        ),
        format!(
            "{{ viewer {} {{ role }} }}",
            repeat(15_000, &|_| "@skip(if:false)".to_owned())
        ),
        format!(
            "{{ {} }}",
            repeat(1_400, &|i| format!("m: merchant(id: \"{i}\") {{ id }} "))
        ),
    ];
    let mut senders = Vec::new();
    for sender in 0..8 {
        let app = app.clone();
        let document = wide[sender % wide.len()].clone();
        senders.push(tokio::spawn(async move {
            assert!(document.len() < app.settings.limits.max_body_bytes);
            let started = Instant::now();
            let (status, body) = app.graphql(None, &document, json!({})).await;
            let took = started.elapsed();
            assert_eq!(status, StatusCode::OK, "{body}");
            let codes = error_codes(&body);
            assert!(!codes.is_empty() && codes.len() <= 20, "{codes:?}");
            assert!(body.to_string().len() < 10_000, "the answer stays small");
            took
        }));
    }
    let mut slowest = Duration::ZERO;
    for sender in senders {
        slowest = slowest.max(sender.await.expect("sender"));
    }
    // Validating one of these costs up to half a second of CPU in a debug
    // build; at most one is validated at a time, so a runtime worker stays
    // free, and /livez waits only for the machine (shared by the whole
    // parallel test run) to schedule it.
    let livez_slowest = livez.finish_within(Duration::from_millis(1_500)).await;
    println!(
        "8 wide documents at once: slowest answer {slowest:?}, slowest /livez {livez_slowest:?}"
    );
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");
    assert_eq!(app.upstream_calls(), vec![]);
}
