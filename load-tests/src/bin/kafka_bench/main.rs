//! P4 and P7: the Kafka bus against raw rdkafka on the same Apache Kafka
//! broker, in one run. The broker is started here (`golmok_testkit::Kafka`
//! from the jars in `GOLMOK_KAFKA_LIBS`, storage in a temporary directory).
//!
//! - P4: N events are appended to an `EmbeddedStore` first; then the `Relay`
//!   publishes them all (timed until `RelayHandle::wait_for(last)`), and a raw
//!   `FutureProducer` with the relay's settings (idempotent, `acks=all`,
//!   `linger.ms=5`, up to 10,000 sends in flight) writes the same records
//!   (key, payload, headers, timestamp) to another topic, once before and once
//!   after the relay; the baseline is the mean of those two.
//! - P7: events are appended at a steady rate to a relayed log and a kernel
//!   `Consumer` over `KafkaSource` records when its handler sees each one
//!   (committed → handler; also → relay acknowledged and → batch durable),
//!   against a raw producer sending the same records at the same rate and a
//!   plain `StreamConsumer` in a group (send call → `recv()`; also → ack).
//!
//! `cargo run --release -p load-tests --bin kafka_bench`

mod latency;
mod throughput;
mod wire;

use std::time::Duration;

use anyhow::{bail, ensure};
use chrono::Utc;
use clap::Parser;
use golmok_kafka::{KafkaSettings, TopicSpec, migrate};
use golmok_testkit::Kafka;

use crate::latency::latency;
use crate::throughput::throughput;

#[derive(Parser)]
#[command(
    about = "Kafka bus benchmark: relay throughput and end-to-end latency (PERFORMANCE.md P4, P7)"
)]
struct Args {
    /// Events pre-appended and relayed for P4.
    #[arg(long, default_value_t = 50_000)]
    events: usize,
    /// Streams those events are spread over (the Kafka keys).
    #[arg(long, default_value_t = 1_000)]
    streams: usize,
    /// Partitions of every topic.
    #[arg(long, default_value_t = 3)]
    partitions: i32,
    /// Events per second appended (or produced) during the P7 latency runs.
    #[arg(long, default_value_t = 200)]
    rate: u64,
    /// Seconds each P7 latency run lasts.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// `fetch.wait.max.ms` for both P7 consumers (librdkafka's default, 500,
    /// when absent).
    #[arg(long)]
    fetch_wait_ms: Option<u64>,
}

/// The relay's own settings (`golmok-kafka/src/relay.rs`), for the raw baseline.
const PRODUCER: [(&str, &str); 3] = [
    ("enable.idempotence", "true"),
    ("acks", "all"),
    ("linger.ms", "5"),
];
/// The relay's window of unacknowledged sends.
const MAX_IN_FLIGHT: usize = 10_000;
const WAIT: Duration = Duration::from_secs(300);
/// Events sent before a latency run, until the consumer has its partitions.
const WARM_UP: usize = 20;
const THROUGHPUT_SERVICE: &str = "benchrelay";
const LATENCY_SERVICE: &str = "benchlatency";
const RAW_THROUGHPUT_TOPIC: &str = "bench.raw.throughput.v1";
const RAW_LATENCY_TOPIC: &str = "bench.raw.latency.v1";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The relay's and the source's warnings, as JSON lines on stdout, when asked for.
    if std::env::var_os("GOLMOK_LOG").is_some() {
        golmok_runtime::init_telemetry();
    }
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    // Returning (rather than dying on the signal) drops the broker, which kills it.
    tokio::select! {
        outcome = run(args) => outcome,
        _ = tokio::signal::ctrl_c() => bail!("interrupted"),
        _ = terminate.recv() => bail!("terminated"),
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    ensure!(
        args.events > 0 && args.streams > 0 && args.rate > 0,
        "--events, --streams and --rate must be positive"
    );
    let dir = tempfile::tempdir()?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "kafka_bench: a fresh Apache Kafka broker on loopback per part, {} partitions per topic; \
         machine: {} cores, load average {} at start, {}",
        args.partitions,
        std::thread::available_parallelism().map_or(0, usize::from),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
    );

    // Each part gets a fresh broker, so P7 does not run beside P4's records.
    let (broker, settings) = start_broker(&args, THROUGHPUT_SERVICE, RAW_THROUGHPUT_TOPIC).await?;
    let p4 = throughput(&settings, dir.path(), &args).await?;
    drop(broker);
    println!(
        "P4: {} events over {} streams, payload {:.0} bytes on average (JSON), 12 headers; \
         pre-appended at {:.0} events/s",
        args.events, args.streams, p4.payload_bytes, p4.append_rate
    );
    let (broker, settings) = start_broker(&args, LATENCY_SERVICE, RAW_LATENCY_TOPIC).await?;
    let p7 = latency(&settings, dir.path(), &args).await?;
    drop(broker);
    println!(
        "P7: {} events/s for {} s per path after {WARM_UP} warm-up events, fetch.wait.max.ms {}; \
         latency from the append's acknowledgement (Golmok) or the send call (raw) to the \
         handler (Golmok) or recv() (raw)",
        args.rate,
        args.seconds,
        args.fetch_wait_ms
            .map_or_else(|| "500 (default)".to_owned(), |w| w.to_string()),
    );

    let raw_rate = (p4.raw_rates.0 + p4.raw_rates.1) / 2.0;
    println!();
    println!("| measure | Golmok | raw rdkafka, same broker (baseline) | ratio | goal |");
    println!("|---|---:|---:|---|---|");
    println!(
        "| P4 relay throughput, messages/s | {:.0} | {:.0} (before {:.0}, after {:.0}) | {:.2}× | ≥ 0.5× |",
        p4.relay_rate,
        raw_rate,
        p4.raw_rates.0,
        p4.raw_rates.1,
        p4.relay_rate / raw_rate
    );
    let (golmok, raw) = (&p7.golmok, &p7.raw);
    println!(
        "| P7 committed → received, p50 ms | {:.1} | {:.1} | {:.2}× | |",
        golmok.received.p50,
        raw.received.p50,
        golmok.received.p50 / raw.received.p50
    );
    println!(
        "| P7 committed → received, p99 ms | {:.1} | {:.1} | {:.2}× | ≤ 3× |",
        golmok.received.p99,
        raw.received.p99,
        golmok.received.p99 / raw.received.p99
    );
    println!(
        "| P7 committed → received, max ms (events) | {:.1} ({}) | {:.1} ({}) | | |",
        golmok.received.max, golmok.received.count, raw.received.max, raw.received.count
    );
    println!(
        "| part: committed → broker acknowledged (relay checkpoint / raw ack), p50 / p99 ms | {:.1} / {:.1} | {:.1} / {:.1} | | |",
        golmok.published.p50, golmok.published.p99, raw.acknowledged.p50, raw.acknowledged.p99
    );
    println!(
        "| after: committed → consumer batch written (effects + inbox durable; offset commit sent), p50 / p99 ms | {:.1} / {:.1} | — | | |",
        golmok.durable.p50, golmok.durable.p99
    );
    Ok(())
}

/// A fresh broker with the events topic of `service` and the raw topic.
async fn start_broker(
    args: &Args,
    service: &str,
    raw: &str,
) -> anyhow::Result<(Kafka, KafkaSettings)> {
    let broker = tokio::task::spawn_blocking(Kafka::start).await?;
    let mut settings = KafkaSettings::new(broker.bootstrap_servers());
    if let Some(wait) = args.fetch_wait_ms {
        settings
            .properties
            .insert("fetch.wait.max.ms".to_owned(), wait.to_string());
    }
    let raw = TopicSpec {
        name: raw.to_owned(),
        partitions: args.partitions,
        replication: 1,
        retention: None,
    };
    migrate(
        &settings,
        &[TopicSpec::events(service, args.partitions, None), raw],
    )
    .await?;
    Ok((broker, settings))
}
