use std::sync::Arc;

use async_trait::async_trait;
use golmok_kernel::{Projections, ReadModel};
use golmok_runtime::{
    Blueprint, Hosted, Need, Registration, Service, StartupError, Storage, Subscription,
};

use crate::Settings;
use crate::app::{CreatorMediaFollower, Storefront, VoucherProcess};
use crate::config::StorefrontSection;

/// The embedded store file inside the data directory.
pub const STORE_FILE: &str = "storefront.redb";
/// The storefront's entry in a host's registry.
pub const SERVICE: Registration<Application> = Registration::new();

/// A built storefront: its store open, its projections running.
pub struct Application {
    settings: Settings,
    hosted: Hosted,
    storefront: Arc<Storefront>,
    projections: Arc<Projections>,
}

impl Application {
    /// Opens the store its settings choose and starts the projections.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        golmok_runtime::build(settings).await
    }

    /// The application service behind the router.
    pub fn storefront(&self) -> &Arc<Storefront> {
        &self.storefront
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

#[async_trait]
impl Blueprint for Application {
    const NAME: &'static str = golmok_contracts::storefront::SERVICE;
    type Section = StorefrontSection;

    async fn assemble(settings: Settings, hosted: Hosted) -> Result<Self, StartupError> {
        let projections = hosted
            .start_projections(crate::app::projections::handlers())
            .await?;
        let storefront = Arc::new(
            Storefront::new(
                Arc::clone(&hosted.storage.log),
                Arc::clone(&hosted.storage.tables),
                Arc::clone(&projections),
                settings.diagnosis.policy(),
            )
            .with_return_window(settings.returns.window()),
        );
        Ok(Application {
            settings,
            hosted,
            storefront,
            projections,
        })
    }

    /// Every projection of `handlers()` with the tables it writes.
    fn read_models(_: &Settings, _: &Storage) -> Vec<ReadModel> {
        ReadModel::declared(crate::app::projections::handlers(), read_model_tables)
    }
}

/// The tables each projection of the storefront's own log writes (a
/// projection missing here fails its rebuild with `UNDECLARED_TABLE`).
fn read_model_tables(consumer: &str) -> &'static [&'static str] {
    use crate::app::projections::tables::*;
    match consumer {
        "storefront.merchants" => &[
            MERCHANT_BY_ID,
            DIRECTORY,
            DIRECTORY_BY_DISTRICT,
            DIRECTORY_BY_CATEGORY,
            DIRECTORY_BY_HERITAGE,
        ],
        "storefront.shop" => &[
            PRODUCT_BY_ID,
            PRODUCTS_BY_MERCHANT,
            PUBLISHED_PRODUCTS_BY_MERCHANT,
            ORDER_BY_ID,
            ORDERS_BY_MERCHANT,
            ORDERS_BY_BUYER,
        ],
        _ => &[],
    }
}

#[async_trait]
impl Service for Application {
    fn hosted(&self) -> &Hosted {
        &self.hosted
    }

    /// The API of docs/storefront-http.md (no ops routes).
    fn routes(&self) -> axum::Router {
        crate::http::router(Arc::clone(&self.storefront))
    }

    /// The voucher service's events feed the voucher process: answers about
    /// order payments move the orders' payment state, and a merchant
    /// suspended from a programme over a fraud case is suspended here (and
    /// reinstated with the case). Creator-media's creators and live sessions
    /// feed what orders with a creator's code or a live id are checked against.
    fn subscriptions(&self) -> Vec<Subscription> {
        let process = VoucherProcess::new(Arc::clone(&self.storefront));
        vec![
            Subscription {
                producer: golmok_contracts::voucher::SERVICE,
                purpose: "its order payments and fraud suspensions",
                need: Need::Optional,
                handler: Arc::new(process),
            },
            Subscription {
                producer: golmok_contracts::creator_media::SERVICE,
                purpose: "its creator handles and live sessions for attributed orders",
                need: Need::Optional,
                handler: Arc::new(CreatorMediaFollower),
            },
        ]
    }

    async fn shutdown(&self) {
        self.projections.stop().await;
    }
}
