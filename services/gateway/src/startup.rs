use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use golmok_kernel::EventSource;

use crate::auth::{AuthError, SigningKey, TokenVerifier};
use crate::config::Settings;
use crate::feed::{Feed, FeedError, FeedFollower};
use crate::http::{CorsError, Gateway, cors_layer, router};
use crate::schema;
use crate::upstream::{Clients, UpstreamError, Upstreams};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot load the token signing key")]
    SigningKey(#[from] AuthError),
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
    feed: Feed,
}

impl Application {
    /// Loads (or creates) the signing key and builds the schema over `upstreams`.
    pub async fn build(
        settings: Settings,
        upstreams: Upstreams,
    ) -> Result<Application, StartupError> {
        let cors = cors_layer(&settings.cors)?;
        let timeout = Duration::from_millis(settings.limits.upstream_timeout_ms);
        let clients = Arc::new(Clients::new(upstreams, timeout)?);
        let key_file = settings.auth.signing_key_file.clone();
        let key =
            tokio::task::spawn_blocking(move || SigningKey::load_or_create(&key_file)).await??;
        let storage =
            golmok_runtime::Storage::open("gateway", &settings.data_dir, &settings.storage).await?;
        // The consumer's name lives as long as the process (a handler's name is static).
        let consumer: &'static str =
            Box::leak(settings.feed.consumer_group.clone().into_boxed_str());
        let feed = Feed::open(storage.tables, consumer, settings.feed.buffer).await?;
        let gateway = Gateway {
            schema: schema::build(&settings.limits),
            verifier: Arc::new(TokenVerifier::new(&key, &settings.auth)),
            clients,
            max_body_bytes: settings.limits.max_body_bytes,
            max_batch_operations: settings.limits.max_batch_operations,
            request_timeout: Duration::from_millis(settings.limits.request_timeout_ms),
            feed: Some(feed.clone()),
        };
        tracing::info!(kid = key.kid(), "gateway ready");
        Ok(Application {
            router: router(gateway, cors),
            feed,
        })
    }

    /// Starts the promotion feed's consumer on `source`, creator-media's
    /// events (a tail of its log in process, its Kafka topic otherwise), and
    /// the release of what it stores to the open subscriptions.
    pub async fn follow_feed<S: EventSource>(&self, source: S) -> Result<FeedFollower, FeedError> {
        self.feed.follow(source).await
    }

    /// `GET /graphql` (GraphiQL), `POST /graphql` and the GraphiQL assets; no ops routes.
    pub fn router(&self) -> Router {
        self.router.clone()
    }
}
