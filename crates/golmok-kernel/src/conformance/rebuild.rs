//! [`crate::Rebuild`] over an adapter that has [`WholeTables`]: a rebuilt
//! read model equals the live one, an interrupted rebuild resumes, and the
//! live tables are untouched until the swap.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::handler::{CountingHandler, EFFECTS};
use super::support::{head, request, unique, within};
use crate::{
    Consumer, EventHandler, EventLog, ExpectedVersion, HandleError, ReadModel, Rebuild,
    RebuildError, RecordedEvent, Transaction, WholeTables, current_generations, physical_table,
    sample_envelope, table_digest,
};

const STREAMS: usize = 8;
const EVENTS_PER_STREAM: usize = 40;

async fn append_traffic(log: &dyn EventLog) {
    for s in 0..STREAMS {
        let stream = unique("rebuild");
        let events = (0..EVENTS_PER_STREAM)
            .map(|i| {
                let mut event = sample_envelope(&stream, &format!("{s}-{i}"));
                if i % 13 == 7 {
                    event.data["poison"] = true.into();
                }
                event
            })
            .collect();
        log.append(request(&stream, ExpectedVersion::NoStream, events))
            .await
            .expect("append traffic");
    }
}

/// Live processing, then a rebuild killed half-way (a storage failure stops
/// it) and resumed, then a second full rebuild: every time the read model's
/// content hash equals the live one, the live table is untouched until the
/// swap, the consumer's checkpoint is the head and the old generation is gone.
pub async fn rebuild_equals_live<S: EventLog + WholeTables>(store: Arc<S>) {
    let log: Arc<dyn EventLog> = store.clone();
    let whole: Arc<dyn WholeTables> = store.clone();
    append_traffic(log.as_ref()).await;
    let live = CountingHandler::new();
    let consumer = Consumer::new(Arc::clone(&log), store.clone(), live.clone());
    let reached = within("live catch-up", consumer.catch_up())
        .await
        .expect("catch up");
    let end = head(log.as_ref());
    assert_eq!(reached, end, "the live consumer reaches the head");
    let live_hash = table_digest(whole.as_ref(), EFFECTS).await.expect("digest");

    let rebuilt = CountingHandler::named(live.name);
    rebuilt.fail_at.store(end / 2, Ordering::SeqCst);
    let models = vec![ReadModel::new(rebuilt.clone(), &[EFFECTS])];
    let rebuild = Rebuild::new(Arc::clone(&log), Arc::clone(&whole), models).batch_size(16);
    let mut reported = Vec::new();
    let failed = within(
        "interrupted rebuild",
        rebuild.run(|p| reported.push(p.position)),
    )
    .await;
    assert!(
        matches!(failed, Err(RebuildError::Storage(_))),
        "the injected failure stops the rebuild: {failed:?}"
    );
    let reached_before = *reported.last().expect("some batches were durable");
    assert!(
        reached_before > 0 && reached_before < end,
        "stopped half-way at {reached_before}"
    );
    assert_eq!(
        table_digest(whole.as_ref(), EFFECTS).await.expect("digest"),
        live_hash,
        "the live read model is untouched while a rebuild is unfinished"
    );

    rebuilt.fail_at.store(0, Ordering::SeqCst);
    let report = within("resumed rebuild", rebuild.run(|_| {}))
        .await
        .expect("resume");
    assert_eq!(
        report.resumed_from, reached_before,
        "the rebuild resumes where it stopped"
    );
    assert_eq!(report.position, end);
    assert_eq!(
        report.events,
        end - reached_before,
        "no event is applied twice"
    );
    assert!(
        report.refused > 0,
        "poisoned events are skipped as live skips them"
    );
    assert_eq!(
        table_digest(whole.as_ref(), EFFECTS).await.expect("digest"),
        live_hash,
        "a resumed rebuild equals live"
    );
    assert_eq!(
        current_generations(whole.as_ref())
            .await
            .expect("generations")[EFFECTS],
        1
    );
    let old = whole
        .rows_after(EFFECTS, None, 1)
        .await
        .expect("old generation");
    assert!(old.is_empty(), "the replaced generation is deleted");
    let checkpoint = Consumer::stored_checkpoint(whole.as_ref(), live.name)
        .await
        .expect("checkpoint");
    assert_eq!(
        checkpoint, end,
        "the consumer continues after the rebuilt position"
    );

    let again = Rebuild::new(
        Arc::clone(&log),
        Arc::clone(&whole),
        vec![ReadModel::new(
            CountingHandler::named(live.name),
            &[EFFECTS],
        )],
    );
    let report = within("second rebuild", again.run(|_| {}))
        .await
        .expect("rebuild");
    assert_eq!(
        (report.resumed_from, report.events),
        (0, end),
        "a new rebuild starts at 0"
    );
    assert_eq!(report.generations[EFFECTS], 2);
    assert_eq!(
        table_digest(whole.as_ref(), EFFECTS).await.expect("digest"),
        live_hash
    );
    let gone = whole
        .rows_after(&physical_table(EFFECTS, 1), None, 1)
        .await
        .expect("generation 1");
    assert!(
        gone.is_empty(),
        "generation 1 is deleted after the second swap"
    );
}

/// Writes a table nobody declared.
struct Stray;

#[async_trait::async_trait]
impl EventHandler for Stray {
    fn name(&self) -> &'static str {
        "conformance-stray"
    }

    async fn handle(&self, _: &RecordedEvent, tx: &mut Transaction<'_>) -> Result<(), HandleError> {
        tx.put("conformance_live_table", "p", "c", Vec::new());
        Ok(())
    }
}

/// A projection that writes a table it does not declare fails the rebuild
/// before anything is written, naming the table; the live table is untouched.
pub async fn rebuild_refuses_undeclared_tables<S: EventLog + WholeTables>(store: Arc<S>) {
    let log: Arc<dyn EventLog> = store.clone();
    append_traffic(log.as_ref()).await;
    let rebuild = Rebuild::new(
        log,
        store.clone(),
        vec![ReadModel::new(Arc::new(Stray), &["conformance_declared"])],
    );
    let error = rebuild.run(|_| {}).await.expect_err("undeclared write");
    assert!(
        error.to_string().starts_with("UNDECLARED_TABLE")
            && error.to_string().contains("conformance_live_table"),
        "{error}"
    );
    let live = store
        .rows_after("conformance_live_table", None, 1)
        .await
        .expect("rows");
    assert!(live.is_empty(), "nothing reached the live table");
}
