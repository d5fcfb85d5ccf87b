use std::future::IntoFuture;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{Readiness, Telemetry, ops_router, shutdown_on_signal, track_http};

/// How long requests in flight may take to finish once shutdown begins. A
/// subscription (SSE, WebSocket) never finishes by itself: after this it is
/// cut, and its client resumes from its cursor elsewhere.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `app` as [`with_ops`] composes it on `listener` until SIGTERM or
/// Ctrl-C. `/readyz` answers ready while serving and every store
/// `readiness` requires answers, and not ready once shutdown begins;
/// requests in flight finish, for at most [`SHUTDOWN_GRACE`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    readiness: Readiness,
    telemetry: Telemetry,
) -> std::io::Result<()> {
    let app = with_ops(app, readiness.clone(), telemetry);
    let shutdown = CancellationToken::new();
    let signal = tokio::spawn(shutdown_on_signal(shutdown.clone()));
    let stopping = {
        let (readiness, shutdown) = (readiness.clone(), shutdown.clone());
        async move {
            shutdown.cancelled().await;
            readiness.set(false);
        }
    };
    readiness.set(true);
    // Each response and SSE frame goes out when written, not held back by Nagle's
    // algorithm until the client acknowledges the previous one.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set on an accepted connection");
        }
    });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stopping)
        .into_future();
    let served = tokio::select! {
        served = served => served,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            tracing::warn!(
                grace_ms = SHUTDOWN_GRACE.as_millis() as u64,
                "connections still open after the shutdown grace (subscriptions): closing them"
            );
            Ok(())
        }
    };
    signal.abort();
    served
}

/// `app` with `/livez`, `/readyz` and `/metrics`, every request counted and
/// timed (a path no route serves as `unmatched`): what every Golmok process
/// serves, and what tests serve to see it the same way.
pub fn with_ops(app: Router, readiness: Readiness, telemetry: Telemetry) -> Router {
    app.merge(ops_router(readiness, telemetry))
        .layer(from_fn(track_http))
}
