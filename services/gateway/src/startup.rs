use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::auth::{AuthError, SigningKey, TokenVerifier};
use crate::config::Settings;
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
}

/// The gateway, ready to serve.
pub struct Application {
    router: Router,
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
        let gateway = Gateway {
            schema: schema::build(&settings.limits),
            verifier: Arc::new(TokenVerifier::new(&key, &settings.auth)),
            clients,
            max_body_bytes: settings.limits.max_body_bytes,
            max_batch_operations: settings.limits.max_batch_operations,
            request_timeout: Duration::from_millis(settings.limits.request_timeout_ms),
        };
        tracing::info!(kid = key.kid(), "gateway ready");
        Ok(Application {
            router: router(gateway, cors),
        })
    }

    /// `GET /graphql` (GraphiQL), `POST /graphql` and the GraphiQL assets; no ops routes.
    pub fn router(&self) -> Router {
        self.router.clone()
    }
}
