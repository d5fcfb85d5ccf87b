//! The Kafka adapter of Golmok's bus (rdkafka).
//!
//! - [`Relay`] publishes a service's committed log to
//!   `golmok.<service>.events.v1` (CloudEvents binary mode, keyed by stream
//!   id, idempotent producer, checkpoint past acknowledged events only).
//! - [`KafkaSource`] is the bus port ([`golmok_kernel::EventSource`]) on a
//!   consumer group: the kernel's [`golmok_kernel::Consumer`] runs over it
//!   unchanged, committing offsets only after effects are durable and
//!   dead-lettering to `<consumer>.dlq.v1`.
//! - [`migrate`] creates topics idempotently.
//!
//! ADR 0004 records the design.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod admin;
pub mod cloudevents;
mod dead_letters;
mod error;
mod inspect;
mod relay;
mod settings;
mod source;

pub use admin::{TopicOutcome, TopicSpec, migrate, partition_count};
pub use dead_letters::TopicLetters;
pub use error::BusError;
pub use inspect::{dead_letter, dead_letters, read_topic};
pub use relay::{Relay, RelayHandle};
pub use settings::{KafkaSettings, dead_letter_topic, events_topic};
pub use source::{CommitOnRevoke, KafkaSource, dead_letter_header};
