//! Issue 12: what OpenTelemetry tracing costs. The same write through the
//! gateway (`createProduct`: gateway → storefront → command → append →
//! projections and the other services' consumers) is driven against a real
//! `golmok up` with the exporter off (the baseline, the default), on with
//! every trace recorded and exported to an OTLP/HTTP receiver in this
//! process, and on with `sampling_ratio = 0` (spans made, none exported).
//! Rounds alternate the modes, each on a fresh data directory, so drift
//! hits them alike. Run in release mode:
//!
//! `cargo build --release -p golmok -p load-tests && target/release/trace_bench`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::ensure;
use clap::Parser;
use golmok_testkit::otlp::OtlpReceiver;
use load_tests::{GolmokUp, Percentiles, business_number, golmok_token, graphql};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Tracing cost: exporter off vs on (issue 12)")]
struct Args {
    /// Seconds each mode is driven per round.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Rounds; each runs every mode once.
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// The `golmok` binary; by default the one beside this bench.
    #[arg(long)]
    golmok: Option<PathBuf>,
}

const REGISTER: &str = "mutation($input: RegisterMerchantInput!) {
  registerMerchant(input: $input) { merchant { id } userErrors { code } } }";
const CREATE: &str = "mutation($m: ID!, $n: String!) {
  createProduct(input: {merchantId: $m, name: $n, price: 3500, stock: 10}) { product { id } userErrors { code } } }";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Off,
    Exported,
    SampledOut,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Off, Mode::Exported, Mode::SampledOut];

    fn label(self) -> &'static str {
        match self {
            Mode::Off => "exporter off (baseline)",
            Mode::Exported => "on, every trace exported",
            Mode::SampledOut => "on, sampling_ratio 0",
        }
    }

    fn env(self, receiver: &OtlpReceiver) -> Vec<(&'static str, String)> {
        let on = || {
            (
                "GOLMOK__TELEMETRY__OTLP_ENDPOINT",
                receiver.endpoint.clone(),
            )
        };
        match self {
            Mode::Off => vec![],
            Mode::Exported => vec![on()],
            Mode::SampledOut => vec![on(), ("GOLMOK__TELEMETRY__SAMPLING_RATIO", "0".into())],
        }
    }
}

#[derive(Default)]
struct Measured {
    writes: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let golmok = match &args.golmok {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("golmok"),
    };
    let receiver = OtlpReceiver::start().await;
    let mut totals: Vec<Measured> = Mode::ALL.iter().map(|_| Measured::default()).collect();
    for round in 1..=args.rounds {
        for (index, mode) in Mode::ALL.into_iter().enumerate() {
            let spans_before = receiver.spans().len();
            let measured = drive(&golmok, &receiver, mode, &args).await?;
            let exported = receiver.spans().len() - spans_before;
            if mode == Mode::Exported {
                // A full exporter queue drops spans rather than hold requests up.
                ensure!(exported > 0, "{} exported no span", mode.label());
            } else {
                ensure!(exported == 0, "{} exported {exported} spans", mode.label());
            }
            println!(
                "round {round}, {}: {} writes in {:.1} s, {exported} spans exported",
                mode.label(),
                measured.writes,
                measured.elapsed.as_secs_f64()
            );
            let total = &mut totals[index];
            total.writes += measured.writes;
            total.elapsed += measured.elapsed;
            total.latencies.extend(measured.latencies);
        }
    }
    println!(
        "\nTracing cost: createProduct through the gateway of `golmok up` ({} clients, {} rounds of {} s)",
        args.clients, args.rounds, args.seconds
    );
    println!("| mode | writes/s | ÷ off | p50 ms | p99 ms | p99 ÷ off |");
    println!("|---|---:|---:|---:|---:|---:|");
    let rate = |m: &Measured| m.writes as f64 / m.elapsed.as_secs_f64();
    let baseline_rate = rate(&totals[0]);
    let baseline = Percentiles::of(totals[0].latencies.clone());
    for (mode, total) in Mode::ALL.into_iter().zip(totals) {
        let rate = rate(&total);
        let latency = Percentiles::of(total.latencies);
        println!(
            "| {} | {rate:.0} | {:.3} | {:.2} | {:.2} | {:.3} |",
            mode.label(),
            rate / baseline_rate,
            latency.p50,
            latency.p99,
            latency.p99 / baseline.p99
        );
    }
    Ok(())
}

/// One round of one mode: a fresh `golmok up`, a merchant, then every
/// client creating products for `seconds`.
async fn drive(
    golmok: &Path,
    receiver: &OtlpReceiver,
    mode: Mode,
    args: &Args,
) -> anyhow::Result<Measured> {
    let data = tempfile::tempdir()?;
    let suite = Suite::start(golmok, data.path(), &mode.env(receiver))?;
    let client = reqwest::Client::new();
    // One merchant (one shop stream) per client: no write waits on another's.
    let mut merchants = Vec::new();
    for worker in 0..args.clients {
        let token = merchant_token(golmok, data.path())?;
        let input = json!({"input": {
            "businessNumber": business_number(worker), "name": "망원 빵집", "kind": "RETAILER",
            "category": "bakery", "district": "망원동", "foundedOn": "1990-03-01", "revenueTier": "MICRO"
        }});
        let registered = graphql(&client, &suite.up.base, &token, REGISTER, input).await?;
        let merchant = registered["registerMerchant"]["merchant"]["id"].clone();
        ensure!(
            merchant.is_string(),
            "the merchant is registered: {registered}"
        );
        // Warm up: connections, caches, the exporter's first batch.
        for n in 0..5 {
            create(&client, &suite.up.base, &token, &merchant, n).await?;
        }
        merchants.push((token, merchant));
    }
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let workers: Vec<_> = merchants
        .into_iter()
        .map(|(token, merchant)| {
            let (client, base) = (client.clone(), suite.up.base.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 1_000;
                while Instant::now() < until {
                    let sent = Instant::now();
                    create(&client, &base, &token, &merchant, n).await?;
                    latencies.push(sent.elapsed());
                    n += 1;
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    let mut measured = Measured::default();
    for worker in workers {
        measured.latencies.extend(worker.await??);
    }
    measured.elapsed = started.elapsed();
    measured.writes = measured.latencies.len();
    suite.stop()?;
    Ok(measured)
}

async fn create(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    merchant: &Value,
    n: usize,
) -> anyhow::Result<()> {
    let data = graphql(
        client,
        base,
        token,
        CREATE,
        json!({"m": merchant, "n": format!("소금빵 {n}")}),
    )
    .await?;
    ensure!(
        data["createProduct"]["userErrors"] == json!([]),
        "createProduct: {data}"
    );
    Ok(())
}

fn merchant_token(golmok: &Path, data_dir: &Path) -> anyhow::Result<String> {
    golmok_token(golmok, data_dir, &["--role", "merchant"])
}

/// The `golmok up` under test; stopped when dropped.
struct Suite {
    up: GolmokUp,
}

impl Suite {
    fn start(
        golmok: &Path,
        data_dir: &Path,
        env: &[(&'static str, String)],
    ) -> anyhow::Result<Suite> {
        let up = GolmokUp::start(golmok, &[], data_dir, env)?;
        Ok(Suite { up })
    }

    /// SIGTERM, and wait for the exit (the exporter sends what is left).
    fn stop(self) -> anyhow::Result<()> {
        self.up.stop(Duration::from_secs(30))
    }
}
