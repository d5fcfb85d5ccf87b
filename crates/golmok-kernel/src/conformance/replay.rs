//! [`crate::replay`] over an adapter: dead letters listed with their state,
//! replayed through the same handler once the cause is fixed — once.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio_util::sync::CancellationToken;

use super::consumer::{WAIT, append_events};
use super::handler::{CountingHandler, TOTAL, effect};
use super::support::{head, within};
use crate::consumer::INBOX;
use crate::{
    Consumer, EventHandler, EventLog, LetterStatus, ReplayError, TableLetters, Tables,
    dead_letters, replay, replay_mark,
};

/// A dead-lettered event is listed as waiting with its reason; replayed
/// before the cause is fixed it fails again, keeps no partial effect and
/// stays waiting; once fixed, a replay applies it once with its `:replayed`
/// inbox entry, and later replays (all, or by id) apply nothing. An unknown
/// id is refused.
pub async fn consumer_replays_dead_letters_once(log: Arc<dyn EventLog>, tables: Arc<dyn Tables>) {
    let handler = CountingHandler::new();
    let as_handler = || handler.clone() as Arc<dyn EventHandler>;
    let shutdown = CancellationToken::new();
    let running = Consumer::new(Arc::clone(&log), Arc::clone(&tables), as_handler())
        .spawn(shutdown.clone())
        .await
        .expect("spawn consumer");
    let events = append_events(log.as_ref(), &["before", "poison", "after"]).await;
    assert!(running.wait_for(head(log.as_ref()), WAIT).await);
    shutdown.cancel();
    within("consumer shutdown", running.stopped()).await;
    let poison = &events[1];
    let id = poison.envelope.id;
    let letters = TableLetters::new(Arc::clone(&log));
    let tables = tables.as_ref();
    let total = effect(tables, &handler, TOTAL).await;

    let listed = dead_letters(tables, handler.as_ref(), &letters)
        .await
        .expect("list dead letters");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].letter.event_id, Some(id));
    assert_eq!(listed[0].status, LetterStatus::Waiting);
    assert!(listed[0].dead_at.is_some(), "a dead letter says when");
    assert!(listed[0].letter.reason.contains("poisoned event"));

    let report = replay(tables, handler.as_ref(), &letters, None)
        .await
        .expect("replay before the fix");
    assert!(report.replayed.is_empty(), "{report:?}");
    assert_eq!(report.failed_again.len(), 1, "{report:?}");
    assert_eq!(handler.calls(id), 2, "the replay called the handler");
    assert_eq!(
        effect(tables, &handler, &id.to_string()).await,
        0,
        "a failed replay kept a partial effect"
    );
    let listed = dead_letters(tables, handler.as_ref(), &letters)
        .await
        .expect("list dead letters");
    assert_eq!(listed[0].status, LetterStatus::Waiting);

    handler.cured.store(true, Ordering::SeqCst);
    let report = replay(tables, handler.as_ref(), &letters, Some(&id.to_string()))
        .await
        .expect("replay after the fix");
    assert_eq!(report.replayed.len(), 1, "{report:?}");
    assert!(report.failed_again.is_empty(), "{report:?}");
    assert_eq!(effect(tables, &handler, &id.to_string()).await, 1);
    assert_eq!(effect(tables, &handler, TOTAL).await, total + 1);
    let mark = tables
        .get(INBOX, handler.name, &replay_mark(id))
        .await
        .expect("read inbox");
    assert!(mark.is_some(), "the replay is not in the inbox");
    let listed = dead_letters(tables, handler.as_ref(), &letters)
        .await
        .expect("list dead letters");
    assert_eq!(listed[0].status, LetterStatus::Replayed);

    let again = replay(tables, handler.as_ref(), &letters, None)
        .await
        .expect("replay again");
    assert!(
        again.replayed.is_empty() && again.failed_again.is_empty(),
        "{again:?}"
    );
    let cursor = listed[0].letter.cursor.clone();
    let again = replay(tables, handler.as_ref(), &letters, Some(&cursor))
        .await
        .expect("replay by cursor again");
    assert_eq!(again.already_replayed.len(), 1, "{again:?}");
    assert_eq!(handler.calls(id), 3, "a replayed letter was handled again");
    assert_eq!(effect(tables, &handler, &id.to_string()).await, 1);
    assert_eq!(effect(tables, &handler, TOTAL).await, total + 1);

    let unknown = replay(tables, handler.as_ref(), &letters, Some("no-such-letter")).await;
    assert!(
        matches!(unknown, Err(ReplayError::UnknownLetter { .. })),
        "{unknown:?}"
    );
}
