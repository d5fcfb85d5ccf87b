//! Test support for integration tests against real processes on loopback:
//! an Apache Kafka broker (KRaft, one node acting as broker and controller)
//! and an Apache Cassandra node ([`Cassandra`], for the CQL storage adapter).
//!
//! - [`Kafka::start`] runs a broker owned by the test: free loopback ports,
//!   storage in a temporary directory, `kill -9` and restart on the same
//!   ports and storage, killed when dropped. Tests that kill the broker, or
//!   whose topic and group names are fixed (whole services), use it.
//! - [`Kafka::shared`] hands every test process of one test run the same
//!   broker; tests isolate themselves by unique topic names and group ids.
//!
//! The broker runs from the jars in `GOLMOK_KAFKA_LIBS`, which `scripts/test`
//! resolves with Maven once per machine; without them the test fails and
//! says so, it is never skipped.
//!
//! [`idempotency::assert_idempotent`] is RELIABILITY 17 through real HTTP,
//! one contract test every service's API tests call.
//!
//! [`service`] is the API tests' harness: a service built in a temporary
//! data directory and served on a free port ([`service::TestService`]),
//! stopped and restarted on that directory, called as an actor
//! ([`service::Client`]), its replies asserted ([`service::Reply`]).
//!
//! [`webhook::Receiver`] is a real HTTP receiver for webhook deliveries.
//!
//! [`otlp::OtlpReceiver`] is a real OTLP/HTTP trace receiver: it decodes the
//! spans a process exports and hands them to the test.
//!
//! [`KubeApiServer`] is a real kube-apiserver on etcd for the deployment tests, which
//! drive it with helm and kubectl ([`k8s_tool`], `GOLMOK_K8S_BIN`).

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod cassandra;
pub mod events;
pub mod idempotency;
mod kafka;
mod kube;
pub mod otlp;
pub mod service;
mod shared;
pub mod webhook;

pub use cassandra::{CASSANDRA_LIBS_ENV, Cassandra, cassandra_libs};
pub use kafka::{KAFKA_LIBS_ENV, Kafka, kafka_libs};
pub use kube::{K8S_BIN_ENV, KubeApiServer, k8s_bin, k8s_crd, k8s_schemas, k8s_tool};
pub use shared::SharedKafka;
