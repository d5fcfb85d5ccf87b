//! Conformance suites every adapter of the storage and bus ports must pass.
//!
//! Each suite is a `pub async fn` that drives an adapter through the port
//! traits only and panics with a message naming the broken invariant. An
//! adapter crate calls each one from its own `#[tokio::test]`, normally on a
//! fresh store; suites that need the same store opened again take a factory
//! (`open`) instead. Suites use unique stream, table and consumer names, but
//! those noted in their docs expect that nobody else appends meanwhile.
//!
//! | suite | invariant |
//! |---|---|
//! | [`append_and_read_round_trip`] | events read back equal; versions and positions assigned |
//! | [`expected_version_semantics`] | `NoStream`/`Exact`/`Any`; refused appends write nothing |
//! | [`concurrent_writers_one_stream`] | 16 writers: one version per event, losers get `Conflict` |
//! | [`duplicate_event_id_stored_once`] | an event id is stored at most once |
//! | [`idempotency_atomic_with_append`] | the idempotency record commits with the events |
//! | [`read_all_contiguous`] | positions 1..=head, no gap, no repeat |
//! | [`tailing_never_skips`] | a tailer of `head()` + `read_all` sees every event in order |
//! | [`log_survives_reopen`] | acknowledged appends are durable |
//! | [`verify_after_crash`] | the checker for crash tests |
//! | [`tables_get_put_delete`], [`tables_scan_order_and_paging`], [`tables_batch_atomic`], [`tables_survive_reopen`] | the table port |
//! | [`consumer_applies_each_event_once`], [`consumer_dead_letters_and_continues`] | the [`crate::Consumer`] over the adapter |
//! | [`consumer_replays_dead_letters_once`] | [`crate::replay`]: a fixed dead letter is applied once, a failing one stays |
//! | [`rebuild_equals_live`], [`rebuild_refuses_undeclared_tables`] | [`crate::Rebuild`]: rebuilt = live, resumable, swap in one write |
//! | [`bus_delivers_in_order_per_stream`], [`bus_redelivery_has_no_second_effect`], [`bus_commits_only_durable_effects`], [`bus_dead_letters_and_continues`] | an [`crate::EventSource`] (bus) adapter, through a [`BusFixture`] |

mod bus;
mod concurrency;
mod consumer;
mod crash;
mod handler;
mod log;
mod rebuild;
mod replay;
mod support;
mod tables;

pub use bus::{
    BusFixture, LogTailBus, Redelivery, append_each, bus_commits_only_durable_effects,
    bus_dead_letters_and_continues, bus_delivers_in_order_per_stream,
    bus_redelivery_has_no_second_effect,
};
pub use concurrency::{concurrent_writers_one_stream, read_all_contiguous, tailing_never_skips};
pub use consumer::{
    consumer_applies_each_event_once, consumer_dead_letters_and_continues,
    derived_consumer_applies_each_event_once,
};
pub use crash::{CrashCheck, verify_after_crash};
pub use log::{
    append_and_read_round_trip, duplicate_event_id_stored_once, expected_version_semantics,
    idempotency_atomic_with_append, log_survives_reopen,
};
pub use rebuild::{rebuild_equals_live, rebuild_refuses_undeclared_tables};
pub use replay::consumer_replays_dead_letters_once;
pub use support::sample_envelope;
pub use tables::{
    tables_batch_atomic, tables_get_put_delete, tables_scan_order_and_paging, tables_survive_reopen,
};
