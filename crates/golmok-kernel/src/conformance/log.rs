//! Single-writer semantics of the event-log port.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Barrier;

use super::support::{head, request, sample_envelope, unique, whole_log, whole_stream, within};
use crate::{AppendError, AppendRequest, EventLog, ExpectedVersion, IdempotencyRecord};

/// Appended events read back equal, with versions and positions assigned;
/// `read_stream` and `read_all` honour their bounds. Nobody else may append
/// to the log while this runs.
pub async fn append_and_read_round_trip(log: Arc<dyn EventLog>) {
    let log = log.as_ref();
    let stream = unique("round-trip");
    let before = head(log);
    let mut events = vec![
        sample_envelope(&stream, "first"),
        sample_envelope(&stream, "second"),
        sample_envelope(&stream, "third"),
    ];
    events[1].traceparent = Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into());
    events[2].data = serde_json::json!({
        "merchant": "골목 떡집",
        "amount": { "won": 12_000, "parts": [1, 2, 3] },
        "note": null,
    });
    let appended = log
        .append(request(&stream, ExpectedVersion::NoStream, events.clone()))
        .await
        .expect("append of three events to a new stream");
    assert_eq!(
        appended.stream_version, 3,
        "stream version after three events"
    );
    assert_eq!(
        (appended.first_position, appended.last_position),
        (before + 1, before + 3),
        "positions of the three events (head before was {before})"
    );
    assert!(
        head(log) >= appended.last_position,
        "head() is {} after an append acknowledged position {}",
        head(log),
        appended.last_position
    );

    let read = log.read_stream(&stream, 1, 10).await.expect("read_stream");
    assert_eq!(read.len(), 3, "read_stream returned {read:?}");
    for ((recorded, sent), version) in read.iter().zip(&events).zip(1..) {
        let mut expected = sent.clone();
        expected.stream_version = version;
        assert_eq!(
            recorded.envelope, expected,
            "event {version} did not round-trip"
        );
        assert_eq!(recorded.position, appended.first_position + version - 1);
    }
    let from_start = log
        .read_stream(&stream, 0, 10)
        .await
        .expect("read_stream from 0");
    assert_eq!(
        from_start, read,
        "read_stream from version 0 reads from the start"
    );

    let middle = log
        .read_stream(&stream, 2, 1)
        .await
        .expect("read_stream(2, 1)");
    assert_eq!(middle.len(), 1, "limit 1 returned {}", middle.len());
    assert_eq!(middle[0].envelope.stream_version, 2);
    assert!(
        log.read_stream(&stream, 4, 10)
            .await
            .expect("read past end")
            .is_empty()
    );
    assert!(
        log.read_stream(&unique("never-written"), 1, 10)
            .await
            .expect("read of an unknown stream")
            .is_empty()
    );

    let all = log
        .read_all(appended.first_position, 10)
        .await
        .expect("read_all");
    assert_eq!(&all[..3], &read[..], "read_all and read_stream disagree");
    let limited = log
        .read_all(appended.first_position, 2)
        .await
        .expect("read_all limit 2");
    assert_eq!(limited.len(), 2, "read_all ignored its limit");

    let next = log
        .append(request(
            &stream,
            ExpectedVersion::Exact(3),
            vec![sample_envelope(&stream, "fourth")],
        ))
        .await
        .expect("append at version 3");
    assert_eq!(next.stream_version, 4);
    assert_eq!(next.first_position, appended.last_position + 1);
    assert_eq!(next.first_position, next.last_position);
}

/// `NoStream`, `Exact` and `Any` accept and refuse exactly as documented; a
/// refused append changes nothing; an empty append is refused.
pub async fn expected_version_semantics(log: Arc<dyn EventLog>) {
    let log = log.as_ref();
    let stream = unique("expected-version");
    let append = |expected, label: &str| {
        log.append(request(
            &stream,
            expected,
            vec![sample_envelope(&stream, label)],
        ))
    };
    let first = append(ExpectedVersion::NoStream, "one")
        .await
        .expect("NoStream on a new stream");
    assert_eq!(first.stream_version, 1);

    for expected in [
        ExpectedVersion::NoStream,
        ExpectedVersion::Exact(0),
        ExpectedVersion::Exact(2),
        ExpectedVersion::Exact(7),
    ] {
        let head_before = head(log);
        match append(expected, "refused").await {
            Err(AppendError::Conflict {
                stream: s,
                expected: e,
                actual,
            }) => {
                assert_eq!(s, stream, "conflict names the stream");
                assert_eq!(e, expected, "conflict echoes the expectation");
                assert_eq!(actual, 1, "conflict reports the actual version");
            }
            other => panic!("{expected:?} on a stream at version 1 must conflict, got {other:?}"),
        }
        assert_eq!(head(log), head_before, "a refused append moved the head");
        assert_eq!(
            whole_stream(log, &stream).await.len(),
            1,
            "a refused {expected:?} append wrote events"
        );
    }

    let exact = append(ExpectedVersion::Exact(1), "two")
        .await
        .expect("Exact(1) at version 1");
    assert_eq!(exact.stream_version, 2);
    let any = append(ExpectedVersion::Any, "three")
        .await
        .expect("Any on an existing stream");
    assert_eq!(any.stream_version, 3);

    let fresh = unique("expected-version-fresh");
    match log
        .append(request(
            &fresh,
            ExpectedVersion::Exact(1),
            vec![sample_envelope(&fresh, "x")],
        ))
        .await
    {
        Err(AppendError::Conflict { actual: 0, .. }) => {}
        other => panic!("Exact(1) on an empty stream must conflict with actual 0, got {other:?}"),
    }
    let any_new = log
        .append(request(
            &fresh,
            ExpectedVersion::Any,
            vec![sample_envelope(&fresh, "y")],
        ))
        .await
        .expect("Any on a new stream");
    assert_eq!(any_new.stream_version, 1);

    let head_before = head(log);
    match log
        .append(request(&stream, ExpectedVersion::Any, Vec::new()))
        .await
    {
        Err(AppendError::Empty) => {}
        other => panic!("an append without events must be refused as Empty, got {other:?}"),
    }
    assert_eq!(head(log), head_before, "an empty append moved the head");
}

/// An event id is stored at most once: again in the same stream, in another
/// stream, twice in one batch, or raced from many tasks. A batch refused for
/// one duplicate stores none of its events.
pub async fn duplicate_event_id_stored_once(log: Arc<dyn EventLog>) {
    let stream = unique("duplicate");
    let other = unique("duplicate-other");
    let event = sample_envelope(&stream, "once");
    log.append(request(
        &stream,
        ExpectedVersion::NoStream,
        vec![event.clone()],
    ))
    .await
    .expect("first append of the event");

    let expect_duplicate = |result: Result<_, AppendError>, what: &str| match result {
        Err(AppendError::DuplicateEvent(id)) if id == event.id => {}
        other => panic!(
            "{what}: expected DuplicateEvent({}), got {other:?}",
            event.id
        ),
    };
    expect_duplicate(
        log.append(request(&stream, ExpectedVersion::Any, vec![event.clone()]))
            .await,
        "same id, same stream",
    );
    expect_duplicate(
        log.append(request(&other, ExpectedVersion::Any, vec![event.clone()]))
            .await,
        "same id, another stream",
    );
    let fresh = sample_envelope(&other, "fresh");
    expect_duplicate(
        log.append(request(
            &other,
            ExpectedVersion::Any,
            vec![fresh.clone(), event.clone()],
        ))
        .await,
        "a batch holding a stored id",
    );
    let twice = sample_envelope(&other, "twice");
    match log
        .append(request(
            &other,
            ExpectedVersion::Any,
            vec![twice.clone(), twice.clone()],
        ))
        .await
    {
        Err(AppendError::DuplicateEvent(id)) if id == twice.id => {}
        other => panic!("the same id twice in one batch must be refused, got {other:?}"),
    }
    assert!(
        whole_stream(log.as_ref(), &other).await.is_empty(),
        "refused batches left events in {other}"
    );
    log.append(request(
        &other,
        ExpectedVersion::NoStream,
        vec![fresh.clone()],
    ))
    .await
    .expect("an id from a refused batch was not stored, so it can be appended");

    let raced = sample_envelope(&stream, "raced");
    let tasks = 8;
    let barrier = Arc::new(Barrier::new(tasks));
    let mut handles = Vec::new();
    for task in 0..tasks {
        let (log, barrier, mut raced) = (Arc::clone(&log), Arc::clone(&barrier), raced.clone());
        handles.push(tokio::spawn(async move {
            let stream = format!("{}-{task}", unique("duplicate-race"));
            raced.subject.clone_from(&stream);
            barrier.wait().await;
            log.append(request(&stream, ExpectedVersion::Any, vec![raced]))
                .await
        }));
    }
    let mut winners = 0;
    for handle in handles {
        match within("racing appends of one id", handle)
            .await
            .expect("task")
        {
            Ok(_) => winners += 1,
            Err(AppendError::DuplicateEvent(id)) if id == raced.id => {}
            Err(other) => panic!("racing appends of one id: unexpected {other:?}"),
        }
    }
    assert_eq!(
        winners, 1,
        "{winners} appends of the same event id succeeded"
    );

    let log_events = whole_log(log.as_ref()).await;
    for id in [event.id, raced.id, fresh.id] {
        let copies = log_events.iter().filter(|e| e.envelope.id == id).count();
        assert_eq!(copies, 1, "event {id} is stored {copies} times");
    }
    assert!(!log_events.iter().any(|e| e.envelope.id == twice.id));
}

/// The idempotency record is written in the same transaction as the events:
/// a taken key refuses the append with the first record and writes nothing;
/// a refused append does not take its key; racing uses of one key have one
/// winner.
pub async fn idempotency_atomic_with_append(log: Arc<dyn EventLog>) {
    let stream = unique("idempotent");
    let key = unique("key");
    let record = |key: &str, fingerprint: &str| IdempotencyRecord {
        key: key.to_owned(),
        fingerprint: fingerprint.to_owned(),
        response: format!("response of {fingerprint}").into_bytes(),
    };
    let with_key = |stream: &str, expected, record: IdempotencyRecord| AppendRequest {
        idempotency: Some(record),
        ..request(stream, expected, vec![sample_envelope(stream, "keyed")])
    };

    assert_eq!(
        log.idempotency(&key).await.expect("idempotency lookup"),
        None,
        "an unused key has a record"
    );
    let first = record(&key, "first");
    log.append(with_key(&stream, ExpectedVersion::NoStream, first.clone()))
        .await
        .expect("append with a new key");
    assert_eq!(
        log.idempotency(&key).await.expect("lookup"),
        Some(first.clone())
    );

    let elsewhere = unique("idempotent-elsewhere");
    match log
        .append(with_key(
            &elsewhere,
            ExpectedVersion::Any,
            record(&key, "second"),
        ))
        .await
    {
        Err(AppendError::IdempotencyKeyExists(existing)) => assert_eq!(
            existing, first,
            "a taken key must answer with the first record"
        ),
        other => panic!("reusing key {key} must be refused, got {other:?}"),
    }
    assert!(
        whole_stream(log.as_ref(), &elsewhere).await.is_empty(),
        "an append refused for its key wrote events"
    );
    assert_eq!(log.idempotency(&key).await.expect("lookup"), Some(first));

    let conflicted = unique("key-of-conflict");
    match log
        .append(with_key(
            &stream,
            ExpectedVersion::NoStream,
            record(&conflicted, "c"),
        ))
        .await
    {
        Err(AppendError::Conflict { .. }) => {}
        other => panic!("NoStream on an existing stream must conflict, got {other:?}"),
    }
    let stored = sample_envelope(&stream, "stored");
    log.append(request(&stream, ExpectedVersion::Any, vec![stored.clone()]))
        .await
        .expect("plain append");
    let duplicated = unique("key-of-duplicate");
    let duplicate = AppendRequest {
        idempotency: Some(record(&duplicated, "d")),
        ..request(&stream, ExpectedVersion::Any, vec![stored])
    };
    match log.append(duplicate).await {
        Err(AppendError::DuplicateEvent(_)) => {}
        other => panic!("a stored event id must be refused, got {other:?}"),
    }
    for refused in [&conflicted, &duplicated] {
        assert_eq!(
            log.idempotency(refused).await.expect("lookup"),
            None,
            "the key {refused} of a refused append was stored"
        );
    }
    let retried = record(&conflicted, "c");
    log.append(with_key(&stream, ExpectedVersion::Any, retried.clone()))
        .await
        .expect("the key of a refused append is still free");
    assert_eq!(
        log.idempotency(&conflicted).await.expect("lookup"),
        Some(retried)
    );

    let raced_key = unique("raced-key");
    let tasks = 8;
    let barrier = Arc::new(Barrier::new(tasks));
    let mut handles = Vec::new();
    for task in 0..tasks {
        let (log, barrier) = (Arc::clone(&log), Arc::clone(&barrier));
        let mine = record(&raced_key, &format!("task-{task}"));
        let stream = format!("{}-{task}", unique("idempotent-race"));
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            let result = log
                .append(with_key(&stream, ExpectedVersion::NoStream, mine.clone()))
                .await;
            (stream, mine, result)
        }));
    }
    let mut outcomes = Vec::new();
    for handle in handles {
        outcomes.push(
            within("racing uses of one key", handle)
                .await
                .expect("task"),
        );
    }
    let winners: Vec<_> = outcomes.iter().filter(|(_, _, r)| r.is_ok()).collect();
    assert_eq!(
        winners.len(),
        1,
        "{} appends took key {raced_key}",
        winners.len()
    );
    let (_, winning, _) = winners[0];
    assert_eq!(
        log.idempotency(&raced_key).await.expect("lookup").as_ref(),
        Some(winning),
        "the stored record is not the winner's"
    );
    for (stream, _, result) in &outcomes {
        match result {
            Ok(_) => assert_eq!(whole_stream(log.as_ref(), stream).await.len(), 1),
            Err(AppendError::IdempotencyKeyExists(existing)) => {
                assert_eq!(
                    existing, winning,
                    "a loser saw another record than the winner's"
                );
                assert!(
                    whole_stream(log.as_ref(), stream).await.is_empty(),
                    "a loser's events were stored"
                );
            }
            Err(other) => panic!("racing uses of one key: unexpected {other:?}"),
        }
    }
}

/// Acknowledged events, idempotency records and the head survive closing and
/// reopening the log, and positions and versions continue where they were.
/// `open` opens the same store again each time it is called; the suite drops
/// every handle before calling it again.
pub async fn log_survives_reopen<F, Fut>(open: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn EventLog>>,
{
    let stream = unique("reopen");
    let key = unique("reopen-key");
    let record = IdempotencyRecord {
        key: key.clone(),
        fingerprint: "fingerprint".into(),
        response: b"response".to_vec(),
    };
    let (before, appended) = {
        let log = open().await;
        let mut last = None;
        for batch in 0..3_u64 {
            let events = (0..=batch)
                .map(|i| sample_envelope(&stream, &format!("{batch}-{i}")))
                .collect();
            let expected = ExpectedVersion::from_loaded(
                whole_stream(log.as_ref(), &stream).await.len() as u64,
            );
            let mut req = request(&stream, expected, events);
            if batch == 1 {
                req.idempotency = Some(record.clone());
            }
            last = Some(log.append(req).await.expect("append before reopen"));
        }
        (whole_log(log.as_ref()).await, last.expect("three appends"))
    };
    let log = open().await;
    assert_eq!(
        head(log.as_ref()),
        appended.last_position,
        "head after reopen"
    );
    assert_eq!(
        whole_log(log.as_ref()).await,
        before,
        "the log changed across reopen"
    );
    assert_eq!(
        log.idempotency(&key).await.expect("lookup after reopen"),
        Some(record),
        "the idempotency record was lost"
    );
    let next = log
        .append(request(
            &stream,
            ExpectedVersion::Exact(appended.stream_version),
            vec![sample_envelope(&stream, "after reopen")],
        ))
        .await
        .expect("append after reopen");
    assert_eq!(next.stream_version, appended.stream_version + 1);
    assert_eq!(
        next.first_position,
        appended.last_position + 1,
        "positions restarted"
    );
    drop(log);
    let log = open().await;
    assert_eq!(
        head(log.as_ref()),
        next.last_position,
        "head after second reopen"
    );
    assert_eq!(
        whole_stream(log.as_ref(), &stream).await.len() as u64,
        next.stream_version,
        "the append after the first reopen was lost"
    );
}
