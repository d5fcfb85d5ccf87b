//! The Golmok operator: `ReadModelRebuild` custom resources reconciled into `golmok
//! replay` Jobs with the service stopped, one leader among replicas (a Lease).

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod crd;
pub mod job;
pub mod lease;
pub mod reconcile;
pub mod run;

pub use crd::{Phase, ReadModelRebuild, ReadModelRebuildSpec, ReadModelRebuildStatus, crd_yaml};
pub use lease::LeaseSettings;
pub use run::{OperatorSettings, RunError, run};
