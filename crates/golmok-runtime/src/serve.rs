use axum::Router;
use axum::middleware::from_fn;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{Readiness, Telemetry, ops_router, shutdown_on_signal, track_http};

/// Serves `app` with request metrics, plus `/livez`, `/readyz` and `/metrics`,
/// on `listener` until SIGTERM or Ctrl-C. `/readyz` answers ready while
/// serving and not ready once shutdown begins; requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    telemetry: Telemetry,
) -> std::io::Result<()> {
    let readiness = Readiness::default();
    let app = app
        .layer(from_fn(track_http))
        .merge(ops_router(readiness.clone(), telemetry));
    let shutdown = CancellationToken::new();
    let signal = tokio::spawn(shutdown_on_signal(shutdown.clone()));
    let stopping = {
        let readiness = readiness.clone();
        async move {
            shutdown.cancelled().await;
            readiness.set(false);
        }
    };
    readiness.set(true);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stopping)
        .await;
    signal.abort();
    served
}
