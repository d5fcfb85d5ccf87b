//! Helpers shared by the suites: unique names, requests and whole-log reads.

use std::future::Future;
use std::time::Duration;

use uuid::Uuid;

pub use crate::sample_envelope;
use crate::{AppendRequest, Envelope, EventLog, ExpectedVersion, RecordedEvent};

/// How long any single suite step may take before the suite fails instead of hanging.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(60);
const PAGE: usize = 1_000;

/// A stream name no other suite run uses.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", Uuid::now_v7())
}

pub(crate) fn request(
    stream: &str,
    expected: ExpectedVersion,
    events: Vec<Envelope>,
) -> AppendRequest {
    AppendRequest {
        stream: stream.to_owned(),
        expected,
        events,
        idempotency: None,
    }
}

/// Runs `step`, failing the suite with `what` if it does not finish in time.
pub(crate) async fn within<T>(what: &str, step: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP_TIMEOUT, step).await {
        Ok(value) => value,
        Err(_) => panic!("{what}: did not finish within {STEP_TIMEOUT:?}"),
    }
}

/// Every event of the log in position order, read in pages.
pub(crate) async fn whole_log(log: &dyn EventLog) -> Vec<RecordedEvent> {
    let mut events: Vec<RecordedEvent> = Vec::new();
    loop {
        let from = events.last().map_or(1, |e| e.position + 1);
        let page = log
            .read_all(from, PAGE)
            .await
            .unwrap_or_else(|e| panic!("read_all({from}, {PAGE}) failed: {e}"));
        assert!(
            page.len() <= PAGE,
            "read_all returned {} events for limit {PAGE}",
            page.len()
        );
        let done = page.len() < PAGE;
        events.extend(page);
        if done {
            return events;
        }
    }
}

/// Every event of `stream` in version order, read in pages.
pub(crate) async fn whole_stream(log: &dyn EventLog, stream: &str) -> Vec<RecordedEvent> {
    let mut events: Vec<RecordedEvent> = Vec::new();
    loop {
        let from = events.last().map_or(1, |e| e.envelope.stream_version + 1);
        let page = log
            .read_stream(stream, from, PAGE)
            .await
            .unwrap_or_else(|e| panic!("read_stream({stream}, {from}) failed: {e}"));
        let done = page.len() < PAGE;
        events.extend(page);
        if done {
            return events;
        }
    }
}

/// The version of the last event of `stream` (0 when empty).
pub(crate) async fn stream_version(log: &dyn EventLog, stream: &str) -> u64 {
    whole_stream(log, stream)
        .await
        .last()
        .map_or(0, |e| e.envelope.stream_version)
}

/// The head the log advertises right now.
pub(crate) fn head(log: &dyn EventLog) -> u64 {
    *log.head().borrow()
}
