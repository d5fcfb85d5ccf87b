use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::Telemetry;

/// Whether the process should receive traffic: set once startup is complete,
/// cleared when shutdown begins.
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Ops {
    readiness: Readiness,
    telemetry: Telemetry,
}

/// `/livez` (the process answers), `/readyz` (ready for traffic) and `/metrics`.
pub fn ops_router(readiness: Readiness, telemetry: Telemetry) -> Router {
    Router::new()
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops {
            readiness,
            telemetry,
        })
}

async fn readyz(State(ops): State<Ops>) -> (StatusCode, &'static str) {
    if ops.readiness.is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

async fn metrics(State(ops): State<Ops>) -> String {
    ops.telemetry.metrics.render()
}
