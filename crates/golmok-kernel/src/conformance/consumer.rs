//! The [`Consumer`] over an adapter: effects, inbox and checkpoint in one
//! atomic write; exactly-once effects across restarts and redelivery;
//! dead letters.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::handler::{CountingHandler, TOTAL, assert_applied_once, effect, in_inbox};
use super::support::{head, request, sample_envelope, unique, whole_log, within};
use crate::consumer::DEAD_LETTERS;
use crate::{Consumer, EventHandler, EventLog, ExpectedVersion, RecordedEvent, Tables};

pub(crate) const WAIT: Duration = Duration::from_secs(30);

async fn checkpoint(tables: &dyn Tables, handler: &CountingHandler) -> u64 {
    Consumer::stored_checkpoint(tables, handler.name)
        .await
        .expect("read checkpoint")
}

pub(crate) async fn append_events(log: &dyn EventLog, labels: &[&str]) -> Vec<RecordedEvent> {
    let stream = unique("consumed");
    for label in labels {
        let mut event = sample_envelope(&stream, label);
        if *label == "poison" {
            event.data = serde_json::json!({ "poison": true });
        }
        log.append(request(&stream, ExpectedVersion::Any, vec![event]))
            .await
            .expect("append for the consumer");
    }
    let log_events = whole_log(log).await;
    log_events[log_events.len() - labels.len()..].to_vec()
}

/// The consumer applies each event once, writes inbox and checkpoint with
/// the effects, resumes after a restart without handling an event again,
/// has no second effect when its checkpoint is rewound (redelivery), and
/// writes nothing of a batch that failed with a storage error.
pub async fn consumer_applies_each_event_once(log: Arc<dyn EventLog>, tables: Arc<dyn Tables>) {
    applies_each_event_once(log, tables, false).await;
}

/// [`consumer_applies_each_event_once`] for a [`Consumer::derived`] one (a
/// service's projection of its own log, writing with
/// [`Tables::write_derived`]).
pub async fn derived_consumer_applies_each_event_once(
    log: Arc<dyn EventLog>,
    tables: Arc<dyn Tables>,
) {
    applies_each_event_once(log, tables, true).await;
}

async fn applies_each_event_once(log: Arc<dyn EventLog>, tables: Arc<dyn Tables>, derived: bool) {
    let handler = CountingHandler::new();
    let consumer = || {
        let consumer = Consumer::new(
            Arc::clone(&log),
            Arc::clone(&tables),
            handler.clone() as Arc<dyn EventHandler>,
        );
        if derived {
            consumer.derived()
        } else {
            consumer
        }
    };
    let before = whole_log(log.as_ref()).await;
    let mut applied = append_events(log.as_ref(), &["a", "b", "c", "d", "e"]).await;

    let shutdown = CancellationToken::new();
    let running = consumer()
        .spawn(shutdown.clone())
        .await
        .expect("spawn consumer");
    assert!(
        running.wait_for(head(log.as_ref()), WAIT).await,
        "the consumer did not catch up"
    );
    shutdown.cancel();
    within("consumer shutdown", running.stopped()).await;
    assert_applied_once(tables.as_ref(), &handler, &applied).await;
    assert_eq!(
        checkpoint(tables.as_ref(), &handler).await,
        head(log.as_ref())
    );

    applied.extend(append_events(log.as_ref(), &["f", "g", "h"]).await);
    let shutdown = CancellationToken::new();
    let restarted = consumer()
        .spawn(shutdown.clone())
        .await
        .expect("restart consumer");
    assert!(
        restarted.wait_for(head(log.as_ref()), WAIT).await,
        "the restarted consumer did not catch up"
    );
    shutdown.cancel();
    within("consumer shutdown", restarted.stopped()).await;
    for event in before.iter().chain(&applied) {
        assert_eq!(
            handler.calls(event.envelope.id),
            1,
            "the event at position {} was handled again after a restart",
            event.position
        );
    }
    assert_applied_once(tables.as_ref(), &handler, &applied).await;

    tables
        .write(vec![Consumer::checkpoint_write(handler.name, 0)])
        .await
        .expect("rewind the checkpoint");
    let reached = consumer()
        .catch_up()
        .await
        .expect("catch up after a rewind");
    assert_eq!(reached, head(log.as_ref()), "catch-up after a rewind");
    assert_applied_once(tables.as_ref(), &handler, &applied).await;
    assert!(
        applied.iter().all(|e| handler.calls(e.envelope.id) == 1),
        "a redelivered event already in the inbox was handled again"
    );
    let total = before.len() as u64 + applied.len() as u64;
    assert_eq!(
        effect(tables.as_ref(), &handler, TOTAL).await,
        total,
        "running total"
    );

    let at = checkpoint(tables.as_ref(), &handler).await;
    let batch = append_events(log.as_ref(), &["i", "j", "k", "l"]).await;
    handler.fail_at.store(batch[2].position, Ordering::SeqCst);
    assert!(
        consumer().catch_up().await.is_err(),
        "a storage error in the handler must fail the batch"
    );
    assert_eq!(
        checkpoint(tables.as_ref(), &handler).await,
        at,
        "a failed batch moved the checkpoint"
    );
    for event in &batch {
        let id = event.envelope.id.to_string();
        assert_eq!(
            effect(tables.as_ref(), &handler, &id).await,
            0,
            "a failed batch wrote an effect"
        );
        assert!(
            !in_inbox(tables.as_ref(), handler.name, event.envelope.id).await,
            "a failed batch wrote an inbox entry"
        );
    }
    handler.fail_at.store(0, Ordering::SeqCst);
    assert_eq!(
        consumer()
            .catch_up()
            .await
            .expect("catch up after the failure"),
        head(log.as_ref())
    );
    assert_applied_once(tables.as_ref(), &handler, &batch).await;
    assert_eq!(
        effect(tables.as_ref(), &handler, TOTAL).await,
        total + batch.len() as u64,
        "running total after the retried batch"
    );
}

/// A permanently failing event is dead-lettered with its reason, none of its
/// partial effects are kept, it is not retried, and the consumer goes on with
/// the events after it.
pub async fn consumer_dead_letters_and_continues(log: Arc<dyn EventLog>, tables: Arc<dyn Tables>) {
    let handler = CountingHandler::new();
    let shutdown = CancellationToken::new();
    let running = Consumer::new(
        Arc::clone(&log),
        Arc::clone(&tables),
        handler.clone() as Arc<dyn EventHandler>,
    )
    .spawn(shutdown.clone())
    .await
    .expect("spawn consumer");
    let events = append_events(log.as_ref(), &["before", "poison", "after", "later"]).await;
    assert!(
        running.wait_for(head(log.as_ref()), WAIT).await,
        "the consumer stopped at the poisoned event"
    );
    shutdown.cancel();
    within("consumer shutdown", running.stopped()).await;

    let poison = &events[1];
    let letter = tables
        .get(
            DEAD_LETTERS,
            handler.name,
            &format!("{:020}", poison.position),
        )
        .await
        .expect("read dead letter")
        .expect("the poisoned event has no dead letter");
    let letter: serde_json::Value = serde_json::from_slice(&letter).expect("a JSON dead letter");
    assert_eq!(letter["eventId"], poison.envelope.id.to_string());
    assert!(
        letter["reason"]
            .as_str()
            .is_some_and(|r| r.contains("poisoned event")),
        "dead letter without the reason: {letter}"
    );
    assert_eq!(
        effect(tables.as_ref(), &handler, &poison.envelope.id.to_string()).await,
        0,
        "the partial effect of a dead-lettered event was kept"
    );
    assert!(
        in_inbox(tables.as_ref(), handler.name, poison.envelope.id).await,
        "a dead-lettered event must be in the inbox so it is not retried"
    );
    assert_eq!(
        handler.calls(poison.envelope.id),
        1,
        "the poisoned event was retried"
    );
    let healthy: Vec<_> = events
        .iter()
        .filter(|e| e.position != poison.position)
        .cloned()
        .collect();
    assert_applied_once(tables.as_ref(), &handler, &healthy).await;
    assert_eq!(
        checkpoint(tables.as_ref(), &handler).await,
        head(log.as_ref())
    );
    let other_letters = tables
        .scan(
            DEAD_LETTERS,
            handler.name,
            None,
            crate::ScanOrder::Ascending,
            10,
        )
        .await
        .expect("scan dead letters");
    assert_eq!(
        other_letters.rows.len(),
        1,
        "only the poisoned event is dead-lettered"
    );
}
