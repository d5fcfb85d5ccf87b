use std::net::SocketAddr;

use clap::Args;
use golmok_runtime::init_telemetry_with;

use super::{Common, dlq};
use crate::bus::BusArgs;
use crate::host::{self, Host};
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
    let settings = SuiteSettings::load(&args.common, args.listen)?;
    let telemetry = init_telemetry_with(&settings.telemetry, "golmok")?;
    let bus = args.bus.bus()?;
    let data_dir = args.common.data_dir.display();

    // Every service, each consuming the others' events over the bus.
    let services = Host::start(&settings, |_| true, &bus).await?;
    let gateway = host::gateway(&settings, |name| {
        let service = services.service(name)?;
        Ok(gateway::ServiceClient::in_process(service.router()))
    })
    .await?;
    let feed = host::follow_feed(&gateway, Some(&services), &bus).await?;

    let listener = super::bind(settings.gateway.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, %data_dir, "golmok is up");
    // For the person at the terminal; stdout carries only the JSON log lines.
    eprintln!("Golmok is up. GraphiQL: http://{address}/graphql  (data in {data_dir})");
    let operators = services
        .dead_letters()
        .router(dlq::operator_gate(&settings)?);
    golmok_runtime::serve(
        listener,
        gateway.router().merge(operators),
        services.readiness(),
        telemetry.clone(),
    )
    .await?;
    if let Some(feed) = feed {
        feed.stop().await;
    }
    services.stop().await;
    telemetry.flush_traces().await;
    tracing::info!("golmok stopped");
    Ok(())
}
