use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use golmok_runtime::init_telemetry;

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
    let data_dir = args.common.data_dir.display();

    let storefront = storefront::Application::build(settings.storefront.clone())
        .await
        .context("starting storefront")?;
    let voucher = voucher::Application::build(settings.voucher.clone())
        .await
        .context("starting voucher")?;
    // The in-process bus: the voucher's merchant directory tails the storefront's log.
    voucher
        .follow_storefront(storefront.storefront().event_log().clone())
        .await
        .context("connecting voucher to the storefront's events")?;
    let upstreams = gateway::Upstreams {
        storefront: gateway::ServiceClient::in_process(storefront.router()),
        voucher: gateway::ServiceClient::in_process(voucher.router()),
    };
    let gateway = gateway::Application::build(settings.gateway.clone(), upstreams)
        .await
        .context("starting gateway")?;

    let listener = super::bind(settings.gateway.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, %data_dir, "golmok is up");
    println!("Golmok is up. GraphiQL: http://{address}/graphql  (data in {data_dir})");
    golmok_runtime::serve(listener, gateway.router(), telemetry).await?;
    voucher.shutdown().await;
    storefront.shutdown().await;
    tracing::info!("golmok stopped");
    Ok(())
}
