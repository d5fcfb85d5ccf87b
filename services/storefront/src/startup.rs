use std::sync::Arc;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{EventHandler, EventLog, EventSource, Projections, StorageError, Tables};
use tokio::sync::Mutex;

use crate::Settings;
use crate::app::{Storefront, VoucherProcess};

/// The store file inside the data directory.
pub const STORE_FILE: &str = "storefront.redb";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid storefront settings: {0}")]
    Settings(String),
    #[error("cannot prepare the data directory: {0}")]
    DataDir(#[source] std::io::Error),
    #[error("cannot open the storefront store: {0}")]
    Storage(#[from] StorageError),
    #[error("the storefront already follows a voucher log")]
    AlreadyFollowing,
}

/// A built storefront: its store open, its projections running.
pub struct Application {
    settings: Settings,
    log: Arc<dyn EventLog>,
    tables: Arc<dyn Tables>,
    storefront: Arc<Storefront>,
    projections: Arc<Projections>,
    voucher: Mutex<Option<Arc<Projections>>>,
}

impl Application {
    /// Opens `<data_dir>/storefront.redb` and starts the projections.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        settings.validate().map_err(StartupError::Settings)?;
        std::fs::create_dir_all(&settings.data_dir).map_err(StartupError::DataDir)?;
        let store = EmbeddedStore::open(&settings.data_dir.join(STORE_FILE))?;
        let log: Arc<dyn EventLog> = store.clone();
        let tables: Arc<dyn Tables> = store;
        let projections = Projections::start_handlers(
            Arc::clone(&log),
            Arc::clone(&tables),
            crate::app::projections::handlers(),
            settings.consistency_timeout(),
        )
        .await?;
        let storefront = Arc::new(Storefront::new(
            Arc::clone(&log),
            Arc::clone(&tables),
            Arc::clone(&projections),
            settings.diagnosis.policy(),
        ));
        Ok(Application {
            settings,
            log,
            tables,
            storefront,
            projections,
            voucher: Mutex::new(None),
        })
    }

    /// Feeds the voucher service's events from `source` to the storefront's
    /// voucher process: answers about order payments move the orders'
    /// payment state, and a merchant suspended from a programme over a fraud
    /// case is suspended here (and reinstated with the case). A `LogTail` of
    /// the voucher's log under `golmok up`, a Kafka consumer of
    /// `golmok.voucher.events.v1` otherwise.
    pub async fn follow_voucher<S: EventSource>(&self, source: S) -> Result<(), StartupError> {
        let mut slot = self.voucher.lock().await;
        if slot.is_some() {
            return Err(StartupError::AlreadyFollowing);
        }
        let process = VoucherProcess::new(Arc::clone(&self.storefront));
        let consumers = vec![(source, Arc::new(process) as Arc<dyn EventHandler>)];
        let following = Projections::start_sources(
            consumers,
            Arc::clone(&self.tables),
            self.settings.consistency_timeout(),
        )
        .await?;
        *slot = Some(following);
        Ok(())
    }

    /// The API of docs/storefront-http.md (no ops routes).
    pub fn router(&self) -> axum::Router {
        crate::http::router(Arc::clone(&self.storefront))
    }

    /// The application service behind the router.
    pub fn storefront(&self) -> &Arc<Storefront> {
        &self.storefront
    }

    /// The storefront's event log: what its relay publishes and in-process
    /// consumers of its events tail.
    pub fn event_log(&self) -> Arc<dyn EventLog> {
        Arc::clone(&self.log)
    }

    /// The storefront's tables (where its relay keeps its checkpoint).
    pub fn tables(&self) -> Arc<dyn Tables> {
        Arc::clone(&self.tables)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Stops the projections and waits for them. The store closes once the
    /// last router clone is dropped.
    pub async fn shutdown(self) {
        let voucher = self.voucher.lock().await.take();
        if let Some(voucher) = voucher {
            voucher.stop().await;
        }
        self.projections.stop().await;
    }
}
