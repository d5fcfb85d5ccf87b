//! The command handler on the embedded store: the state a command starts from
//! is shared with the handler's cache, not copied, so a stream with a long
//! history costs the same per command as a new one (issue 11: a wallet with
//! 100,000 past redemptions pays as fast as a new one).

use std::sync::atomic::{AtomicUsize, Ordering};

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{CodecError, CommandHandler, CommandMeta, Decider, EncodedEvent, EventCodec};
use serde_json::{Value, json};

/// Copies of any [`Ledger`] made since the process started.
static COPIES: AtomicUsize = AtomicUsize::new(0);

/// An aggregate whose state grows with its history, like a wallet's day.
#[derive(Debug, Default, PartialEq)]
struct Ledger {
    entries: Vec<u64>,
}

impl Clone for Ledger {
    fn clone(&self) -> Self {
        COPIES.fetch_add(1, Ordering::SeqCst);
        Ledger {
            entries: self.entries.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Entered(u64);

#[derive(Debug, thiserror::Error)]
#[error("the ledger refuses zero")]
struct Zero;

impl Decider for Ledger {
    type State = Ledger;
    type Command = u64;
    type Event = Entered;
    type Error = Zero;

    fn decide(_: &Ledger, amount: &u64) -> Result<Vec<Entered>, Zero> {
        if *amount == 0 {
            return Err(Zero);
        }
        Ok(vec![Entered(*amount)])
    }

    fn evolve(mut state: Ledger, event: &Entered) -> Ledger {
        state.entries.push(event.0);
        state
    }
}

struct LedgerCodec;

impl EventCodec for LedgerCodec {
    type Event = Entered;
    const SERVICE: &'static str = "ledger-test";

    fn encode(event: &Entered) -> EncodedEvent {
        EncodedEvent {
            name: "Entered",
            version: 1,
            data: json!({ "amount": event.0 }),
        }
    }

    fn decode(name: &str, version: u32, data: Value) -> Result<Entered, CodecError> {
        data["amount"]
            .as_u64()
            .filter(|_| name == "Entered" && version == 1)
            .map(Entered)
            .ok_or_else(|| CodecError::UnknownType {
                name: name.to_owned(),
                version,
            })
    }

    fn schemas() -> Vec<(&'static str, u32, Value)> {
        Vec::new()
    }
}

#[tokio::test]
async fn commands_move_the_cached_state_on_without_copying_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).unwrap();
    let handler = CommandHandler::<Ledger, LedgerCodec>::new(store.clone());
    let meta = CommandMeta::default();
    let before = COPIES.load(Ordering::SeqCst);
    for amount in 1..=200 {
        let executed = handler.execute("ledger-1", &amount, &meta).await.unwrap();
        assert_eq!(executed.stream_version, amount);
        assert_eq!(executed.state.entries.len() as u64, amount);
    }
    assert_eq!(
        COPIES.load(Ordering::SeqCst) - before,
        0,
        "each command copied the whole state"
    );
    // A caller still holding a state is never changed under it.
    let held = handler.execute("ledger-1", &7, &meta).await.unwrap();
    let next = handler.execute("ledger-1", &8, &meta).await.unwrap();
    assert_eq!(held.state.entries.last(), Some(&7));
    assert_eq!(held.state.entries.len(), 201);
    assert_eq!(next.state.entries.len(), 202);
    // A second handler on the same log (another replica) sees every event.
    let other = CommandHandler::<Ledger, LedgerCodec>::new(store);
    let (state, version) = other.load("ledger-1").await.unwrap();
    assert_eq!(version, 202);
    assert_eq!(*state, *next.state);
    // The first handler picks up what the other wrote.
    other.execute("ledger-1", &9, &meta).await.unwrap();
    let (state, version) = handler.load("ledger-1").await.unwrap();
    assert_eq!((version, state.entries.last()), (203, Some(&9)));
    // Refusals leave the cache as it was.
    assert!(handler.execute("ledger-1", &0, &meta).await.is_err());
    let last = handler.execute("ledger-1", &10, &meta).await.unwrap();
    assert_eq!((last.stream_version, last.state.entries.len()), (204, 204));
}
