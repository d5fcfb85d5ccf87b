//! `golmok`: one binary for every way Golmok runs.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod bus;
mod commands;
mod host;
mod registry;
mod settings;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "golmok",
    version,
    about = "Golmok: an open platform for one-person small businesses"
)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    commands::run(cli.command).await
}
