//! CQL adapter benchmark: appends/s through `golmok-scylla` (sequencer
//! partition, group commit, one conditional batch per group) with 1, 16 and 64
//! writers, side by side with a raw `scylla`-driver loop of plain INSERTs on
//! the same node in the same run. Each writer appends one event per request to
//! its own stream with an exact expected version.
//!
//! `cargo run --release -p load-tests --bin cql_bench` starts a Cassandra node
//! from `GOLMOK_CASSANDRA_LIBS` (see scripts/cassandra/install), or use
//! `--contact-point host:port` for a running node.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use golmok_kernel::conformance::sample_envelope;
use golmok_kernel::{AppendRequest, EventLog, ExpectedVersion};
use golmok_scylla::{CqlStore, Settings, migrate};
use golmok_testkit::Cassandra;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::Consistency;
use uuid::Uuid;

#[derive(Parser)]
#[command(about = "CQL adapter vs raw driver inserts")]
struct Args {
    /// Seconds each writer level runs, per side.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// A running node; default: start one from GOLMOK_CASSANDRA_LIBS.
    #[arg(long)]
    contact_point: Option<String>,
}

struct Level {
    ops: u64,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

fn level(mut latencies: Vec<Duration>, elapsed: Duration) -> Level {
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Level {
        ops: latencies.len() as u64,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

async fn adapter(store: Arc<CqlStore>, writers: usize, run: Duration) -> anyhow::Result<Level> {
    let started = Instant::now();
    let until = started + run;
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..writers {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            let stream = format!("bench-{writer}-{}", Uuid::now_v7());
            let mut version = 0;
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let begun = Instant::now();
                let appended = store
                    .append(AppendRequest {
                        stream: stream.clone(),
                        expected: ExpectedVersion::from_loaded(version),
                        events: vec![sample_envelope(&stream, "bench")],
                        idempotency: None,
                    })
                    .await?;
                latencies.push(begun.elapsed());
                version = appended.stream_version;
            }
            anyhow::Ok(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined??);
    }
    Ok(level(all, started.elapsed()))
}

async fn raw(
    session: Arc<Session>,
    keyspace: &str,
    writers: usize,
    run: Duration,
) -> anyhow::Result<Level> {
    let mut insert = session
        .prepare(format!(
            "INSERT INTO {keyspace}.raw_events (id, body) VALUES (?, ?)"
        ))
        .await?;
    insert.set_consistency(Consistency::LocalQuorum);
    let body = serde_json::to_vec(&sample_envelope("raw", "bench"))?;
    let started = Instant::now();
    let until = started + run;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers {
        let (session, insert, body) = (Arc::clone(&session), insert.clone(), body.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let begun = Instant::now();
                session
                    .execute_unpaged(&insert, (Uuid::now_v7(), &body))
                    .await?;
                latencies.push(begun.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined??);
    }
    Ok(level(all, started.elapsed()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let node = match &args.contact_point {
        Some(_) => None,
        None => Some(Cassandra::start()),
    };
    let contact_point = match (&args.contact_point, &node) {
        (Some(point), _) => point.clone(),
        (None, Some(node)) => {
            println!(
                "Cassandra startup: {:.1}s",
                node.startup_time().as_secs_f64()
            );
            node.contact_point()
        }
        (None, None) => anyhow::bail!("no node"),
    };
    let keyspace = format!("bench_{}", Uuid::now_v7().simple());
    let settings = Settings::new(vec![contact_point.clone()], &keyspace);
    migrate(&settings).await.context("migrate")?;
    let session = Arc::new(
        SessionBuilder::new()
            .known_node(&contact_point)
            .build()
            .await?,
    );
    session
        .query_unpaged(
            format!(
                "CREATE TABLE IF NOT EXISTS {keyspace}.raw_events (id uuid PRIMARY KEY, body blob)"
            ),
            (),
        )
        .await?;
    let store = CqlStore::open(settings).await.context("open")?;
    let run = Duration::from_secs(args.seconds);
    println!(
        "{:>7} | {:>12} | {:>12} | {:>6} | {:>10} | {:>9} | {:>9} | {:>9} | {:>9}",
        "writers",
        "adapter ev/s",
        "raw ins/s",
        "ratio",
        "ev per LWT",
        "adapt p50",
        "adapt p99",
        "raw p50",
        "raw p99"
    );
    for writers in [1, 16, 64] {
        let stats = store.stats();
        let (events0, lwts0) = (
            stats.events.load(Ordering::Relaxed),
            stats.conditional_writes.load(Ordering::Relaxed),
        );
        let a = adapter(Arc::clone(&store), writers, run).await?;
        let events = stats.events.load(Ordering::Relaxed) - events0;
        let lwts = stats.conditional_writes.load(Ordering::Relaxed) - lwts0;
        let r = raw(Arc::clone(&session), &keyspace, writers, run).await?;
        println!(
            "{:>7} | {:>12.0} | {:>12.0} | {:>5.2}x | {:>10.1} | {:>7.1}ms | {:>7.1}ms | {:>7.1}ms | {:>7.1}ms",
            writers,
            a.per_second,
            r.per_second,
            a.per_second / r.per_second.max(f64::MIN_POSITIVE),
            events as f64 / lwts.max(1) as f64,
            ms(a.p50),
            ms(a.p99),
            ms(r.p50),
            ms(r.p99),
        );
        let _ = (a.ops, r.ops);
    }
    println!(
        "retried conditional batches: {}",
        store.stats().conditional_retries.load(Ordering::Relaxed)
    );
    Ok(())
}
