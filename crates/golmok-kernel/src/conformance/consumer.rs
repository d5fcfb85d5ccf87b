//! The [`Consumer`] over an adapter: effects, inbox and checkpoint in one
//! atomic write; exactly-once effects across restarts and redelivery;
//! dead letters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::support::{head, request, sample_envelope, unique, whole_log, within};
use crate::consumer::{CHECKPOINTS, DEAD_LETTERS, INBOX};
use crate::{
    Consumer, EventHandler, EventLog, ExpectedVersion, HandleError, Mutation, RecordedEvent,
    StorageError, Tables, Transaction,
};

const EFFECTS: &str = "conformance_effects";
const TOTAL: &str = "total";
const WAIT: Duration = Duration::from_secs(30);

/// Counts each event it applies in [`EFFECTS`] (per event id, plus a running
/// total read back through the batch's transaction). Events whose payload has
/// `"poison": true` fail permanently after writing a partial effect; the event
/// at `fail_at` fails with a storage error.
struct CountingHandler {
    name: &'static str,
    calls: Mutex<HashMap<Uuid, u64>>,
    fail_at: AtomicU64,
}

impl CountingHandler {
    fn new() -> Arc<Self> {
        // A fresh name per run keeps its checkpoint apart from other runs on the same store.
        let name: &'static str = Box::leak(unique("conformance-consumer").into_boxed_str());
        Arc::new(Self {
            name,
            calls: Mutex::new(HashMap::new()),
            fail_at: AtomicU64::new(0),
        })
    }

    fn calls(&self, id: Uuid) -> u64 {
        self.calls
            .lock()
            .expect("calls lock")
            .get(&id)
            .copied()
            .unwrap_or(0)
    }
}

fn count(bytes: Option<Vec<u8>>) -> u64 {
    bytes.map_or(0, |b| {
        u64::from_be_bytes(b.try_into().expect("an 8-byte counter"))
    })
}

#[async_trait]
impl EventHandler for CountingHandler {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let id = event.envelope.id;
        *self
            .calls
            .lock()
            .expect("calls lock")
            .entry(id)
            .or_default() += 1;
        let key = id.to_string();
        let applied = count(tx.get(EFFECTS, self.name, &key).await?);
        tx.put(
            EFFECTS,
            self.name,
            &key,
            (applied + 1).to_be_bytes().to_vec(),
        );
        if event.envelope.data["poison"] == true {
            return Err(HandleError::Permanent("poisoned event".into()));
        }
        if event.position == self.fail_at.load(Ordering::SeqCst) {
            return Err(HandleError::Storage(StorageError::Io(
                "injected failure".into(),
            )));
        }
        let total = count(tx.get(EFFECTS, self.name, TOTAL).await?);
        tx.put(
            EFFECTS,
            self.name,
            TOTAL,
            (total + 1).to_be_bytes().to_vec(),
        );
        Ok(())
    }
}

async fn append_events(log: &dyn EventLog, labels: &[&str]) -> Vec<RecordedEvent> {
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

async fn effect(tables: &dyn Tables, handler: &CountingHandler, key: &str) -> u64 {
    count(
        tables
            .get(EFFECTS, handler.name, key)
            .await
            .expect("read effect"),
    )
}

async fn checkpoint(tables: &dyn Tables, handler: &CountingHandler) -> u64 {
    Consumer::stored_checkpoint(tables, handler.name)
        .await
        .expect("read checkpoint")
}

/// Asserts that every event of `events` had its effect exactly once and is in
/// the inbox.
async fn assert_applied_once(
    tables: &dyn Tables,
    handler: &CountingHandler,
    events: &[RecordedEvent],
) {
    for event in events {
        let id = event.envelope.id.to_string();
        assert_eq!(
            effect(tables, handler, &id).await,
            1,
            "effect count of the event at position {}",
            event.position
        );
        assert!(
            tables
                .get(INBOX, handler.name, &id)
                .await
                .expect("inbox")
                .is_some(),
            "the event at position {} is not in the inbox",
            event.position
        );
    }
}

/// The consumer applies each event once, writes inbox and checkpoint with
/// the effects, resumes after a restart without handling an event again,
/// has no second effect when its checkpoint is rewound (redelivery), and
/// writes nothing of a batch that failed with a storage error.
pub async fn consumer_applies_each_event_once(log: Arc<dyn EventLog>, tables: Arc<dyn Tables>) {
    let handler = CountingHandler::new();
    let consumer = || {
        Consumer::new(
            Arc::clone(&log),
            Arc::clone(&tables),
            handler.clone() as Arc<dyn EventHandler>,
        )
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
        .write(vec![Mutation::put(
            CHECKPOINTS,
            handler.name,
            "",
            0_u64.to_be_bytes().to_vec(),
        )])
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
            tables
                .get(INBOX, handler.name, &id)
                .await
                .expect("inbox")
                .is_none()
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
        tables
            .get(INBOX, handler.name, &poison.envelope.id.to_string())
            .await
            .expect("inbox")
            .is_some(),
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
