use std::net::SocketAddr;

use axum::Router;
use clap::Args;
use clap::builder::PossibleValuesParser;
use golmok_runtime::{Readiness, Telemetry, init_telemetry_with};

use super::{Common, dlq};
use crate::bus::BusArgs;
use crate::host::{self, Host};
use crate::registry;
use crate::settings::SuiteSettings;

/// What `golmok serve` runs besides the services.
const GATEWAY: &str = "gateway";

#[derive(Args)]
pub struct ServeArgs {
    /// What this process runs: a service's HTTP API (docs/<service>-http.md;
    /// with `--bus kafka` its relay publishes its events and it consumes the
    /// other services' — the voucher service needs that, its merchant
    /// directory and order payments consume the storefront's events), or the
    /// GraphQL gateway, calling the services over HTTP at the URLs of the
    /// `[upstreams]` settings (`GOLMOK__UPSTREAMS__STOREFRONT`, `…__VOUCHER`).
    #[arg(value_parser = PossibleValuesParser::new(serve_targets()))]
    service: String,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    bus: BusArgs,
    /// Address to serve on; defaults to the service's `listen` setting
    /// (gateway 127.0.0.1:8080, storefront :8081, voucher :8082,
    /// creator-media :8083).
    #[arg(long)]
    listen: Option<SocketAddr>,
}

/// The names `golmok serve` accepts: every registered service and the gateway.
fn serve_targets() -> Vec<&'static str> {
    let mut targets = registry::names();
    targets.push(GATEWAY);
    targets
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = SuiteSettings::load(&args.common, None)?;
    let telemetry = init_telemetry_with(&settings.telemetry, &args.service)?;
    let bus = args.bus.bus()?;
    if args.service == GATEWAY {
        if let Some(listen) = args.listen {
            settings.gateway.listen = listen;
        }
        let gateway = host::gateway(&settings, |name| {
            Ok(gateway::ServiceClient::http(settings.upstream(name)?))
        })
        .await?;
        let feed = host::follow_feed(&gateway, None, &bus).await?;
        let served = serve(
            GATEWAY,
            settings.gateway.listen,
            gateway.router(),
            Readiness::default(),
            telemetry.clone(),
        )
        .await;
        if let Some(feed) = feed {
            feed.stop().await;
        }
        served?;
    } else {
        let host = Host::start(&settings, |name| name == args.service, &bus).await?;
        let service = host.service(&args.service)?;
        let listen = args.listen.unwrap_or(service.listen());
        let readiness = host.readiness();
        let operators = host.dead_letters().router(dlq::operator_gate(&settings)?);
        let router = service.router().merge(operators);
        let served = serve(service.name(), listen, router, readiness, telemetry.clone()).await;
        host.stop().await;
        served?;
    }
    telemetry.flush_traces().await;
    tracing::info!("golmok stopped");
    Ok(())
}

/// Binds `listen`, says where `service` serves, and serves until SIGTERM.
async fn serve(
    service: &str,
    listen: SocketAddr,
    router: Router,
    readiness: Readiness,
    telemetry: Telemetry,
) -> anyhow::Result<()> {
    let listener = super::bind(listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(service, %address, "serving");
    // For the person at the terminal; stdout carries only the JSON log lines.
    eprintln!("Golmok {service} is serving on http://{address}");
    golmok_runtime::serve(listener, router, readiness, telemetry).await?;
    Ok(())
}
