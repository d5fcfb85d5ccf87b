use std::sync::Arc;
use std::time::Duration;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{CommandHandler, EventHandler, EventLog, EventSource, StorageError, Tables};
use storefront::app::projections::Projections;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Settings;
use crate::app::projections::{DirectoryProjection, handlers};
use crate::app::{Policy, Voucher};

/// The store file inside the data directory.
pub const STORE_FILE: &str = "voucher.redb";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid voucher settings: {0}")]
    Settings(String),
    #[error("cannot prepare the data directory: {0}")]
    DataDir(#[source] std::io::Error),
    #[error("cannot open the voucher store: {0}")]
    Storage(#[from] StorageError),
    #[error("the voucher service already follows a storefront log")]
    AlreadyFollowing,
}

/// A built voucher service: its store open, its projections and housekeeping running.
pub struct Application {
    settings: Settings,
    log: Arc<dyn EventLog>,
    voucher: Arc<Voucher>,
    tables: Arc<dyn Tables>,
    projections: Arc<Projections>,
    directory: Mutex<Option<Arc<Projections>>>,
    stop: CancellationToken,
    housekeeping: Option<JoinHandle<()>>,
}

impl Application {
    /// Opens `<data_dir>/voucher.redb`, starts the projections and, unless
    /// its interval is 0, the housekeeping loop.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        settings.validate().map_err(StartupError::Settings)?;
        std::fs::create_dir_all(&settings.data_dir).map_err(StartupError::DataDir)?;
        let store = EmbeddedStore::open(&settings.data_dir.join(STORE_FILE))?;
        let log: Arc<dyn EventLog> = store.clone();
        let tables: Arc<dyn Tables> = store;
        let cases = Arc::new(CommandHandler::new(Arc::clone(&log)));
        let policy = Policy {
            hold_timeout: settings.hold_timeout(),
            calendar: settings.calendar(),
            payout_lag_days: settings.settlement.payout_lag_days,
            fraud: settings.fraud.policy(),
        };
        let projections = Projections::start_handlers(
            Arc::clone(&log),
            Arc::clone(&tables),
            handlers(Arc::clone(&cases), policy.fraud.clone()),
            settings.consistency_timeout(),
        )
        .await?;
        let voucher = Arc::new(Voucher::new(
            Arc::clone(&log),
            Arc::clone(&tables),
            cases,
            Arc::clone(&projections),
            policy,
        ));
        let stop = CancellationToken::new();
        let housekeeping = (settings.housekeeping_interval_secs > 0).then(|| {
            let every = Duration::from_secs(settings.housekeeping_interval_secs);
            tokio::spawn(housekeep(Arc::clone(&voucher), every, stop.child_token()))
        });
        Ok(Application {
            settings,
            log,
            voucher,
            tables,
            projections,
            directory: Mutex::new(None),
            stop,
            housekeeping,
        })
    }

    /// Feeds the storefront's events from `source` into the merchant
    /// directory: a `LogTail` of the storefront's log under `golmok up`, a
    /// Kafka consumer of `golmok.storefront.events.v1` otherwise. Redemptions
    /// need the merchant there.
    pub async fn follow_storefront<S: EventSource>(&self, source: S) -> Result<(), StartupError> {
        let mut slot = self.directory.lock().await;
        if slot.is_some() {
            return Err(StartupError::AlreadyFollowing);
        }
        let directory = Projections::start_sources(
            vec![(
                source,
                Arc::new(DirectoryProjection) as Arc<dyn EventHandler>,
            )],
            Arc::clone(&self.tables),
            self.settings.consistency_timeout(),
        )
        .await?;
        *slot = Some(directory);
        Ok(())
    }

    /// The API of docs/voucher-http.md (no ops routes).
    pub fn router(&self) -> axum::Router {
        crate::http::router(Arc::clone(&self.voucher))
    }

    /// The application service behind the router.
    pub fn voucher(&self) -> &Arc<Voucher> {
        &self.voucher
    }

    /// The voucher service's event log: what its relay publishes and
    /// in-process consumers of its events tail.
    pub fn event_log(&self) -> Arc<dyn EventLog> {
        Arc::clone(&self.log)
    }

    /// The voucher service's tables (where its relay keeps its checkpoint).
    pub fn tables(&self) -> Arc<dyn Tables> {
        Arc::clone(&self.tables)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Stops housekeeping and the projections and waits for them. The store
    /// closes once the last router clone is dropped.
    pub async fn shutdown(self) {
        self.stop.cancel();
        if let Some(task) = self.housekeeping {
            let _ = task.await;
        }
        let directory = self.directory.lock().await.take();
        if let Some(directory) = directory {
            directory.stop().await;
        }
        self.projections.stop().await;
    }
}

async fn housekeep(voucher: Arc<Voucher>, every: Duration, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        match voucher.housekeeping(chrono::Utc::now()).await {
            Ok(done) => tracing::debug!(?done, "voucher housekeeping"),
            Err(error) => {
                tracing::warn!(%error, "voucher housekeeping failed; retrying next round")
            }
        }
    }
}
