//! `golmok operator run`: waits to hold the Lease, then reconciles `ReadModelRebuild`s
//! (and the Jobs they own) in its namespace while renewing it. A replica that loses
//! the Lease stops with an error (its pod restarts and waits as a follower), as
//! client-go's leader election does; SIGTERM or Ctrl-C releases the Lease so another
//! replica takes over at once. `/livez` and `/readyz` answer on `listen`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use kube::runtime::Controller;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::watcher;
use kube::{Api, Client};

use crate::crd::ReadModelRebuild;
use crate::lease::{Elector, LeaseSettings};
use crate::reconcile::{Context, error_policy, reconcile};

/// The name the operator reports its Events under.
pub const CONTROLLER: &str = "golmok-operator";

/// How the operator runs.
#[derive(Clone, Debug)]
pub struct OperatorSettings {
    /// The Lease (its namespace is the namespace watched) and this replica's identity.
    pub lease: LeaseSettings,
    /// Where `/livez` and `/readyz` answer.
    pub listen: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no Kubernetes client configuration (in-cluster or KUBECONFIG): {0}")]
    Config(#[source] kube::Error),
    #[error("the Kubernetes API: {0}")]
    Api(#[from] kube::Error),
    #[error("binding {0}: {1}")]
    Listen(SocketAddr, #[source] std::io::Error),
    #[error("lost the Lease {0}: another replica holds it now")]
    LostLease(String),
}

/// Runs until SIGTERM or Ctrl-C (`Ok`), or until the Lease is lost (`Err`).
pub async fn run(settings: OperatorSettings) -> Result<(), RunError> {
    let client = Client::try_default().await.map_err(RunError::Config)?;
    let ready = Arc::new(AtomicBool::new(false));
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| RunError::Listen(settings.listen, e))?;
    tokio::spawn(serve_health(listener, ready.clone()));
    let mut elector = Elector::new(client.clone(), settings.lease.clone());
    let stop = shutdown_signal();
    tokio::pin!(stop);
    let outcome = tokio::select! {
        outcome = lead(client, &mut elector, &ready) => outcome,
        () = &mut stop => Ok(()),
    };
    if let Err(e) = elector.release().await {
        tracing::warn!(error = %e, "could not release the Lease");
    }
    outcome
}

/// Waits for the Lease, then reconciles while renewing it; returns only when it is lost.
async fn lead(client: Client, elector: &mut Elector, ready: &AtomicBool) -> Result<(), RunError> {
    let lease = elector.settings().clone();
    let retry = lease.retry_period();
    loop {
        match elector.try_acquire_or_renew().await {
            Ok(true) => break,
            Ok(false) => ready.store(true, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, "reading the Lease failed"),
        }
        tokio::time::sleep(retry).await;
    }
    ready.store(true, Ordering::Relaxed);
    tracing::info!(lease = %lease.name, identity = %lease.identity, "leading: reconciling rebuilds");
    let controller = tokio::spawn(control(client, lease.clone()));
    let mut renewed = Instant::now();
    // Renewal must succeed within two thirds of the duration, or another replica may
    // already be taking over.
    let deadline = lease.duration * 2 / 3;
    let lost = loop {
        tokio::time::sleep(retry).await;
        match elector.try_acquire_or_renew().await {
            Ok(true) => renewed = Instant::now(),
            Ok(false) => break RunError::LostLease(lease.name.clone()),
            Err(e) => {
                tracing::warn!(error = %e, "renewing the Lease failed");
                if renewed.elapsed() > deadline {
                    break RunError::LostLease(lease.name.clone());
                }
            }
        }
    };
    controller.abort();
    Err(lost)
}

/// The controller: rebuilds, and the Jobs they own, in the Lease's namespace.
async fn control(client: Client, lease: LeaseSettings) {
    let rebuilds: Api<ReadModelRebuild> = Api::namespaced(client.clone(), &lease.namespace);
    let jobs: Api<Job> = Api::namespaced(client.clone(), &lease.namespace);
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: CONTROLLER.into(),
            instance: Some(lease.identity.clone()),
        },
    );
    let context = Arc::new(Context { client, recorder });
    Controller::new(rebuilds, watcher::Config::default())
        .owns(jobs, watcher::Config::default())
        .run(reconcile, error_policy, context)
        .for_each(|result| async move {
            match result {
                Ok((rebuild, _)) => tracing::debug!(rebuild = %rebuild.name, "reconciled"),
                Err(e) => tracing::warn!(error = %e, "reconcile error"),
            }
        })
        .await;
}

async fn serve_health(listener: tokio::net::TcpListener, ready: Arc<AtomicBool>) {
    let app = Router::new()
        .route("/livez", get(|| async { StatusCode::OK }))
        .route(
            "/readyz",
            get(move || {
                let ready = ready.clone();
                async move {
                    if ready.load(Ordering::Relaxed) {
                        StatusCode::OK
                    } else {
                        StatusCode::SERVICE_UNAVAILABLE
                    }
                }
            }),
        );
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "the health endpoint stopped");
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
