//! The event-log port under concurrent writers and tailers.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::Barrier;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::support::{
    head, request, sample_envelope, stream_version, unique, whole_log, whole_stream, within,
};
use crate::{AppendError, EventLog, ExpectedVersion};

const WRITERS: usize = 16;
/// Lock-step rounds: every writer reads the same version, then all append.
const ROUNDS: u64 = 10;
/// Events each writer gets in afterwards, retrying on conflict.
const FREE_APPENDS: usize = 8;
const MAX_ATTEMPTS: usize = 10_000;

/// 16 writers append to one stream with expected versions. In lock-step
/// rounds exactly one writer wins each round and the 15 others get
/// `Conflict`; then all race freely, retrying on conflict. Must hold: no two
/// events share a version, no success is silent (every acknowledged event is
/// in the stream at the acknowledged version), the stream is contiguous.
pub async fn concurrent_writers_one_stream(log: Arc<dyn EventLog>) {
    let stream = unique("contended");
    let barrier = Arc::new(Barrier::new(WRITERS));
    let mut writers = JoinSet::new();
    for writer in 0..WRITERS {
        let (log, barrier, stream) = (Arc::clone(&log), Arc::clone(&barrier), stream.clone());
        writers.spawn(async move {
            let mut wins = Vec::new();
            let mut conflicts = 0_usize;
            for round in 0..ROUNDS {
                barrier.wait().await;
                let version = stream_version(log.as_ref(), &stream).await;
                assert_eq!(
                    version, round,
                    "writer {writer} read version {version} in round {round}"
                );
                barrier.wait().await;
                let event = sample_envelope(&stream, &format!("round {round} writer {writer}"));
                let id = event.id;
                match log
                    .append(request(
                        &stream,
                        ExpectedVersion::Exact(version),
                        vec![event],
                    ))
                    .await
                {
                    Ok(appended) => {
                        assert_eq!(appended.stream_version, version + 1, "winner's version");
                        wins.push((id, appended.stream_version));
                    }
                    Err(AppendError::Conflict {
                        expected, actual, ..
                    }) => {
                        assert_eq!(expected, ExpectedVersion::Exact(version));
                        assert_eq!(
                            actual,
                            version + 1,
                            "a loser of round {round} must see exactly the winner's event"
                        );
                        conflicts += 1;
                    }
                    Err(other) => panic!("writer {writer} round {round}: unexpected {other:?}"),
                }
            }
            // Every writer's last-round append is answered before anyone
            // races on: a slow loser must still see only the round's winner.
            barrier.wait().await;
            for n in 0..FREE_APPENDS {
                let event = sample_envelope(&stream, &format!("free {n} writer {writer}"));
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    assert!(
                        attempts <= MAX_ATTEMPTS,
                        "writer {writer} never got event {n} in"
                    );
                    let version = stream_version(log.as_ref(), &stream).await;
                    match log
                        .append(request(
                            &stream,
                            ExpectedVersion::Exact(version),
                            vec![event.clone()],
                        ))
                        .await
                    {
                        Ok(appended) => {
                            assert_eq!(appended.stream_version, version + 1);
                            wins.push((event.id, appended.stream_version));
                            break;
                        }
                        Err(AppendError::Conflict { actual, .. }) => {
                            assert!(
                                actual > version,
                                "conflict with actual {actual} for a writer that read {version}"
                            );
                            conflicts += 1;
                        }
                        Err(other) => panic!("writer {writer} free append: unexpected {other:?}"),
                    }
                }
            }
            (wins, conflicts)
        });
    }
    let mut acknowledged: HashMap<u64, Uuid> = HashMap::new();
    let mut conflicts = 0;
    let mut round_wins = 0;
    while let Some(joined) = within("16 concurrent writers", writers.join_next()).await {
        let (wins, lost) = joined.expect("writer task panicked");
        conflicts += lost;
        for (id, version) in wins {
            if version <= ROUNDS {
                round_wins += 1;
            }
            if let Some(earlier) = acknowledged.insert(version, id) {
                panic!("version {version} was acknowledged to both {earlier} and {id}");
            }
        }
    }
    assert_eq!(
        round_wins, ROUNDS,
        "each lock-step round must have exactly one winner"
    );
    assert!(
        conflicts >= (WRITERS - 1) * ROUNDS as usize,
        "only {conflicts} conflicts for {ROUNDS} rounds of {WRITERS} writers"
    );
    let total = ROUNDS + (WRITERS * FREE_APPENDS) as u64;
    let stored = whole_stream(log.as_ref(), &stream).await;
    assert_eq!(stored.len() as u64, total, "events in the contended stream");
    for (recorded, version) in stored.iter().zip(1..) {
        assert_eq!(
            recorded.envelope.stream_version, version,
            "stream versions are not contiguous"
        );
        assert_eq!(
            acknowledged.get(&version),
            Some(&recorded.envelope.id),
            "version {version} holds an event that was not acknowledged at that version"
        );
    }
    assert!(
        stored.windows(2).all(|w| w[0].position < w[1].position),
        "stream order disagrees with position order"
    );
}

/// Events appended concurrently to several streams get positions 1..=head
/// with no gap and no repeat, readable in pages of any size.
pub async fn read_all_contiguous(log: Arc<dyn EventLog>) {
    let mut appenders = JoinSet::new();
    for task in 0..4 {
        let log = Arc::clone(&log);
        appenders.spawn(async move {
            let stream = unique(&format!("contiguous-{task}"));
            let mut acks = Vec::new();
            for n in 0..50_usize {
                let events: Vec<_> = (0..=n % 3)
                    .map(|i| sample_envelope(&stream, &format!("{n}.{i}")))
                    .collect();
                let ids: Vec<_> = events.iter().map(|e| e.id).collect();
                let appended = log
                    .append(request(&stream, ExpectedVersion::Any, events))
                    .await
                    .expect("append");
                assert_eq!(
                    appended.last_position - appended.first_position + 1,
                    ids.len() as u64,
                    "positions handed out for a batch of {}",
                    ids.len()
                );
                acks.push((appended, ids));
            }
            acks
        });
    }
    let mut acks = Vec::new();
    while let Some(joined) = within("concurrent appenders", appenders.join_next()).await {
        acks.extend(joined.expect("appender panicked"));
    }
    let events = whole_log(log.as_ref()).await;
    for (recorded, position) in events.iter().zip(1..) {
        assert_eq!(
            recorded.position, position,
            "read_all skipped or repeated a position"
        );
    }
    let last = events.last().map_or(0, |e| e.position);
    assert_eq!(
        head(log.as_ref()),
        last,
        "head() disagrees with the last event"
    );
    for (appended, ids) in &acks {
        for (id, position) in ids.iter().zip(appended.first_position..) {
            let stored = &events[usize::try_from(position - 1).expect("position fits")];
            assert_eq!(
                &stored.envelope.id, id,
                "position {position} holds another event"
            );
        }
    }
    let mut paged = Vec::new();
    let mut from = 1;
    loop {
        let page = log.read_all(from, 7).await.expect("read_all page");
        assert!(
            page.len() <= 7,
            "read_all returned {} for limit 7",
            page.len()
        );
        if page.is_empty() {
            break;
        }
        assert_eq!(page[0].position, from, "a page must start at from_position");
        from = page.last().map_or(from, |e| e.position + 1);
        paged.extend(page);
    }
    assert_eq!(paged, events, "paging by 7 and reading whole disagree");
    assert!(
        log.read_all(last + 1, 10)
            .await
            .expect("read past head")
            .is_empty()
    );
    assert!(log.read_all(1, 0).await.expect("limit 0").is_empty());
}

const TAIL_APPENDERS: usize = 8;
const TAIL_APPENDS: usize = 100;

/// A tailer follows `head()` and `read_all` while 8 tasks append batches of
/// 1–3 events. Must hold: the tailer sees every position after its start
/// exactly once and in order (never a gap, even momentarily), whatever `head()`
/// said, and its sequence equals the final log. Nobody else may append to the
/// log while this runs.
pub async fn tailing_never_skips(log: Arc<dyn EventLog>) {
    let start = head(log.as_ref());
    let expected: usize = (0..TAIL_APPENDS).map(|n| 1 + n % 3).sum::<usize>() * TAIL_APPENDERS;
    let tailer = {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            let mut heads = log.head();
            let mut cursor = start;
            let mut seen = Vec::with_capacity(expected);
            while seen.len() < expected {
                let advertised = *heads.borrow_and_update();
                while cursor < advertised {
                    let page = log.read_all(cursor + 1, 64).await.expect("tailer read_all");
                    assert!(
                        !page.is_empty(),
                        "head() advertised {advertised} but read_all after {cursor} is empty"
                    );
                    for event in page {
                        assert_eq!(
                            event.position,
                            cursor + 1,
                            "the tailer skipped from {cursor} to {}",
                            event.position
                        );
                        cursor = event.position;
                        seen.push(event.envelope.id);
                    }
                }
                if seen.len() < expected {
                    heads.changed().await.expect("log closed while tailing");
                }
            }
            seen
        })
    };
    let mut appenders = JoinSet::new();
    for task in 0..TAIL_APPENDERS {
        let log = Arc::clone(&log);
        appenders.spawn(async move {
            let stream = unique(&format!("tailed-{task}"));
            for n in 0..TAIL_APPENDS {
                let events = (0..=n % 3)
                    .map(|i| sample_envelope(&stream, &format!("{n}.{i}")))
                    .collect();
                let appended = log
                    .append(request(&stream, ExpectedVersion::Any, events))
                    .await
                    .expect("append while tailed");
                assert!(
                    head(log.as_ref()) >= appended.last_position,
                    "append acknowledged position {} before head() reached it",
                    appended.last_position
                );
            }
        });
    }
    while let Some(joined) = within("appenders while tailing", appenders.join_next()).await {
        joined.expect("appender panicked");
    }
    let seen = within("the tailer catching up", tailer)
        .await
        .expect("tailer panicked");
    let unique_ids: HashSet<_> = seen.iter().collect();
    assert_eq!(
        unique_ids.len(),
        seen.len(),
        "the tailer saw an event twice"
    );
    let logged: Vec<Uuid> = whole_log(log.as_ref())
        .await
        .into_iter()
        .filter(|e| e.position > start)
        .map(|e| e.envelope.id)
        .collect();
    assert_eq!(seen.len(), expected, "events the tailer saw");
    assert_eq!(
        seen, logged,
        "the tailer's sequence differs from the final log"
    );
}
