use std::net::SocketAddr;

use anyhow::{Context, bail};
use axum::Router;
use clap::{Args, ValueEnum};
use golmok_runtime::{Telemetry, init_telemetry};

use super::Common;
use crate::bus::{Bus, BusArgs, Relays, ensure_topics, kafka_source};
use crate::settings::SuiteSettings;

#[derive(Args)]
pub struct ServeArgs {
    /// What this process runs.
    service: Service,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    bus: BusArgs,
    /// Address to serve on; defaults to the service's `listen` setting
    /// (gateway 127.0.0.1:8080, storefront :8081, voucher :8082).
    #[arg(long)]
    listen: Option<SocketAddr>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Service {
    /// The storefront HTTP API (docs/storefront-http.md); with `--bus kafka`
    /// its relay publishes its events and it follows the voucher's (order
    /// payments, fraud suspensions).
    Storefront,
    /// The voucher HTTP API (docs/voucher-http.md); needs `--bus kafka`: its
    /// merchant directory and order payments consume the storefront's events.
    Voucher,
    /// The GraphQL gateway, calling the services over HTTP at the URLs of the
    /// `[upstreams]` settings (`GOLMOK__UPSTREAMS__STOREFRONT`, `…__VOUCHER`).
    Gateway,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let telemetry = init_telemetry();
    let mut settings = SuiteSettings::load(&args.common, None)?;
    let bus = args.bus.bus()?;
    let mut relays = Relays::default();
    match args.service {
        Service::Storefront => {
            let storefront = storefront::Application::build(settings.storefront.clone())
                .await
                .context("starting storefront")?;
            if let Bus::Kafka(kafka) = &bus {
                ensure_topics(kafka, &["storefront", "voucher"]).await?;
                relays
                    .start(
                        kafka,
                        "storefront",
                        storefront.event_log(),
                        storefront.tables(),
                    )
                    .await?;
                // Payment answers and fraud suspensions come from the voucher.
                storefront
                    .follow_voucher(kafka_source(kafka, "voucher")?)
                    .await?;
            }
            let listen = args.listen.unwrap_or(settings.storefront.listen);
            serve("storefront", listen, storefront.router(), telemetry).await?;
            relays.stop().await;
            storefront.shutdown().await;
        }
        Service::Voucher => {
            let Bus::Kafka(kafka) = &bus else {
                bail!(
                    "golmok serve voucher needs --bus kafka: its merchant directory consumes the storefront's events"
                );
            };
            let voucher = voucher::Application::build(settings.voucher.clone())
                .await
                .context("starting voucher")?;
            ensure_topics(kafka, &["storefront", "voucher"]).await?;
            relays
                .start(kafka, "voucher", voucher.event_log(), voucher.tables())
                .await?;
            voucher
                .follow_storefront(kafka_source(kafka, "storefront")?)
                .await?;
            voucher
                .follow_storefront_orders(kafka_source(kafka, "storefront")?)
                .await?;
            let listen = args.listen.unwrap_or(settings.voucher.listen);
            serve("voucher", listen, voucher.router(), telemetry).await?;
            relays.stop().await;
            voucher.shutdown().await;
        }
        Service::Gateway => {
            if let Some(listen) = args.listen {
                settings.gateway.listen = listen;
            }
            let upstreams = gateway::Upstreams::default()
                .with(
                    "storefront",
                    gateway::ServiceClient::http(&settings.upstreams.storefront),
                )
                .with(
                    "voucher",
                    gateway::ServiceClient::http(&settings.upstreams.voucher),
                );
            let gateway = gateway::Application::build(settings.gateway.clone(), upstreams)
                .await
                .context("starting gateway")?;
            serve(
                "gateway",
                settings.gateway.listen,
                gateway.router(),
                telemetry,
            )
            .await?;
        }
    }
    tracing::info!("golmok stopped");
    Ok(())
}

/// Binds `listen`, says where `service` serves, and serves until SIGTERM.
async fn serve(
    service: &str,
    listen: SocketAddr,
    router: Router,
    telemetry: Telemetry,
) -> anyhow::Result<()> {
    let listener = super::bind(listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(service, %address, "serving");
    // For the person at the terminal; stdout carries only the JSON log lines.
    eprintln!("Golmok {service} is serving on http://{address}");
    golmok_runtime::serve(listener, router, telemetry).await?;
    Ok(())
}
