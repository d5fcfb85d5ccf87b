use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use golmok_kernel::LogTail;
use golmok_runtime::init_telemetry;

use super::Common;
use crate::bus::{Bus, BusArgs, Relays, SERVICES, ensure_topics, kafka_source};
use crate::settings::SuiteSettings;

#[derive(Args)]
pub struct UpArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    bus: BusArgs,
    /// Address for the GraphQL gateway and the ops endpoints.
    #[arg(long)]
    listen: Option<SocketAddr>,
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let telemetry = init_telemetry();
    let settings = SuiteSettings::load(&args.common, args.listen)?;
    let bus = args.bus.bus()?;
    let data_dir = args.common.data_dir.display();

    let storefront = storefront::Application::build(settings.storefront.clone())
        .await
        .context("starting storefront")?;
    let voucher = voucher::Application::build(settings.voucher.clone())
        .await
        .context("starting voucher")?;
    let mut relays = Relays::default();
    match &bus {
        // Each service's consumers tail the other's log.
        Bus::InProcess => {
            voucher
                .follow_storefront(LogTail::after(storefront.event_log(), 0))
                .await?;
            voucher
                .follow_storefront_orders(LogTail::after(storefront.event_log(), 0))
                .await?;
            storefront
                .follow_voucher(LogTail::after(voucher.event_log(), 0))
                .await?;
        }
        Bus::Kafka(kafka) => {
            ensure_topics(kafka, &SERVICES).await?;
            relays
                .start(
                    kafka,
                    "storefront",
                    storefront.event_log(),
                    storefront.tables(),
                )
                .await?;
            relays
                .start(kafka, "voucher", voucher.event_log(), voucher.tables())
                .await?;
            voucher
                .follow_storefront(kafka_source(kafka, "storefront")?)
                .await?;
            voucher
                .follow_storefront_orders(kafka_source(kafka, "storefront")?)
                .await?;
            storefront
                .follow_voucher(kafka_source(kafka, "voucher")?)
                .await?;
        }
    }
    let upstreams = gateway::Upstreams::default()
        .with(
            "storefront",
            gateway::ServiceClient::in_process(storefront.router()),
        )
        .with(
            "voucher",
            gateway::ServiceClient::in_process(voucher.router()),
        );
    let gateway = gateway::Application::build(settings.gateway.clone(), upstreams)
        .await
        .context("starting gateway")?;

    let listener = super::bind(settings.gateway.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, %data_dir, "golmok is up");
    // For the person at the terminal; stdout carries only the JSON log lines.
    eprintln!("Golmok is up. GraphiQL: http://{address}/graphql  (data in {data_dir})");
    golmok_runtime::serve(listener, gateway.router(), telemetry).await?;
    relays.stop().await;
    voucher.shutdown().await;
    storefront.shutdown().await;
    tracing::info!("golmok stopped");
    Ok(())
}
