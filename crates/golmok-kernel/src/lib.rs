//! The event-sourcing kernel every Golmok service is built on.
//!
//! A service's aggregates are pure [`Decider`]s. The [`CommandHandler`] loads an
//! aggregate from the [`EventLog`] port, decides, and appends with optimistic
//! concurrency (retrying on conflict) and idempotency keys. Read models and
//! process managers are [`EventHandler`]s driven by the [`Consumer`], which writes
//! each effect together with its checkpoint and inbox entry through the
//! [`Tables`] port. A consumer's events come from an [`EventSource`] (the bus
//! port): the [`LogTail`] of the service's own log, or Kafka. Adapters for the
//! ports live in their own crates and must pass the suites in `conformance`.
//!
//! Feature `testing` (enable it from `[dev-dependencies]` only) adds the
//! `conformance` suites and the given/when/then harness for deciders in
//! `testing`; release builds do not compile them.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod bus;
mod codec;
mod codec_table;
mod command;
#[cfg(any(test, feature = "testing"))]
pub mod conformance;
mod consumer;
mod decider;
mod envelope;
mod fault;
mod generations;
mod log;
mod projections;
mod rebuild;
mod replay;
mod rows;
mod streams;
mod tables;
mod tail;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod trace;
mod values;
mod wire;

pub use bus::{DeadLetter, Delivery, EventSource};
pub use codec::{
    AggregateCodec, AggregateEvents, CodecError, EncodedEvent, EventCodec, EventSamples,
    SchemaCatalog, SchemaCheckError, encoded, from_wire, schema,
};
#[doc(hidden)]
pub use codec_table::__private;
pub use command::{CommandError, CommandHandler, CommandMeta, Committed, Executed, Idempotency};
pub use consumer::{Consumer, ConsumerHandle, EventHandler, HandleError, Transaction};
pub use decider::Decider;
pub use envelope::{Envelope, RecordedEvent, sample_envelope};
pub use fault::Fault;
pub use generations::{
    GENERATIONS_PARTITION, Generations, TABLE_GENERATIONS, WholeTables, clear_table,
    current_generations, generation_write, physical_table, table_digest,
};
pub use log::{AppendError, AppendRequest, Appended, EventLog, ExpectedVersion, IdempotencyRecord};
pub use projections::Projections;
pub use rebuild::{
    DEFAULT_BATCH, Progress, REBUILD_PROGRESS, ReadModel, Rebuild, RebuildError, RebuildReport,
    select_read_models,
};
pub use replay::{
    KeptLetter, LetterBox, LetterStatus, LetterView, ReplayError, ReplayReport, TableLetters,
    dead_letters, replay, replay_mark,
};
pub use rows::{RowError, json};
pub use streams::StreamName;
pub use tables::{Mutation, Page, Row, ScanOrder, StorageError, Tables};
pub use tail::LogTail;
pub use values::{
    Bps, BusinessCalendar, ListPage, PageRequest, Rounding, Won, YearMonth, seoul_date,
};
pub use wire::Wire;
