use std::sync::Arc;
use std::time::Duration;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{
    CommandHandler, EventHandler, EventLog, EventSource, Projections, StorageError, Tables,
};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Settings;
use crate::app::projections::{DirectoryProjection, handlers};
use crate::app::{OrderPaymentProcess, Policy, Voucher};

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
    #[error("the voucher service already follows a storefront log for {0}")]
    AlreadyFollowing(&'static str),
}

/// A built voucher service: its store open, its projections and housekeeping running.
pub struct Application {
    settings: Settings,
    log: Arc<dyn EventLog>,
    voucher: Arc<Voucher>,
    tables: Arc<dyn Tables>,
    projections: Arc<Projections>,
    /// Consumers of the storefront's events, one per purpose.
    following: Mutex<Vec<(&'static str, Arc<Projections>)>>,
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
            following: Mutex::new(Vec::new()),
            stop,
            housekeeping,
        })
    }

    /// Feeds the storefront's events from `source` into the merchant
    /// directory: a `LogTail` of the storefront's log under `golmok up`, a
    /// Kafka consumer of `golmok.storefront.events.v1` otherwise. Redemptions
    /// need the merchant there.
    pub async fn follow_storefront<S: EventSource>(&self, source: S) -> Result<(), StartupError> {
        self.follow(
            "the merchant directory",
            source,
            Arc::new(DirectoryProjection),
        )
        .await
    }

    /// Feeds the storefront's order events from `source` to the order
    /// payment process: a payment request holds the order's total on the
    /// buyer's wallet, the merchant's confirmation captures it, a
    /// cancellation voids it. A second source over the same storefront log
    /// or topic as [`Self::follow_storefront`] (its own consumer).
    pub async fn follow_storefront_orders<S: EventSource>(
        &self,
        source: S,
    ) -> Result<(), StartupError> {
        let process = OrderPaymentProcess::new(Arc::clone(&self.voucher));
        self.follow("order payments", source, Arc::new(process))
            .await
    }

    async fn follow<S: EventSource>(
        &self,
        purpose: &'static str,
        source: S,
        handler: Arc<dyn EventHandler>,
    ) -> Result<(), StartupError> {
        let mut following = self.following.lock().await;
        if following.iter().any(|(p, _)| *p == purpose) {
            return Err(StartupError::AlreadyFollowing(purpose));
        }
        let consumers = Projections::start_sources(
            vec![(source, handler)],
            Arc::clone(&self.tables),
            self.settings.consistency_timeout(),
        )
        .await?;
        following.push((purpose, consumers));
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
        let following = std::mem::take(&mut *self.following.lock().await);
        for (_, consumers) in following {
            consumers.stop().await;
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
