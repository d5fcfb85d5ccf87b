use std::net::SocketAddr;

use anyhow::Context;
use clap::{Args, ValueEnum};
use golmok_runtime::init_telemetry;

use super::Common;
use crate::settings::SuiteSettings;

#[derive(Args)]
pub struct ServeArgs {
    /// What this process runs.
    service: Service,
    #[command(flatten)]
    common: Common,
    /// Address to serve on; defaults to the service's `listen` setting
    /// (storefront 127.0.0.1:8081, gateway 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<SocketAddr>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Service {
    /// The storefront HTTP API (docs/storefront-http.md).
    Storefront,
    /// The GraphQL gateway, calling the services over HTTP at the URLs of the
    /// `[upstreams]` settings (`GOLMOK__UPSTREAMS__STOREFRONT`, `…__VOUCHER`).
    Gateway,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let telemetry = init_telemetry();
    let mut settings = SuiteSettings::load(&args.common, None)?;
    match args.service {
        Service::Storefront => {
            let listen = args.listen.unwrap_or(settings.storefront.listen);
            let storefront = storefront::Application::build(settings.storefront)
                .await
                .context("starting storefront")?;
            let listener = super::bind(listen).await?;
            announce("storefront", &listener)?;
            golmok_runtime::serve(listener, storefront.router(), telemetry).await?;
            storefront.shutdown().await;
        }
        Service::Gateway => {
            if let Some(listen) = args.listen {
                settings.gateway.listen = listen;
            }
            let upstreams = gateway::Upstreams {
                storefront: gateway::ServiceClient::http(&settings.upstreams.storefront),
                voucher: gateway::ServiceClient::http(&settings.upstreams.voucher),
            };
            let gateway = gateway::Application::build(settings.gateway.clone(), upstreams)
                .await
                .context("starting gateway")?;
            let listener = super::bind(settings.gateway.listen).await?;
            announce("gateway", &listener)?;
            golmok_runtime::serve(listener, gateway.router(), telemetry).await?;
        }
    }
    tracing::info!("golmok stopped");
    Ok(())
}

fn announce(service: &str, listener: &tokio::net::TcpListener) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(service, %address, "serving");
    println!("Golmok {service} is serving on http://{address}");
    Ok(())
}
