//! The checker run on a log reopened after a crash.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use uuid::Uuid;

use super::support::{head, whole_stream};
use crate::EventLog;

/// What [`verify_after_crash`] found, for the test's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashCheck {
    /// Events in the log.
    pub events: u64,
    /// Acknowledged events (all of them present, or the check fails).
    pub acknowledged: usize,
    /// Events present whose acknowledgement was lost in the crash
    /// (committed, but the process died before telling the client).
    pub unacknowledged: u64,
    /// Streams whose versions were checked.
    pub streams: usize,
}

/// Checks a log reopened after a crash. Must hold: every acknowledged event
/// is present; positions run 1..=head with no gap; every stored envelope
/// decodes (no torn event); no event id appears twice; every stream (the
/// envelopes' `subject`) reads back with versions 1..=n in position order.
/// Panics with the first violation.
pub async fn verify_after_crash(log: Arc<dyn EventLog>, acknowledged: &[Uuid]) -> CrashCheck {
    let log = log.as_ref();
    let mut ids = HashSet::new();
    let mut streams: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    let mut next = 1;
    loop {
        let page = log.read_all(next, 1_000).await.unwrap_or_else(|e| {
            panic!("reading the log from position {next} after the crash failed (torn or corrupt event?): {e}")
        });
        let done = page.len() < 1_000;
        for event in page {
            assert_eq!(
                event.position, next,
                "position {next} is missing after the crash"
            );
            assert!(
                ids.insert(event.envelope.id),
                "event {} is stored twice",
                event.envelope.id
            );
            streams
                .entry(event.envelope.subject.clone())
                .or_default()
                .push(event.envelope.id);
            next += 1;
        }
        if done {
            break;
        }
    }
    let events = next - 1;
    assert_eq!(
        head(log),
        events,
        "head() after reopening disagrees with the last position"
    );
    let missing: Vec<_> = acknowledged.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged events are missing after the crash, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    for (stream, in_log) in &streams {
        let read = whole_stream(log, stream).await;
        let versions: Vec<u64> = read.iter().map(|e| e.envelope.stream_version).collect();
        let expected: Vec<u64> = (1..=read.len() as u64).collect();
        assert_eq!(
            versions, expected,
            "versions of stream {stream} after the crash"
        );
        let read_ids: Vec<Uuid> = read.iter().map(|e| e.envelope.id).collect();
        assert_eq!(
            &read_ids, in_log,
            "stream {stream} disagrees with the log after the crash"
        );
    }
    let acknowledged_set: HashSet<_> = acknowledged.iter().collect();
    CrashCheck {
        events,
        acknowledged: acknowledged_set.len(),
        unacknowledged: ids
            .iter()
            .filter(|id| !acknowledged_set.contains(id))
            .count() as u64,
        streams: streams.len(),
    }
}
