use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use golmok_kernel::Projections;
use golmok_runtime::{Blueprint, Hosted, Registration, Service, StartupError};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Settings;
use crate::app::CreatorMedia;
use crate::config::CreatorMediaSection;

/// The creator-media service's entry in a host's registry.
pub const SERVICE: Registration<Application> = Registration::new();

/// A built creator-media service: its store open, its projections and the
/// collaboration expiry task running.
pub struct Application {
    hosted: Hosted,
    service: Arc<CreatorMedia>,
    projections: Arc<Projections>,
    stop: CancellationToken,
    expiry: Mutex<Option<JoinHandle<()>>>,
}

impl Application {
    /// Opens the store its settings choose and starts the projections.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        golmok_runtime::build(settings).await
    }

    /// The application service behind the router.
    pub fn service(&self) -> &Arc<CreatorMedia> {
        &self.service
    }
}

#[async_trait]
impl Blueprint for Application {
    const NAME: &'static str = golmok_contracts::creator_media::SERVICE;
    type Section = CreatorMediaSection;

    async fn assemble(settings: Settings, hosted: Hosted) -> Result<Self, StartupError> {
        let projections = hosted
            .start_projections(crate::app::projections::handlers())
            .await?;
        let service = Arc::new(CreatorMedia::new(
            Arc::clone(&hosted.storage.log),
            Arc::clone(&hosted.storage.tables),
            Arc::clone(&projections),
        ));
        let stop = CancellationToken::new();
        let expiry = (settings.collaboration_expiry_ms > 0).then(|| {
            let every = Duration::from_millis(settings.collaboration_expiry_ms);
            tokio::spawn(expire(Arc::clone(&service), every, stop.child_token()))
        });
        Ok(Application {
            hosted,
            service,
            projections,
            stop,
            expiry: Mutex::new(expiry),
        })
    }
}

#[async_trait]
impl Service for Application {
    fn hosted(&self) -> &Hosted {
        &self.hosted
    }

    /// Creators and studios (no ops routes).
    fn router(&self) -> axum::Router {
        crate::http::router(Arc::clone(&self.service))
    }

    /// Stops the expiry task and the projections and waits for them.
    async fn shutdown(&self) {
        self.stop.cancel();
        let expiry = self.expiry.lock().ok().and_then(|mut task| task.take());
        if let Some(task) = expiry {
            let _ = task.await;
        }
        self.projections.stop().await;
    }
}

/// Every `every`, expires the collaborations that are due (an Expire
/// command each, through the command handler: idempotent).
async fn expire(service: Arc<CreatorMedia>, every: Duration, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        if let Err(error) = service.expire_due(chrono::Utc::now()).await {
            tracing::warn!(%error, "the collaboration expiry round failed");
        }
    }
}
