//! P7 and P9 for the promotion feed (issue 10): a promotion published → a
//! partner's subscription receives it, p50/p99 with 1, 100 and 10,000 open
//! subscriptions (GraphQL over SSE) to a real `golmok up --bus kafka`, against
//! raw Kafka produce → consume in the same run; and the resident memory of that
//! `golmok up` while it holds them.
//!
//! The bench plays creator-media's relay: it produces creator-media's events (a
//! tie-in, then promotions; positions 1, 2, … keyed by stream over the topic's
//! twelve partitions) to `golmok.creator-media.events.v1` exactly as the relay
//! does after an append (`golmok_kafka::cloudevents::encode`). The process's own
//! creator-media log stays empty, so its relay publishes nothing. Latency runs
//! from the produce call to the subscriber reading the item's `event: next`:
//! Kafka, the gateway's feed consumer and watermark, its store, the broadcast
//! and the SSE stream. The raw baseline, measured in every round while that
//! round's subscriptions are open, sends the same number of records at the
//! same pace from a producer to a plain consumer on the same broker (assigned
//! its partitions at their end offsets before the first send).
//!
//! Where the time goes: the mean time the gateway held a consumer batch,
//! from its arrival from Kafka to its items' broadcast (its durable write
//! included; `golmok_gateway_feed_release_seconds`), the part of it that
//! was the batch's atomic write (`golmok_gateway_feed_write_seconds`) and
//! the mean rendering of an item (`golmok_gateway_feed_render_seconds`),
//! per round; the rest of the latency is Kafka's (about the raw figure) and
//! the fan-out's (the SSE writes, this bench's reading). A gateway without
//! the last two metrics shows 0 for them.
//!
//! Every delivery is checked: each subscription opens after the last
//! position published so far and must get every later position, in order,
//! once (`after + 1`, `after + 2`, …; the bench publishes nothing else), and
//! every title must reach every subscription exactly once.
//!
//! The CPU time `golmok up` spends from a round's first promotion to its
//! last delivery (`/proc/<pid>/stat`, all its threads, background work
//! included) is printed per delivery: the fan-out's cost once deliveries
//! dominate.
//!
//! A second baseline, the floor, is measured in every round too: a plain
//! fan-out process (`fanout.rs`) that consumes a topic and writes each record
//! to as many SSE connections as the round has subscriptions, with none of
//! the feed's work. Its p99 is what one connection per subscription costs on
//! this machine before any GraphQL, filtering or durable write.
//!
//! `cargo build --release -p golmok -p load-tests && target/release/feed_bench`
//! (needs `GOLMOK_KAFKA_LIBS`; opens one connection per subscription, so
//! 10,000 subscriptions need `ulimit -n` above 10,100 for this process, for
//! `golmok` and for the floor's two processes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::Utc;
use clap::Parser;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use golmok_contracts::creator_media::{feed_cursor, parse_feed_cursor};
use golmok_kafka::cloudevents::encode;
use golmok_kafka::{KafkaSettings, TopicSpec, events_topic, migrate};
use golmok_kernel::{Envelope, RecordedEvent};
use golmok_testkit::Kafka;
use load_tests::{GolmokUp, Percentiles};
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer as _, StreamConsumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

mod fanout;

#[derive(Parser)]
struct Args {
    /// Open subscriptions in each round (cumulative).
    #[arg(long, value_delimiter = ',', default_value = "1,100,10000")]
    subscriptions: Vec<usize>,
    /// Promotions published per round: each subscription's p99 is taken
    /// over this many deliveries (with 20 it was the largest but one).
    #[arg(long, default_value_t = 200)]
    promotions: usize,
    /// Pause between two promotions, in milliseconds.
    #[arg(long, default_value_t = 250)]
    period_ms: u64,
    /// The `golmok` binary; by default the one beside this bench.
    #[arg(long)]
    golmok: Option<PathBuf>,
    /// The bench's own helper processes; it starts them itself.
    #[command(subcommand)]
    role: Option<Role>,
}

/// The processes of the floor (see `fanout`), each a run of this binary.
#[derive(clap::Subcommand)]
enum Role {
    /// The plain fan-out server on these brokers.
    #[command(hide = true)]
    FanoutServer { brokers: String },
    /// Its clients: prints the latencies of `promotions` records to
    /// `connections` connections and the server's CPU time meanwhile.
    #[command(hide = true)]
    FloorClient {
        brokers: String,
        url: String,
        server_pid: u32,
        connections: usize,
        promotions: usize,
        period_ms: u64,
    },
}

const CREATOR_MEDIA: &str = "creator-media";
/// The tie-in's position in creator-media's log; the promotions follow it.
const TIE_IN: u64 = 1;
const RAW_TOPIC: &str = "feed-bench-raw";
/// The plain fan-out's topic (see `fanout`).
const FANOUT_TOPIC: &str = "feed-bench-fanout";
const WAIT: Duration = Duration::from_secs(120);
/// Longest wait for `golmok up` to exit after SIGTERM.
const STOP: Duration = Duration::from_secs(30);
/// Longest wait for one raw Kafka request (metadata, offsets, a send).
const RAW_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.role {
        Some(Role::FanoutServer { brokers }) => return fanout::serve(brokers).await,
        Some(Role::FloorClient {
            brokers,
            url,
            server_pid,
            connections,
            promotions,
            period_ms,
        }) => {
            let producer = producer(&brokers)?;
            let client = reqwest::Client::new();
            let floor = fanout::Floor {
                url,
                server_pid,
                connections,
            };
            return floor
                .measure(&client, &producer, promotions, period_ms)
                .await;
        }
        None => {}
    }
    let golmok = match &args.golmok {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("golmok"),
    };
    eprintln!("starting Apache Kafka");
    let broker = tokio::task::spawn_blocking(Kafka::start).await?;
    let kafka = KafkaSettings::new(broker.bootstrap_servers());
    migrate(
        &kafka,
        &[
            TopicSpec::events(CREATOR_MEDIA, 12, None),
            TopicSpec::events(RAW_TOPIC, 12, None),
            TopicSpec::events(FANOUT_TOPIC, 12, None),
        ],
    )
    .await?;
    let data = tempfile::tempdir()?;
    let suite = Suite::start(&golmok, data.path(), &kafka.bootstrap_servers)?;
    let token = partner_token(&golmok, data.path())?;
    let plain = fanout::FanOut::start(&kafka.bootstrap_servers)?;
    let producer = producer(&kafka.bootstrap_servers)?;
    let mut relay = Relayed {
        producer: producer.clone(),
        position: 0,
    };
    let tie_in = Uuid::now_v7();
    relay.tie_in(tie_in).await?;
    relay.promotion("first").await?;
    let client = reqwest::Client::builder().build()?;
    // The feed's consumer joins its group and reads the tie-in first.
    let url = format!("{}/graphql", suite.up.base);
    let deadline = Instant::now() + WAIT;
    while first_title(&client, &url, &token, tie_in).await?.as_deref() != Some("first") {
        ensure!(
            Instant::now() < deadline,
            "the feed never served the tie-in"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let (receipts, arrivals) = mpsc::unbounded_channel();
    let mut arrivals = Arrivals::new(arrivals);
    let mut open = Vec::new();
    let mut rows = Vec::new();
    for (round, target) in args.subscriptions.iter().copied().enumerate() {
        eprintln!("opening subscriptions up to {target}");
        let mut opening = FuturesUnordered::new();
        for _ in open.len()..target {
            let url = format!("{}/graphql", suite.up.base);
            opening.push(subscribe(
                client.clone(),
                url,
                token.clone(),
                tie_in,
                relay.position,
                receipts.clone(),
            ));
            if opening.len() >= 256 {
                open.push(opening.next().await.context("opening")??);
            }
        }
        while let Some(opened) = opening.next().await {
            open.push(opened?);
        }
        // Every subscription is live once each has the warm-up item.
        let warm_up = format!("warm-up {round}");
        relay.promotion(&warm_up).await?;
        arrivals.wait(&warm_up, target).await?;

        eprintln!("round of {target}: {} promotions", args.promotions);
        let cpu_before = suite.cpu()?;
        let timed_before = suite.timed(&client).await?;
        let mut sent = Vec::new();
        for n in 0..args.promotions {
            let title = format!("promotion {round}-{n}");
            let at = relay.promotion(&title).await?;
            sent.push((title, at));
            tokio::time::sleep(Duration::from_millis(args.period_ms)).await;
        }
        let mut latencies = Vec::new();
        for (title, at) in &sent {
            let received = arrivals.wait(title, target).await?;
            latencies.extend(received.iter().map(|r| r.saturating_duration_since(*at)));
        }
        let cpu = suite.cpu()?.saturating_sub(cpu_before);
        let timed = suite.timed(&client).await?.since(&timed_before);
        let resident = suite.resident()?;
        // The baseline under the same load: these subscriptions still open.
        eprintln!("round of {target}: raw produce → consume");
        let raw = raw_latency(&kafka, &producer, args.promotions, args.period_ms).await?;
        eprintln!("round of {target}: plain fan-out to {target} connections");
        let (floor, floor_cpu) = plain
            .floor(
                &kafka.bootstrap_servers,
                target,
                args.promotions,
                args.period_ms,
            )
            .await?;
        let row = Row {
            subscriptions: target,
            feed: Percentiles::of(latencies),
            raw,
            floor,
            floor_cpu,
            resident,
            cpu,
            timed,
        };
        eprintln!(
            "{target} subscriptions: p50 {:.2} ms, p99 {:.2} ms (raw p99 {:.2} ms, plain fan-out p99 {:.2} ms), RSS {} MiB",
            row.feed.p50,
            row.feed.p99,
            row.raw.p99,
            row.floor.p99,
            row.resident.0 / 1_048_576
        );
        rows.push(row);
    }
    // The subscribers hang up first: a server that is still streaming to
    // them would wait for them on SIGTERM.
    for subscription in &open {
        subscription.abort();
    }
    suite.stop()?;
    drop(plain);

    println!(
        "\nP7 promotion published → subscriber receives (GraphQL over SSE, golmok up --bus kafka)"
    );
    println!(
        "raw Kafka produce → consume measured in each round, subscriptions open, {} records\n",
        args.promotions
    );
    println!(
        "| subscriptions | deliveries | p50 ms | p99 ms | max ms | raw p50 ms | raw p99 ms | p99 ÷ raw p99 | batch held ms (mean) | of it written ms (mean) | render ms (mean) | golmok up RSS MiB (peak) | golmok up CPU ms | CPU µs per delivery |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut floors = String::new();
    for row in &rows {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} ({:.0}) | {:.0} | {:.1} |",
            row.subscriptions,
            row.feed.count,
            row.feed.p50,
            row.feed.p99,
            row.feed.max,
            row.raw.p50,
            row.raw.p99,
            row.feed.p99 / row.raw.p99,
            row.timed.held * 1e3,
            row.timed.written * 1e3,
            row.timed.rendered * 1e3,
            row.resident.0 as f64 / 1_048_576.0,
            row.resident.1 as f64 / 1_048_576.0,
            row.cpu.as_secs_f64() * 1e3,
            row.cpu.as_secs_f64() * 1e6 / row.feed.count.max(1) as f64,
        );
        floors.push_str(&format!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |\n",
            row.subscriptions,
            row.floor.count,
            row.floor.p50,
            row.floor.p99,
            row.floor.p99 / row.raw.p99,
            row.feed.p99 / row.floor.p99,
            row.floor_cpu.as_secs_f64() * 1e6 / row.floor.count.max(1) as f64,
        ));
    }
    println!(
        "\nThe floor: a plain fan-out process (Kafka consumer → one shared SSE frame → every connection; no GraphQL, no filter, no durable write), same records, same pace, as many connections as subscriptions\n"
    );
    println!(
        "| connections | deliveries | plain p50 ms | plain p99 ms | plain p99 ÷ raw p99 | feed p99 ÷ plain p99 | plain CPU µs per delivery |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    print!("{floors}");
    println!("\nP7 goal: p99 ≤ 3 × raw p99. P9 goal: RSS ≤ 500 MiB with 10,000 subscriptions.");
    Ok(())
}

/// The `golmok up --bus kafka` under test.
struct Suite {
    up: GolmokUp,
}

impl Suite {
    fn start(golmok: &Path, data_dir: &Path, brokers: &str) -> anyhow::Result<Suite> {
        let up = GolmokUp::start(
            golmok,
            &["--bus", "kafka", "--brokers", brokers],
            data_dir,
            &[],
        )?;
        Ok(Suite { up })
    }

    /// The gateway's timings so far, each as (seconds in all, how many).
    async fn timed(&self, client: &reqwest::Client) -> anyhow::Result<Timings<(f64, f64)>> {
        let text = client
            .get(format!("{}/metrics", self.up.base))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        let total = |metric: &str, suffix: &str| -> f64 {
            let name = format!("golmok_gateway_feed_{metric}_seconds_{suffix}");
            text.lines()
                .filter(|line| line.starts_with(&name))
                .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
                .sum()
        };
        let timing = |metric: &str| (total(metric, "sum"), total(metric, "count"));
        Ok(Timings {
            held: timing("release"),
            written: timing("write"),
            rendered: timing("render"),
        })
    }

    fn resident(&self) -> anyhow::Result<(u64, u64)> {
        resident_of(self.up.pid())
    }

    fn cpu(&self) -> anyhow::Result<Duration> {
        cpu_of(self.up.pid())
    }

    fn stop(self) -> anyhow::Result<()> {
        self.up.stop(STOP)
    }
}

/// (VmRSS, VmHWM) of process `pid` in bytes.
fn resident_of(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| kib * 1024)
            .context("a memory figure")
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// The CPU time (user and system, all threads) process `pid` has used.
fn cpu_of(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses: state is
    // field 3, utime 14 and stime 15.
    let after = stat.rsplit_once(')').context("a stat line")?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |n: usize| -> anyhow::Result<u64> {
        Ok(fields.get(n - 3).context("a stat field")?.parse()?)
    };
    let per_second = clock_ticks()?;
    Ok(Duration::from_secs_f64(
        (ticks(14)? + ticks(15)?) as f64 / per_second as f64,
    ))
}

fn partner_token(golmok: &Path, data_dir: &Path) -> anyhow::Result<String> {
    let output = Command::new(golmok)
        .args([
            "token",
            "--role",
            "partner",
            "--subject",
            "mama",
            "--data-dir",
        ])
        .arg(data_dir)
        .output()?;
    ensure!(output.status.success(), "golmok token failed");
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// Produces creator-media's events as its relay would, positions 1, 2, ….
struct Relayed {
    producer: FutureProducer,
    position: u64,
}

impl Relayed {
    async fn tie_in(&mut self, id: Uuid) -> anyhow::Result<Instant> {
        let now = Utc::now();
        let data = json!({
            "tieInId": id, "name": "MAMA 2026", "partner": "mama",
            "starts": now - chrono::Duration::days(10), "ends": now + chrono::Duration::days(10),
            "tags": ["kpop"], "categories": [], "regions": [], "at": now,
        });
        self.produce(&format!("tie-in-{id}"), "TieInCreated", data)
            .await
    }

    /// Publishes a promotion titled `title`; returns when it was sent.
    async fn promotion(&mut self, title: &str) -> anyhow::Result<Instant> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        let data = json!({
            "promotionId": id, "merchantId": Uuid::now_v7(), "title": title,
            "products": [Uuid::now_v7()], "offer": {"kind": "percentOff", "bps": 1000},
            "starts": now - chrono::Duration::days(1), "ends": now + chrono::Duration::days(3),
            "tags": ["kpop"], "categories": ["food"], "region": "seoul-mapo", "at": now,
        });
        self.produce(&format!("promotion-{id}"), "PromotionPublished", data)
            .await
    }

    async fn produce(&mut self, stream: &str, name: &str, data: Value) -> anyhow::Result<Instant> {
        self.position += 1;
        let id = Uuid::now_v7();
        let event = RecordedEvent {
            position: self.position,
            envelope: Envelope {
                id,
                source: "/golmok/creator-media".to_owned(),
                event_type: format!("kr.golmok.creator-media.{name}.v1"),
                subject: stream.to_owned(),
                time: Utc::now(),
                stream_version: 1,
                correlation_id: id,
                causation_id: id,
                traceparent: None,
                data,
            },
        };
        let encoded = encode(&event);
        let topic = events_topic(CREATOR_MEDIA);
        let record = FutureRecord::to(&topic)
            .key(&encoded.key)
            .payload(&encoded.payload)
            .headers(encoded.headers);
        let sent = Instant::now();
        self.producer
            .send(record, Duration::from_secs(10))
            .await
            .map_err(|(error, _)| error)?;
        Ok(sent)
    }
}

/// The title of the first item a subscription from the start gets; `None`
/// when it is refused (the feed does not know the tie-in yet).
async fn first_title(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    tie_in: Uuid,
) -> anyhow::Result<Option<String>> {
    let (send, mut receive) = mpsc::unbounded_channel();
    let subscription = subscribe(
        client.clone(),
        url.to_owned(),
        token.to_owned(),
        tie_in,
        TIE_IN,
        send,
    )
    .await?;
    let first = tokio::time::timeout(Duration::from_secs(2), receive.recv())
        .await
        .ok()
        .flatten()
        .and_then(Result::ok)
        .map(|(title, _)| title);
    subscription.abort();
    Ok(first)
}

/// One subscription over SSE after position `after`: reports each item's
/// title as it arrives, or that an item came out of order, twice or after a
/// gap (every position after the tie-in's is a promotion of the tie-in, so a
/// subscription's items are `after + 1`, `after + 2`, … without a hole).
async fn subscribe(
    client: reqwest::Client,
    url: String,
    token: String,
    tie_in: Uuid,
    after: u64,
    receipts: mpsc::UnboundedSender<Receipt>,
) -> anyhow::Result<JoinHandle<()>> {
    let body = json!({
        "query": "subscription($t: ID!, $a: String) { promotionFeed(tieIn: $t, after: $a) { cursor promotion { title } } }",
        "variables": {"t": tie_in, "a": feed_cursor(after)},
    });
    let mut response = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .bearer_auth(token)
        .body(body.to_string())
        .send()
        .await?;
    ensure!(
        response.status().is_success(),
        "refused: {}",
        response.status()
    );
    Ok(tokio::spawn(async move {
        let mut buffer = String::new();
        let mut last = after;
        while let Ok(Some(chunk)) = response.chunk().await {
            let now = Instant::now();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let event: String = buffer.drain(..end + 2).collect();
                for data in event.lines().filter_map(|line| line.strip_prefix("data: ")) {
                    let Ok(value) = serde_json::from_str::<Value>(data) else {
                        continue;
                    };
                    let item = &value["data"]["promotionFeed"];
                    let Some(title) = item["promotion"]["title"].as_str() else {
                        continue;
                    };
                    let position = item["cursor"].as_str().and_then(parse_feed_cursor);
                    if position != Some(last + 1) {
                        let _ = receipts.send(Err(format!(
                            "{title} came at {position:?} after position {last}: \
                             out of order, twice or after a gap"
                        )));
                        return;
                    }
                    last += 1;
                    let _ = receipts.send(Ok((title.to_owned(), now)));
                }
            }
        }
    }))
}

/// An item's title and when it arrived, or why a subscription's items are wrong.
type Receipt = Result<(String, Instant), String>;

/// When each title reached each subscription.
struct Arrivals {
    receipts: mpsc::UnboundedReceiver<Receipt>,
    by_title: HashMap<String, Vec<Instant>>,
}

impl Arrivals {
    fn new(receipts: mpsc::UnboundedReceiver<Receipt>) -> Self {
        Arrivals {
            receipts,
            by_title: HashMap::new(),
        }
    }

    /// The arrivals of `title` once `count` subscriptions have it.
    async fn wait(&mut self, title: &str, count: usize) -> anyhow::Result<Vec<Instant>> {
        let deadline = Instant::now() + WAIT;
        while self.by_title.get(title).map_or(0, Vec::len) < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.receipts.recv()).await {
                Ok(Some(Ok((received, at)))) => self.by_title.entry(received).or_default().push(at),
                Ok(Some(Err(wrong))) => bail!("a subscription's items are wrong: {wrong}"),
                Ok(None) => bail!("every subscription ended"),
                Err(_) => bail!(
                    "{title}: {} of {count} subscriptions received it",
                    self.by_title.get(title).map_or(0, Vec::len)
                ),
            }
        }
        let arrivals = self.by_title.remove(title).unwrap_or_default();
        ensure!(
            arrivals.len() == count,
            "{title} arrived {} times for {count} subscriptions",
            arrivals.len()
        );
        Ok(arrivals)
    }
}

/// What the gateway reports of where a delivery's time goes: how long a
/// feed held a batch from its arrival from Kafka to its broadcast
/// (`golmok_gateway_feed_release_seconds`), the part of it from the batch's
/// last event handled to durable (`…_write_seconds`: the atomic write and its
/// fsync), and the rendering of an item for an operation and caller
/// (`…_render_seconds`, once per item and key, after the broadcast).
struct Timings<T> {
    held: T,
    written: T,
    rendered: T,
}

impl Timings<(f64, f64)> {
    /// The mean of each over what was reported since `before`, in seconds.
    fn since(&self, before: &Self) -> Timings<f64> {
        let mean = |now: (f64, f64), then: (f64, f64)| (now.0 - then.0) / (now.1 - then.1).max(1.0);
        Timings {
            held: mean(self.held, before.held),
            written: mean(self.written, before.written),
            rendered: mean(self.rendered, before.rendered),
        }
    }
}

struct Row {
    subscriptions: usize,
    feed: Percentiles,
    raw: Percentiles,
    /// The plain fan-out's latency to as many connections, and its CPU time.
    floor: Percentiles,
    floor_cpu: Duration,
    resident: (u64, u64),
    /// `golmok up`'s CPU time from the first promotion to the last delivery.
    cpu: Duration,
    /// Where the round's time went in the gateway, mean seconds.
    timed: Timings<f64>,
}

/// Clock ticks per second (`getconf CLK_TCK`), the unit of `/proc/<pid>/stat`.
fn clock_ticks() -> anyhow::Result<u64> {
    let output = Command::new("getconf").arg("CLK_TCK").output()?;
    ensure!(output.status.success(), "getconf CLK_TCK failed");
    Ok(String::from_utf8(output.stdout)?.trim().parse()?)
}

/// `count` records at the same pace from the producer to a plain consumer:
/// send call → `recv()`.
///
/// The consumer is assigned every partition of the topic at its current end
/// offset (no group, no rebalance) and one warm-up record must come back
/// before the timed ones are sent. A consumer that `subscribe`s in a new
/// group gets its partitions only once the group's join completes, and one
/// assigned at `Offset::End` resolves that offset only when its fetcher
/// starts: records sent before either are never seen or skew the figures.
async fn raw_latency(
    kafka: &KafkaSettings,
    producer: &FutureProducer,
    count: usize,
    period_ms: u64,
) -> anyhow::Result<Percentiles> {
    let topic = events_topic(RAW_TOPIC);
    let consumer = positioned_consumer(kafka, &topic).await?;
    let mut received = HashMap::new();
    let warm_up = format!("warm-up-{}", Uuid::now_v7());
    send_raw(producer, &topic, &warm_up).await?;
    receive_raw(&consumer, &mut received, &[warm_up.as_str()]).await?;

    let keys: Vec<String> = (0..count)
        .map(|n| format!("promotion-{n}-{}", Uuid::now_v7()))
        .collect();
    let wanted: Vec<&str> = keys.iter().map(String::as_str).collect();
    let receiving = receive_raw(&consumer, &mut received, &wanted);
    let sending = async {
        let mut sent = HashMap::new();
        for key in &keys {
            sent.insert(key.clone(), send_raw(producer, &topic, key).await?);
            tokio::time::sleep(Duration::from_millis(period_ms)).await;
        }
        anyhow::Ok(sent)
    };
    let (receiving, sent) = tokio::join!(receiving, sending);
    let sent = sent?;
    receiving?;
    let latencies = sent
        .iter()
        .filter_map(|(key, at)| received.get(key).map(|r| r.saturating_duration_since(*at)))
        .collect();
    Ok(Percentiles::of(latencies))
}

/// A consumer assigned every partition of `topic` at its end offset now.
async fn positioned_consumer(kafka: &KafkaSettings, topic: &str) -> anyhow::Result<StreamConsumer> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &kafka.bootstrap_servers)
        .set("group.id", format!("feed-bench-raw-{}", Uuid::now_v7()))
        .set("enable.auto.commit", "false")
        .create()?;
    let topic = topic.to_owned();
    // Metadata and watermark requests block; each has its own timeout.
    tokio::task::spawn_blocking(move || {
        let metadata = consumer
            .fetch_metadata(Some(&topic), RAW_TIMEOUT)
            .context("the raw topic's metadata")?;
        let partitions: Vec<i32> = metadata
            .topics()
            .iter()
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        ensure!(
            !partitions.is_empty(),
            "the raw topic {topic} has no partitions"
        );
        let mut assignment = TopicPartitionList::new();
        for partition in partitions {
            let (_, end) = consumer
                .fetch_watermarks(&topic, partition, RAW_TIMEOUT)
                .with_context(|| format!("the end offset of {topic}/{partition}"))?;
            assignment.add_partition_offset(&topic, partition, Offset::Offset(end))?;
        }
        consumer.assign(&assignment)?;
        anyhow::Ok(consumer)
    })
    .await?
}

/// The producer of the bench's records: idempotent, acknowledged by all
/// replicas, sent at once.
fn producer(brokers: &str) -> anyhow::Result<FutureProducer> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "0")
        .create()?)
}

/// Sends one raw record keyed `key`; returns when it was sent.
async fn send_raw(producer: &FutureProducer, topic: &str, key: &str) -> anyhow::Result<Instant> {
    let payload = vec![b'x'; 400];
    let record = FutureRecord::to(topic).key(key).payload(&payload);
    let at = Instant::now();
    tokio::time::timeout(RAW_TIMEOUT, producer.send(record, RAW_TIMEOUT))
        .await
        .with_context(|| format!("the broker did not acknowledge raw record {key} in time"))?
        .map_err(|(error, _)| error)?;
    Ok(at)
}

/// Receives until every key of `wanted` has arrived (recording when in
/// `received`), or fails once `WAIT` has passed.
async fn receive_raw(
    consumer: &StreamConsumer,
    received: &mut HashMap<String, Instant>,
    wanted: &[&str],
) -> anyhow::Result<()> {
    use rdkafka::Message as _;
    let deadline = Instant::now() + WAIT;
    while let Some(missing) = wanted.iter().find(|key| !received.contains_key(**key)) {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(message) = tokio::time::timeout(left, consumer.recv()).await else {
            let got = wanted.iter().filter(|k| received.contains_key(**k)).count();
            bail!(
                "raw consumer: {got} of {} records arrived within {WAIT:?} (first missing: {missing})",
                wanted.len()
            );
        };
        let message = message.context("raw consumer")?;
        let at = Instant::now();
        if let Some(key) = message.key() {
            received.insert(String::from_utf8_lossy(key).into_owned(), at);
        }
    }
    Ok(())
}
