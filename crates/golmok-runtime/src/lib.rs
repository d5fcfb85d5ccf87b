//! What every Golmok process shares: settings loading, JSON logs and
//! Prometheus metrics, `/livez` `/readyz` `/metrics`, graceful shutdown, the
//! actor assertion the gateway signs for each call it forwards to a service
//! ([`trust`]), the
//! JSON error body of every HTTP API, the HTTP [`edge`] of a service, the [`Service`] trait every service
//! implements, and its store, chosen by settings in one place ([`Storage`]).

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod actor;
mod dead_letters;
pub mod edge;
mod error_body;
mod figures;
mod ops;
mod secret_file;
mod serve;
mod service;
mod settings;
mod shutdown;
mod storage;
mod telemetry;
mod traces;
pub mod trust;

pub use actor::{ACTOR_HEADER, Actor, IDEMPOTENCY_HEADER, Role};
pub use dead_letters::{Consumers, DeadLetterDesk, DeskError, InTurn, Letters, OperatorGate};
pub use error_body::{ErrorBody, method_not_allowed, route_not_found};
pub use ops::{Readiness, ops_router, track_http};
pub use secret_file::{SECRET_BYTES, SecretFileError, load_or_create_secret};
pub use serve::{SHUTDOWN_GRACE, serve, with_ops};
pub use service::{
    Blueprint, Following, Hosted, Need, Registration, Service, ServiceFactory, Subscription, build,
};
pub use settings::{
    ASSERTION_KEY_FILE, Section, ServiceSettings, SettingsError, SettingsValue, load_settings,
};
pub use shutdown::shutdown_on_signal;
pub use storage::{StartupError, Storage, StorageSettings, StoreHealth};
pub use telemetry::{Telemetry, init_telemetry, init_telemetry_with};
pub use traces::{HTTP_PROTOBUF, TelemetryError, TelemetrySettings, trace_requests};
pub use trust::{AssertionKey, TrustRoot, Untrusted, trust_gateway};
