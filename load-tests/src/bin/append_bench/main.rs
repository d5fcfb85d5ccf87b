//! P3 benchmark: durable event appends with group commit.
//!
//! Part 1 drives `EmbeddedStore` with 1, 16 and 64 concurrent writers (each
//! its own stream, one event per append with an exact expected version) and
//! prints events/s, commits (= fsyncs), events per fsync and the raw fsync
//! rate of the same disk measured just before, side by side. Part 2 compares
//! redb and fjall on the same group-commit write path. Run in release mode:
//!
//! `cargo run --release -p load-tests --bin append_bench`

mod drive;
mod engines;
mod fsync;
mod store;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use fjall::PersistMode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    All,
    Store,
    Engines,
}

#[derive(Parser)]
#[command(about = "Durable event-append benchmark (PERFORMANCE.md P3)")]
struct Args {
    /// Seconds each writer level runs.
    #[arg(long, default_value_t = 4)]
    seconds: u64,
    /// Directory for the store files (on the disk under test); default: the system temp dir.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Which part to run.
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
}

const LEVELS: [usize; 3] = [1, 16, 64];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let base = args.dir.unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base)?;
    let dir = tempfile::tempdir_in(&base)?;
    let duration = Duration::from_secs(args.seconds);
    println!(
        "append_bench: {} s per level, files in {}, {} cores",
        args.seconds,
        dir.path().display(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    if args.part != Part::Engines {
        store_part(dir.path(), duration).await?;
    }
    if args.part != Part::Store {
        engines_part(dir.path(), duration).await?;
    }
    Ok(())
}

async fn store_part(dir: &std::path::Path, duration: Duration) -> anyhow::Result<()> {
    println!("\nEmbeddedStore (redb, group commit), one event per append, Exact expected version");
    println!(
        "| writers | events/s | commits (fsyncs) | events per fsync | p50 ms | p99 ms | raw fsync/s (before–after) | events/s ÷ raw fsync/s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for writers in LEVELS {
        let row = store::measure(dir, writers, duration).await?;
        let rate = row.run.events_per_second();
        println!(
            "| {} | {:.0} | {} | {:.1} | {:.2} | {:.2} | {:.0} ({:.0}–{:.0}) | {:.1} |",
            row.writers,
            rate,
            row.commits,
            row.run.events as f64 / row.commits.max(1) as f64,
            row.run.latency_percentile(50.0).as_secs_f64() * 1e3,
            row.run.latency_percentile(99.0).as_secs_f64() * 1e3,
            row.fsyncs_per_second,
            row.fsyncs_range.0,
            row.fsyncs_range.1,
            rate / row.fsyncs_per_second,
        );
    }
    let reads = store::read_timing(dir, 64).await?;
    let pages: Vec<String> = reads
        .pages
        .iter()
        .map(|(page, took)| format!("{page}: {:.1} µs", took.as_secs_f64() * 1e6))
        .collect();
    println!(
        "\nreads on the 64-writer store ({} events): read_all by page size {}; \
         empty spawn_blocking round trip {:.1} µs; reopen with full integrity check {:.0} ms",
        reads.events,
        pages.join(", "),
        reads.spawn_blocking.as_secs_f64() * 1e6,
        reads.open.as_secs_f64() * 1e3,
    );
    Ok(())
}

async fn engines_part(dir: &std::path::Path, duration: Duration) -> anyhow::Result<()> {
    println!("\nEngine comparison: same group-commit writer, one durable commit per group");
    println!("| engine | writers | events/s | commits | events per commit | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for writers in LEVELS {
        let rows = [
            engines::measure(
                "redb (Immediate = fdatasync)",
                engines::Redb::open(&fresh(dir, "redb", writers)?)?,
                writers,
                duration,
            )
            .await?,
            engines::measure(
                "fjall (SyncAll = fsync)",
                engines::Fjall::open(&fresh(dir, "fjall-syncall", writers)?, PersistMode::SyncAll)?,
                writers,
                duration,
            )
            .await?,
            engines::measure(
                "fjall (SyncData = fdatasync)",
                engines::Fjall::open(
                    &fresh(dir, "fjall-syncdata", writers)?,
                    PersistMode::SyncData,
                )?,
                writers,
                duration,
            )
            .await?,
        ];
        for row in rows {
            println!(
                "| {} | {} | {:.0} | {} | {:.1} | {:.2} |",
                row.engine,
                row.writers,
                row.run.events_per_second(),
                row.commits,
                row.run.events as f64 / row.commits.max(1) as f64,
                row.run.latency_percentile(99.0).as_secs_f64() * 1e3,
            );
        }
    }
    Ok(())
}

fn fresh(dir: &std::path::Path, engine: &str, writers: usize) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!("{engine}-{writers}"));
    std::fs::create_dir_all(&path)?;
    Ok(path)
}
