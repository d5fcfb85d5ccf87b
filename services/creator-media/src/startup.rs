use std::sync::Arc;

use async_trait::async_trait;
use golmok_kernel::{Projections, ReadModel};
use golmok_runtime::{
    Blueprint, Hosted, Need, Registration, Service, StartupError, Storage, Subscription,
};

use crate::Settings;
use crate::app::commissions::OrderCommissions;
use crate::app::expiry::{EXPIRY_EVERY, Expiry};
use crate::app::webhooks::DeliveryWorker;
use crate::app::{CreatorMedia, MerchantDirectory};
use crate::config::CreatorMediaSection;

/// The creator-media service's entry in a host's registry.
pub const SERVICE: Registration<Application> = Registration::new();

/// A built creator-media service: its store open, its projections, the
/// expiry task and the webhook delivery worker running.
pub struct Application {
    hosted: Hosted,
    service: Arc<CreatorMedia>,
    projections: Arc<Projections>,
    expiry: Expiry,
    webhooks: DeliveryWorker,
    /// The process that follows the storefront's orders into commissions.
    commissions: Arc<OrderCommissions>,
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
        let expiry = Expiry::start(Arc::clone(&service), EXPIRY_EVERY);
        let commissions = Arc::new(OrderCommissions::new(
            Arc::clone(&service),
            settings.own.commissions.hold(),
        ));
        let webhooks =
            DeliveryWorker::start(Arc::clone(&hosted.storage.tables), settings.own.webhooks)
                .map_err(|error| StartupError::Settings(format!("the webhook client: {error}")))?;
        Ok(Application {
            hosted,
            service,
            projections,
            expiry,
            webhooks,
            commissions,
        })
    }

    /// Every projection of `handlers()` a rebuild may redo, with the tables
    /// of `READ_MODELS`. Left out: `creator-media.webhooks`, whose rows are
    /// the partners' delivery queue (rebuilt, every webhook would be sent
    /// again). The order-commissions process is not a projection of this
    /// log (it follows the storefront's and issues commands), so it is not
    /// among them either.
    fn read_models(_: &Settings, _: &Storage) -> Vec<ReadModel> {
        crate::app::projections::handlers()
            .into_iter()
            .filter_map(|handler| {
                let tables = crate::app::projections::read_model_tables(handler.name())?;
                Some(ReadModel::new(handler, tables))
            })
            .collect()
    }
}

#[async_trait]
impl Service for Application {
    fn hosted(&self) -> &Hosted {
        &self.hosted
    }

    /// Creators, studios and webhooks (no ops routes).
    fn routes(&self) -> axum::Router {
        crate::http::router(Arc::clone(&self.service))
    }

    /// Matching follows the storefront's merchants and, through a second
    /// consumer, commissions follow its orders; everything else works
    /// without them.
    fn subscriptions(&self) -> Vec<Subscription> {
        let storefront = golmok_contracts::storefront::SERVICE;
        vec![
            Subscription {
                producer: storefront,
                purpose: "its merchant directory for matching",
                need: Need::Optional,
                handler: Arc::new(MerchantDirectory),
            },
            Subscription {
                producer: storefront,
                purpose: "its creators' commissions",
                need: Need::Optional,
                handler: Arc::clone(&self.commissions) as Arc<dyn golmok_kernel::EventHandler>,
            },
        ]
    }

    async fn shutdown(&self) {
        self.expiry.stop().await;
        self.webhooks.stop().await;
        self.projections.stop().await;
    }
}
