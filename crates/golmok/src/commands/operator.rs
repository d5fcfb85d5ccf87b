//! `golmok operator`: the Kubernetes operator (crates/golmok-operator).
//! `golmok operator crd` prints the `ReadModelRebuild` CustomResourceDefinition;
//! `golmok operator run` reconciles rebuilds in one namespace, one leader among
//! replicas (docs/operations.md, "Rebuilding read models on Kubernetes").

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use golmok_operator::{LeaseSettings, OperatorSettings};
use golmok_runtime::init_telemetry;

#[derive(Args)]
pub struct OperatorArgs {
    #[command(subcommand)]
    command: OperatorCommand,
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Print the ReadModelRebuild CustomResourceDefinition (YAML), generated
    /// from the operator's types: what charts/golmok/crds/ ships.
    Crd,
    /// Reconcile ReadModelRebuilds in a namespace (in-cluster credentials, or
    /// KUBECONFIG): the replica holding the Lease acts, the others wait.
    Run(RunArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The namespace watched, where the Lease is kept.
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    namespace: String,
    /// This replica's identity in the Lease (its pod name in a cluster).
    #[arg(long, env = "POD_NAME")]
    identity: Option<String>,
    /// The Lease's name.
    #[arg(long, default_value = "golmok-operator")]
    lease_name: String,
    /// Seconds a Lease not renewed stays held; replicas renew or look every quarter.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(2..=3600))]
    lease_duration_secs: u64,
    /// Where `/livez` and `/readyz` answer.
    #[arg(long, default_value = "0.0.0.0:8090")]
    listen: SocketAddr,
}

pub async fn run(args: OperatorArgs) -> anyhow::Result<()> {
    match args.command {
        OperatorCommand::Crd => {
            print!("{}", golmok_operator::crd_yaml());
            Ok(())
        }
        OperatorCommand::Run(args) => {
            init_telemetry();
            let identity = args
                .identity
                .unwrap_or_else(|| format!("golmok-operator-{}", uuid::Uuid::now_v7().simple()));
            let settings = OperatorSettings {
                lease: LeaseSettings {
                    namespace: args.namespace,
                    name: args.lease_name,
                    identity,
                    duration: Duration::from_secs(args.lease_duration_secs),
                },
                listen: args.listen,
            };
            golmok_operator::run(settings)
                .await
                .context("golmok operator")
        }
    }
}
