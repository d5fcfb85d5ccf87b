use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use golmok_runtime::{Readiness, init_telemetry, ops_router, shutdown_on_signal, track_http};
use tokio_util::sync::CancellationToken;

use super::Common;
use crate::settings::SuiteSettings;

#[derive(Args)]
pub struct UpArgs {
    #[command(flatten)]
    common: Common,
    /// Address for the GraphQL gateway and the ops endpoints.
    #[arg(long)]
    listen: Option<SocketAddr>,
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let telemetry = init_telemetry();
    let settings = SuiteSettings::load(&args.common, args.listen)?;
    std::fs::create_dir_all(&args.common.data_dir)
        .with_context(|| format!("creating data dir {}", args.common.data_dir.display()))?;

    let storefront = storefront::Application::build(settings.storefront.clone())
        .await
        .context("starting storefront")?;
    let upstreams = gateway::Upstreams {
        storefront: gateway::ServiceClient::in_process(storefront.router()),
    };
    let gateway = gateway::Application::build(settings.gateway.clone(), upstreams)
        .await
        .context("starting gateway")?;

    let readiness = Readiness::default();
    let app = gateway
        .router()
        .layer(axum::middleware::from_fn(track_http))
        .merge(ops_router(readiness.clone(), telemetry));
    let listener = tokio::net::TcpListener::bind(settings.gateway.listen)
        .await
        .with_context(|| format!("binding {}", settings.gateway.listen))?;
    let address = listener.local_addr()?;
    readiness.set(true);
    tracing::info!(%address, data_dir = %args.common.data_dir.display(), "golmok is up");
    println!(
        "Golmok is up. GraphiQL: http://{address}/graphql  (data in {})",
        args.common.data_dir.display()
    );

    let shutdown = CancellationToken::new();
    let signal = tokio::spawn(shutdown_on_signal(shutdown.clone()));
    let stopping = {
        let readiness = readiness.clone();
        let shutdown = shutdown.clone();
        async move {
            shutdown.cancelled().await;
            readiness.set(false);
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(stopping)
        .await?;
    signal.abort();
    storefront.shutdown().await;
    tracing::info!("golmok stopped");
    Ok(())
}
