pub mod dlq;
mod migrate;
mod operator;
mod replay;
mod serve;
mod token;
mod up;

use std::net::SocketAddr;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum Command {
    /// Run every service and the GraphQL gateway in one process (embedded
    /// storage unless a service's `[<service>.storage]` says otherwise).
    Up(up::UpArgs),
    /// Run one service (or the gateway) as its own process.
    Serve(serve::ServeArgs),
    /// Print a signed API token for trying the GraphQL API (or, with
    /// `--service`, an actor assertion for calling one service directly).
    Token(token::TokenArgs),
    /// Prepare infrastructure: `golmok migrate kafka` creates the topics,
    /// `golmok migrate scylla` the services' CQL keyspaces and tables.
    Migrate(migrate::MigrateArgs),
    /// List a consumer's dead letters, or replay them through the consumer
    /// once the cause is fixed (calls the process running it).
    Dlq(dlq::DlqArgs),
    /// Rebuild a stopped service's read models from event 0 of its log into
    /// fresh tables and swap them in; resumable after a crash.
    Replay(replay::ReplayArgs),
    /// The Kubernetes operator: `crd` prints the ReadModelRebuild CRD, `run`
    /// reconciles rebuilds (golmok replay as a Job, the service stopped meanwhile).
    Operator(operator::OperatorArgs),
}

/// Where settings come from: `--config FILE` (TOML), then `GOLMOK__SECTION__KEY`.
#[derive(Args, Clone)]
pub struct Common {
    /// Directory for the event logs, read models and the token signing key.
    #[arg(long, env = "GOLMOK_DATA_DIR", default_value = ".golmok")]
    pub data_dir: PathBuf,
    /// Optional settings file (TOML); unknown keys are errors.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Up(args) => up::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Token(args) => token::run(args),
        Command::Migrate(args) => migrate::run(args).await,
        Command::Dlq(args) => dlq::run(args).await,
        Command::Replay(args) => replay::run(args).await,
        Command::Operator(args) => operator::run(args).await,
    }
}

async fn bind(address: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("binding {address}"))
}
