//! The handler the consumer and bus suites drive, and checks on its effects.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use uuid::Uuid;

use super::support::unique;
use crate::consumer::INBOX;
use crate::{EventHandler, HandleError, RecordedEvent, StorageError, Tables, Transaction};

pub(crate) const EFFECTS: &str = "conformance_effects";
pub(crate) const TOTAL: &str = "total";

/// Counts each event it applies in [`EFFECTS`] (per event id, plus a running
/// total read back through the batch's transaction) and remembers the order
/// it was called in. Events whose payload has `"poison": true` fail
/// permanently after writing a partial effect (until it is `cured`); the event at `fail_at` fails
/// with a storage error.
pub(crate) struct CountingHandler {
    pub(crate) name: &'static str,
    calls: Mutex<HashMap<Uuid, u64>>,
    order: Mutex<Vec<RecordedEvent>>,
    pub(crate) fail_at: AtomicU64,
    /// Once set, poisoned events apply like any other (the cause is fixed).
    pub(crate) cured: AtomicBool,
}

impl CountingHandler {
    pub(crate) fn new() -> Arc<Self> {
        // A fresh name per run keeps its checkpoint apart from other runs on the same store.
        let name: &'static str = Box::leak(unique("conformance-consumer").into_boxed_str());
        Self::named(name)
    }

    /// A fresh handler under an existing consumer's name (a rebuild of it).
    pub(crate) fn named(name: &'static str) -> Arc<Self> {
        Arc::new(Self {
            name,
            calls: Mutex::new(HashMap::new()),
            order: Mutex::new(Vec::new()),
            fail_at: AtomicU64::new(0),
            cured: AtomicBool::new(false),
        })
    }

    /// How often `handle` was called for the event `id`.
    pub(crate) fn calls(&self, id: Uuid) -> u64 {
        self.calls
            .lock()
            .expect("calls lock")
            .get(&id)
            .copied()
            .unwrap_or(0)
    }

    /// Every event `handle` was called with, in call order.
    pub(crate) fn order(&self) -> Vec<RecordedEvent> {
        self.order.lock().expect("order lock").clone()
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
        self.order.lock().expect("order lock").push(event.clone());
        let key = id.to_string();
        let applied = count(tx.get(EFFECTS, self.name, &key).await?);
        tx.put(
            EFFECTS,
            self.name,
            &key,
            (applied + 1).to_be_bytes().to_vec(),
        );
        if event.envelope.data["poison"] == true && !self.cured.load(Ordering::SeqCst) {
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

/// The effect counter `key` (an event id or [`TOTAL`]) of `handler`.
pub(crate) async fn effect(tables: &dyn Tables, handler: &CountingHandler, key: &str) -> u64 {
    count(
        tables
            .get(EFFECTS, handler.name, key)
            .await
            .expect("read effect"),
    )
}

/// Whether `handler`'s inbox holds the event `id`.
pub(crate) async fn in_inbox(tables: &dyn Tables, handler: &str, id: Uuid) -> bool {
    tables
        .get(INBOX, handler, &id.to_string())
        .await
        .expect("read inbox")
        .is_some()
}

/// Asserts that every event of `events` had its effect exactly once and is in
/// the inbox.
pub(crate) async fn assert_applied_once(
    tables: &dyn Tables,
    handler: &CountingHandler,
    events: &[RecordedEvent],
) {
    for event in events {
        let id = event.envelope.id;
        assert_eq!(
            effect(tables, handler, &id.to_string()).await,
            1,
            "effect count of the event at position {} ({id})",
            event.position
        );
        assert!(
            in_inbox(tables, handler.name, id).await,
            "the event at position {} ({id}) is not in the inbox",
            event.position
        );
    }
}
