use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;

use crate::{StoreHealth, Telemetry, method_not_allowed};

/// Whether the process should receive traffic: set once startup is complete,
/// cleared when shutdown begins, and not ready while a store it
/// [requires](Readiness::require) does not answer.
#[derive(Clone, Default)]
pub struct Readiness {
    serving: Arc<AtomicBool>,
    stores: Arc<Mutex<Vec<StoreHealth>>>,
}

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.serving.store(ready, Ordering::SeqCst);
    }

    /// Not ready while `store` is unreachable (ready again when it answers).
    pub fn require(&self, store: StoreHealth) {
        self.stores
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(store);
    }

    pub fn is_ready(&self) -> bool {
        self.unready_because().is_none()
    }

    /// Why the process is not ready, if it is not.
    fn unready_because(&self) -> Option<String> {
        if !self.serving.load(Ordering::SeqCst) {
            return Some("not ready".to_owned());
        }
        let stores = self.stores.lock().unwrap_or_else(PoisonError::into_inner);
        let down: Vec<&str> = stores
            .iter()
            .filter(|store| !store.is_reachable())
            .map(StoreHealth::service)
            .collect();
        (!down.is_empty()).then(|| format!("not ready: store unreachable ({})", down.join(", ")))
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
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(Ops {
            readiness,
            telemetry,
        })
}

async fn readyz(State(ops): State<Ops>) -> (StatusCode, String) {
    match ops.readiness.unready_because() {
        None => (StatusCode::OK, "ready".to_owned()),
        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason),
    }
}

async fn metrics(State(ops): State<Ops>) -> String {
    ops.telemetry.render()
}

/// Middleware counting every HTTP request by method, matched route and status
/// (`http_requests_total`) and timing it (`http_request_duration_seconds`).
/// Routes are the templates (`/merchants/{id}`), so ids never become labels;
/// a path no route serves is counted as `unmatched`, never as itself.
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use tokio::sync::watch;
    use tower::ServiceExt;

    use super::*;

    async fn readyz(router: &Router) -> (StatusCode, String) {
        let request = Request::get("/readyz").body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn readyz_follows_serving_and_every_required_store() {
        let readiness = Readiness::default();
        let (storefront, probe) = watch::channel(true);
        readiness.require(StoreHealth::new("storefront", Some(probe)));
        readiness.require(StoreHealth::new("voucher", None));
        let router = ops_router(readiness.clone(), crate::init_telemetry());
        let not_ready = (StatusCode::SERVICE_UNAVAILABLE, "not ready".to_owned());
        assert_eq!(readyz(&router).await, not_ready);
        readiness.set(true);
        assert_eq!(readyz(&router).await, (StatusCode::OK, "ready".to_owned()));
        storefront.send_replace(false);
        assert_eq!(
            readyz(&router).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: store unreachable (storefront)".to_owned()
            )
        );
        assert!(!readiness.is_ready());
        storefront.send_replace(true);
        assert_eq!(readyz(&router).await, (StatusCode::OK, "ready".to_owned()));
        readiness.set(false);
        assert_eq!(readyz(&router).await, not_ready);
    }
}
