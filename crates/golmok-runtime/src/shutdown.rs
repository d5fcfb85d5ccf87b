use tokio_util::sync::CancellationToken;

/// Cancels `token` on SIGTERM or Ctrl-C; returns when it is cancelled.
pub async fn shutdown_on_signal(token: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("interrupt received; shutting down"),
        _ = terminate => tracing::info!("SIGTERM received; shutting down"),
        _ = token.cancelled() => {}
    }
    token.cancel();
}
