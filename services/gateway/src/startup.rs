use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use golmok_kernel::EventSource;

use crate::auth::{AuthError, SigningKey, TokenVerifier};
use crate::config::Settings;
use crate::feed::{Feed, FeedError, FeedFollower, Feeds};
use crate::http::{CorsError, Gateway, cors_layer, router};
use crate::schema;
use crate::upstream::{Clients, UpstreamError, Upstreams};
use golmok_runtime::TrustRoot;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot load the token signing key")]
    SigningKey(#[from] AuthError),
    #[error("cannot load the actor-assertion key")]
    AssertionKey(#[source] AuthError),
    #[error("invalid CORS settings")]
    Cors(#[from] CorsError),
    #[error(transparent)]
    Upstreams(#[from] UpstreamError),
    #[error("the signing key task failed")]
    Task(#[from] tokio::task::JoinError),
    #[error("cannot open the gateway's store")]
    Storage(#[from] golmok_runtime::StartupError),
    #[error(transparent)]
    Feed(#[from] FeedError),
}

/// The gateway, ready to serve.
pub struct Application {
    router: Router,
    feeds: Feeds,
}

impl Application {
    /// Loads (or creates) the signing key and builds the schema over `upstreams`.
    pub async fn build(
        settings: Settings,
        upstreams: Upstreams,
    ) -> Result<Application, StartupError> {
        let cors = cors_layer(&settings.cors)?;
        let timeout = Duration::from_millis(settings.limits.upstream_timeout_ms);
        let key_file = settings.auth.signing_key_file.clone();
        let key =
            tokio::task::spawn_blocking(move || SigningKey::load_or_create(&key_file)).await??;
        let root_file = settings.auth.assertion_key_file.clone();
        let root = tokio::task::spawn_blocking(move || TrustRoot::load_or_create(&root_file))
            .await?
            .map_err(StartupError::AssertionKey)?;
        let clients = Arc::new(Clients::new(upstreams, &root, timeout)?);
        let storage =
            golmok_runtime::Storage::open("gateway", &settings.data_dir, &settings.storage).await?;
        // The consumers' names live as long as the process (a handler's name is static).
        let [creator_media, storefront] = crate::FEED_PRODUCERS.map(|producer| -> &'static str {
            Box::leak(settings.feed.consumer(producer).into_boxed_str())
        });
        let buffer = settings.feed.buffer;
        let feeds = Feeds {
            creator_media: Feed::open(Arc::clone(&storage.tables), creator_media, buffer).await?,
            storefront: Feed::open(storage.tables, storefront, buffer).await?,
        };
        let gateway = Gateway {
            schema: schema::build(&settings.limits),
            verifier: Arc::new(TokenVerifier::new(&key, &settings.auth)),
            clients,
            max_body_bytes: settings.limits.max_body_bytes,
            max_batch_operations: settings.limits.max_batch_operations,
            request_timeout: Duration::from_millis(settings.limits.request_timeout_ms),
            feeds: Some(feeds.clone()),
        };
        tracing::info!(kid = key.kid(), "gateway ready");
        Ok(Application {
            router: router(gateway, cors),
            feeds,
        })
    }

    /// Starts the consumer of the feed of `producer` (one of
    /// [`FEED_PRODUCERS`](crate::FEED_PRODUCERS)) on `source`, its events (a
    /// tail of its log in process, its Kafka topic otherwise), and the
    /// release of what it stores to the open subscriptions.
    pub async fn follow_feed<S: EventSource>(
        &self,
        producer: &str,
        source: S,
    ) -> Result<FeedFollower, FeedError> {
        match producer {
            golmok_contracts::creator_media::SERVICE => {
                self.feeds.creator_media.follow(source).await
            }
            golmok_contracts::storefront::SERVICE => self.feeds.storefront.follow(source).await,
            other => Err(FeedError::NotFollowed(other.to_owned())),
        }
    }

    /// `GET /graphql` (GraphiQL), `POST /graphql` and the GraphiQL assets; no ops routes.
    pub fn router(&self) -> Router {
        self.router.clone()
    }
}
