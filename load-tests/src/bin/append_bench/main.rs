//! P3 benchmark: durable event appends with group commit.
//!
//! Part 1 drives `EmbeddedStore` with 1, 16 and 64 concurrent writers (each
//! its own stream, one event per append with an exact expected version) and
//! prints events/s, commits (= fsyncs), events per fsync and the raw fsync
//! rate of the same disk measured just before, side by side. Part 2 compares
//! redb, redb with the stream index in memory, fjall and an append-only
//! segment log on the same group-commit write path, each row next to the raw
//! fdatasync rate measured right before it. Part 3 times reopening a log of
//! `--recovery-events` events in each engine. Run in release mode:
//!
//! `cargo run --release -p load-tests --bin append_bench`

mod candidates;
mod drive;
mod engines;
mod fsync;
mod indexed;
mod lean;
mod recovery;
mod segment;
mod store;

use std::path::PathBuf;
use std::time::Duration;

use candidates::CANDIDATES;
use clap::{Parser, ValueEnum};
use engines::EngineRow;
use fsync::raw_fsync_rate;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    All,
    Store,
    Engines,
    Recovery,
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
    /// Interleaved slices each engine's level is split into (part 2).
    #[arg(long, default_value_t = 4)]
    rounds: u32,
    /// Events in the log whose reopen part 3 times.
    #[arg(long, default_value_t = 1_000_000)]
    recovery_events: u64,
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
    if matches!(args.part, Part::All | Part::Store) {
        store_part(dir.path(), duration).await?;
    }
    if matches!(args.part, Part::All | Part::Engines) {
        engines_part(dir.path(), duration, args.rounds.max(1)).await?;
    }
    if matches!(args.part, Part::All | Part::Recovery) {
        recovery_part(dir.path(), args.recovery_events)?;
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

/// Each writer level runs every candidate `rounds` times in turn, in slices
/// of `duration / rounds`, each slice right after a raw fdatasync probe of
/// half its length: this disk's fsync rate drifts by ten times within a
/// minute, and interleaving spreads the drift over every candidate alike.
async fn engines_part(
    dir: &std::path::Path,
    duration: Duration,
    rounds: u32,
) -> anyhow::Result<()> {
    let slice = duration / rounds;
    println!(
        "\nEngine comparison: same group-commit writer, one durable commit per group; \
         {rounds} interleaved slices of {:.1} s per engine and level, each after a {:.1} s raw probe \
         (4 KiB overwrite + fdatasync loop in the same directory); raw = mean of an engine's probes; \
         with one append in flight per writer, writers × raw is the disk's bound",
        slice.as_secs_f64(),
        slice.as_secs_f64() / 2.0,
    );
    println!(
        "| engine | writers | events/s | commits/s | events per commit | p50 ms | p99 ms | raw fdatasync/s (min–max) | commits/s ÷ raw | events/s ÷ raw | events/s ÷ (writers × raw) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for writers in LEVELS {
        let mut rows: Vec<Option<EngineRow>> = CANDIDATES.iter().map(|_| None).collect();
        let mut probes: Vec<Vec<f64>> = CANDIDATES.iter().map(|_| Vec::new()).collect();
        for round in 0..rounds {
            for (index, candidate) in CANDIDATES.into_iter().enumerate() {
                let path = fresh(dir, &format!("{}-{round}", candidate.slug()), writers)?;
                probes[index].push(raw_fsync_rate(&path, slice / 2)?);
                let row = candidate.measure(&path, writers, slice).await?;
                std::fs::remove_dir_all(&path)?;
                match &mut rows[index] {
                    Some(total) => total.absorb(row),
                    slot @ None => *slot = Some(row),
                }
            }
        }
        for (row, probes) in rows.into_iter().flatten().zip(probes) {
            let raw = probes.iter().sum::<f64>() / probes.len() as f64;
            let (low, high) = probes.iter().fold((f64::MAX, 0.0_f64), |(low, high), p| {
                (low.min(*p), high.max(*p))
            });
            let rate = row.run.events_per_second();
            let commits = row.commits as f64 / row.run.elapsed.as_secs_f64();
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.1} | {:.2} | {:.2} | {:.0} ({:.0}–{:.0}) | {:.2} | {:.1} | {:.2} |",
                row.engine,
                row.writers,
                rate,
                commits,
                row.run.events as f64 / row.commits.max(1) as f64,
                row.run.latency_percentile(50.0).as_secs_f64() * 1e3,
                row.run.latency_percentile(99.0).as_secs_f64() * 1e3,
                raw,
                low,
                high,
                commits / raw,
                rate / raw,
                rate / (writers as f64 * raw),
            );
        }
    }
    Ok(())
}

fn recovery_part(dir: &std::path::Path, events: u64) -> anyhow::Result<()> {
    println!(
        "\nReopening a log of {events} events (1,000 streams, filled in groups of 1,000), \
         closed cleanly and reopened at once (files in the page cache); \
         redb checks every page as EmbeddedStore does"
    );
    println!(
        "| engine | events | MiB on disk | open ms | index rebuild ms | total ms | events/s recovered |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in recovery::measure_all(dir, events)? {
        println!(
            "| {} | {} | {:.0} | {:.0} | {} | {:.0} | {:.0} |",
            row.engine,
            row.events,
            row.bytes as f64 / f64::from(1 << 20),
            row.open.as_secs_f64() * 1e3,
            row.rebuild.map_or_else(
                || "—".to_owned(),
                |took| format!("{:.0}", took.as_secs_f64() * 1e3)
            ),
            row.total().as_secs_f64() * 1e3,
            row.events as f64 / row.total().as_secs_f64(),
        );
    }
    Ok(())
}

fn fresh(dir: &std::path::Path, engine: &str, writers: usize) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!("{engine}-{writers}"));
    std::fs::create_dir_all(&path)?;
    Ok(path)
}
