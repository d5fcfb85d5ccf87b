use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use golmok_kernel::{CommandHandler, Projections, ReadModel};
use golmok_runtime::{
    Blueprint, Hosted, Need, Registration, Service, StartupError, Storage, Subscription,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::Settings;
use crate::app::projections::{DirectoryProjection, handlers};
use crate::app::{OrderPaymentProcess, Policy, Voucher};
use crate::config::VoucherSection;

/// The embedded store file inside the data directory.
pub const STORE_FILE: &str = "voucher.redb";
/// The voucher service's entry in a host's registry.
pub const SERVICE: Registration<Application> = Registration::new();

/// A built voucher service: its store open, its projections and housekeeping running.
pub struct Application {
    settings: Settings,
    hosted: Hosted,
    voucher: Arc<Voucher>,
    projections: Arc<Projections>,
    stop: CancellationToken,
    housekeeping: Mutex<Option<JoinHandle<()>>>,
}

impl Application {
    /// Opens the store its settings choose, starts the projections and,
    /// unless its interval is 0, the housekeeping loop.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        golmok_runtime::build(settings).await
    }

    /// The application service behind the router.
    pub fn voucher(&self) -> &Arc<Voucher> {
        &self.voucher
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

#[async_trait]
impl Blueprint for Application {
    const NAME: &'static str = golmok_contracts::voucher::SERVICE;
    type Section = VoucherSection;

    async fn assemble(settings: Settings, hosted: Hosted) -> Result<Self, StartupError> {
        let cases = Arc::new(CommandHandler::new(Arc::clone(&hosted.storage.log)));
        let policy = Policy {
            hold_timeout: settings.hold_timeout(),
            calendar: settings.calendar(),
            payout_lag_days: settings.settlement.payout_lag_days,
            fraud: settings.fraud.policy(),
        };
        let projections = hosted
            .start_projections(handlers(Arc::clone(&cases), policy.fraud.clone()))
            .await?;
        let voucher = Arc::new(Voucher::new(
            Arc::clone(&hosted.storage.log),
            Arc::clone(&hosted.storage.tables),
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
            hosted,
            voucher,
            projections,
            stop,
            housekeeping: Mutex::new(housekeeping),
        })
    }

    /// Every projection of `handlers()` with the tables it writes. The fraud
    /// rules open cases through a command handler of their own; a case that
    /// is already open is not opened again, so a rebuild appends nothing.
    fn read_models(settings: &Settings, storage: &Storage) -> Vec<ReadModel> {
        let cases = Arc::new(CommandHandler::new(Arc::clone(&storage.log)));
        ReadModel::declared(handlers(cases, settings.fraud.policy()), read_model_tables)
    }
}

/// The tables each projection of the voucher's own log writes (a projection
/// missing here fails its rebuild with `UNDECLARED_TABLE`). The wallet →
/// programme table is written by all three, so they are rebuilt together.
fn read_model_tables(consumer: &str) -> &'static [&'static str] {
    use crate::app::projections::tables::*;
    match consumer {
        "voucher.views" => &[
            PROGRAMMES,
            WALLETS_BY_PROGRAMME,
            WALLET_PROGRAMME,
            OPEN_HOLDS,
            REDEMPTIONS_BY_MERCHANT,
            REDEMPTIONS_BY_WALLET,
            UNSETTLED,
            PROGRAMME_MERCHANTS,
            SETTLEMENTS_BY_PROGRAMME,
            SETTLEMENTS_BY_MERCHANT,
            CASES_BY_PROGRAMME,
            CASE_BY_ID,
            SANCTIONS,
        ],
        "voucher.ledger" => &[
            LEDGER_ACCOUNTS,
            LEDGER_HISTORY,
            LEDGER_PENDING,
            LEDGER_APPLIED,
            WALLET_PROGRAMME,
        ],
        "voucher.fraud" => &[FRAUD_RISK, WALLET_PROGRAMME],
        _ => &[],
    }
}

#[async_trait]
impl Service for Application {
    fn hosted(&self) -> &Hosted {
        &self.hosted
    }

    /// The API of docs/voucher-http.md (no ops routes).
    fn routes(&self) -> axum::Router {
        crate::http::router(Arc::clone(&self.voucher))
    }

    /// The storefront's events feed the merchant directory (redemptions need
    /// the merchant there) and, through a second consumer, the order payment
    /// process: a payment request holds the order's total on the buyer's
    /// wallet, the merchant's confirmation captures it, a cancellation voids it.
    fn subscriptions(&self) -> Vec<Subscription> {
        let storefront = golmok_contracts::storefront::SERVICE;
        vec![
            Subscription {
                producer: storefront,
                purpose: "its merchant directory",
                need: Need::Essential,
                handler: Arc::new(DirectoryProjection),
            },
            Subscription {
                producer: storefront,
                purpose: "its order payments",
                need: Need::Essential,
                handler: Arc::new(OrderPaymentProcess::new(Arc::clone(&self.voucher))),
            },
        ]
    }

    /// Stops housekeeping and the projections and waits for them.
    async fn shutdown(&self) {
        self.stop.cancel();
        let housekeeping = self
            .housekeeping
            .lock()
            .ok()
            .and_then(|mut task| task.take());
        if let Some(task) = housekeeping {
            let _ = task.await;
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
