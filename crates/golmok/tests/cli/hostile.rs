//! The real `golmok up` under the worst documents the gateway can be sent:
//! several at once, each refused quickly with QUERY_TOO_COMPLEX, `/livez`
//! answering throughout, memory bounded, and SIGTERM honoured while they
//! are still arriving (issue 7: two such requests used to pin both workers
//! for minutes and the process ignored SIGTERM).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::Golmok;

/// `query{...F0} fragment F0 on Query{...F1 ...F1} … fragment Fn on Query{__typename}`.
fn fan_out(operation: &str, on: &str, levels: usize) -> String {
    let mut document = format!("{operation} {{ ...F0 }}");
    for level in 0..levels {
        let next = level + 1;
        document.push_str(&format!(
            " fragment F{level} on {on} {{ a{next}: __typename ...F{next} @include(if: true) ...F{next} }}"
        ));
    }
    document.push_str(&format!(" fragment F{levels} on {on} {{ __typename }}"));
    document
}

/// Posts `body` and expects every operation in the answer refused with
/// QUERY_TOO_COMPLEX within a second; `None` once the server stops accepting.
async fn refused(client: &reqwest::Client, base: &str, body: &Value) -> Option<Duration> {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/graphql"))
        .json(body)
        .send()
        .await
        .ok()?;
    let took = started.elapsed();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.ok()?;
    let answers = match answer {
        Value::Array(answers) => answers,
        single => vec![single],
    };
    for answer in answers {
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX",
            "{answer}"
        );
        assert_eq!(answer["data"], Value::Null, "{answer}");
    }
    assert!(took < Duration::from_secs(1), "a refusal took {took:?}");
    Some(took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_worst_documents_at_once_leave_livez_and_sigterm_working() {
    let data = tempfile::tempdir().unwrap();
    let suite = Golmok::up(data.path());
    let base = suite.base.clone();
    let before = suite.peak_resident_bytes();

    let worst = [
        json!({"query": fan_out("query", "Query", 30)}),
        json!({"query": fan_out("query", "Query", 60)}),
        json!({"query": fan_out("mutation", "Mutation", 40)}),
        Value::Array(vec![json!({"query": fan_out("query", "Query", 30)}); 10]),
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for sender in 0..6 {
        let (base, worst, stop) = (base.clone(), worst.clone(), stop.clone());
        senders.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut sent, mut slowest) = (0usize, Duration::ZERO);
            while !stop.load(Ordering::SeqCst) {
                let body = &worst[(sender + sent) % worst.len()];
                let Some(took) = refused(&client, &base, body).await else {
                    break;
                };
                sent += 1;
                slowest = slowest.max(took);
            }
            (sent, slowest)
        }));
    }

    // Two seconds of six senders: /livez answers each time within 500 ms.
    let client = reqwest::Client::new();
    let watching = Instant::now();
    let (mut polls, mut livez_slowest) = (0, Duration::ZERO);
    while watching.elapsed() < Duration::from_secs(2) {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/livez"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("/livez answers");
        let took = started.elapsed();
        assert_eq!(response.status(), 200);
        assert!(took < Duration::from_millis(500), "/livez took {took:?}");
        livez_slowest = livez_slowest.max(took);
        polls += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let grown = suite.peak_resident_bytes().saturating_sub(before);
    assert!(grown < 64 * 1024 * 1024, "peak memory grew {grown} bytes");

    // SIGTERM while the documents keep arriving: a clean exit, quickly.
    let stopping = Instant::now();
    let (status, _) = tokio::task::block_in_place(|| suite.terminate());
    let exit = stopping.elapsed();
    stop.store(true, Ordering::SeqCst);
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
    assert!(exit < Duration::from_secs(5), "exit took {exit:?}");

    let (mut sent, mut slowest) = (0, Duration::ZERO);
    for sender in senders {
        let (count, took) = sender.await.expect("sender");
        sent += count;
        slowest = slowest.max(took);
    }
    assert!(sent >= 12, "the senders kept the gateway busy: {sent}");
    println!(
        "{sent} hostile requests from 6 senders: slowest refusal {slowest:?}; {polls} /livez polls, slowest {livez_slowest:?}; peak memory grew {} KiB; exit {exit:?} after SIGTERM",
        grown / 1024
    );
}
