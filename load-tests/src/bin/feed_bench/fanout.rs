//! The floor under P7 with many subscriptions: a plain fan-out in its own
//! process, with none of the feed's work. It reads a topic from its end
//! with a plain consumer (as the raw baseline does) and writes each
//! record's key, as one shared SSE frame, to every open `GET /sse`
//! connection: no GraphQL, no filter, no rendering per caller, no durable
//! write, `TCP_NODELAY` on as in `golmok_runtime::serve`. What it takes from
//! produce to the last of N connections is what any server holding one
//! connection per subscription pays on this machine: Kafka, one write per
//! connection, and the reading of N connections by this bench.
//!
//! Two processes of this binary, each holding one side of the connections
//! (the bench itself holds the feed's): the server, `feed_bench
//! fanout-server <brokers>`, prints `listening <address>` once its consumer
//! is positioned; for each round a client, `feed_bench floor-client …`, opens
//! the connections, sends the records and prints what it measured.

use std::convert::Infallible;
use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use golmok_kafka::{KafkaSettings, events_topic};
use load_tests::Percentiles;
use rdkafka::Message as _;
use rdkafka::producer::FutureProducer;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::{Arrivals, FANOUT_TOPIC, Receipt, cpu_of, positioned_consumer, send_raw};

/// Frames kept for a connection that falls behind; one that falls further
/// ends its stream (the bench then reports the missing deliveries).
const BACKLOG: usize = 4096;

/// The server's side: consume, broadcast, stream. Never returns on success.
pub async fn serve(brokers: String) -> anyhow::Result<()> {
    let kafka = KafkaSettings::new(brokers);
    let consumer = positioned_consumer(&kafka, &events_topic(FANOUT_TOPIC)).await?;
    let (frames, _) = broadcast::channel::<Bytes>(BACKLOG);
    let app = Router::new()
        .route("/sse", get(stream))
        .with_state(frames.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("listening {address}");
    loop {
        let message = consumer.recv().await.context("fan-out consumer")?;
        if let Some(key) = message.key() {
            let frame = format!("data: {}\n\n", String::from_utf8_lossy(key));
            // No receiver yet is not an error: nothing to deliver.
            let _ = frames.send(Bytes::from(frame));
        }
    }
}

/// One connection's stream: every frame broadcast after it subscribed.
async fn stream(State(frames): State<broadcast::Sender<Bytes>>) -> Response {
    let receiver = frames.subscribe();
    let body = futures::stream::unfold(receiver, |mut receiver| async move {
        let frame = receiver.recv().await.ok()?;
        Some((Ok::<_, Infallible>(frame), receiver))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(body))
        .expect("a static response")
}

/// The fan-out server process, started from this bench's own binary.
pub struct FanOut {
    child: Child,
    /// `http://<address>/sse`.
    pub url: String,
}

impl FanOut {
    pub fn start(brokers: &str) -> anyhow::Result<FanOut> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["fanout-server", brokers])
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the fan-out server")?;
        let stdout = child.stdout.take().context("stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let address = line
            .trim()
            .strip_prefix("listening ")
            .with_context(|| format!("the fan-out server said {line:?}"))?;
        ensure!(!address.is_empty(), "the fan-out server has no address");
        Ok(FanOut {
            url: format!("http://{address}/sse"),
            child,
        })
    }

    /// The floor for `connections` connections: `promotions` records at the
    /// pace, from the send call to each connection reading it (p50, p99,
    /// max), and the server's CPU time meanwhile; measured by a client process.
    pub async fn floor(
        &self,
        brokers: &str,
        connections: usize,
        promotions: usize,
        period_ms: u64,
    ) -> anyhow::Result<(Percentiles, Duration)> {
        let output = tokio::process::Command::new(std::env::current_exe()?)
            .arg("floor-client")
            .args([brokers, &self.url])
            .args([self.child.id() as usize, connections, promotions].map(|n| n.to_string()))
            .arg(period_ms.to_string())
            .stderr(Stdio::inherit())
            .output()
            .await?;
        let text = String::from_utf8_lossy(&output.stdout);
        ensure!(output.status.success(), "the floor's client failed: {text}");
        let figures: Vec<f64> = text
            .lines()
            .find_map(|line| line.strip_prefix("floor "))
            .context("the floor's client printed no figures")?
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        let [count, p50, p99, max, cpu] = figures[..] else {
            anyhow::bail!("the floor's client printed {text}");
        };
        let percentiles = Percentiles {
            count: count as usize,
            p50,
            p99,
            max,
        };
        Ok((percentiles, Duration::from_secs_f64(cpu)))
    }
}

/// The client side of one round of the floor.
pub struct Floor {
    pub url: String,
    pub server_pid: u32,
    pub connections: usize,
}

impl Floor {
    /// Opens the connections, sends `count` records at the pace once every
    /// connection has a warm-up record, and prints `floor <deliveries> <p50
    /// ms> <p99 ms> <max ms> <server CPU s>` once every connection has read
    /// every record (each exactly once).
    pub async fn measure(
        &self,
        client: &reqwest::Client,
        producer: &FutureProducer,
        count: usize,
        period_ms: u64,
    ) -> anyhow::Result<()> {
        let (receipts, arrivals) = mpsc::unbounded_channel();
        let mut arrivals = Arrivals::new(arrivals);
        let mut opening = FuturesUnordered::new();
        let mut open = Vec::new();
        for _ in 0..self.connections {
            opening.push(listen(client.clone(), self.url.clone(), receipts.clone()));
            if opening.len() >= 256 {
                open.push(opening.next().await.context("opening")??);
            }
        }
        while let Some(opened) = opening.next().await {
            open.push(opened?);
        }
        let topic = events_topic(FANOUT_TOPIC);
        let warm_up = format!("warm-up-{}", Uuid::now_v7());
        send_raw(producer, &topic, &warm_up).await?;
        arrivals.wait(&warm_up, self.connections).await?;
        let cpu_before = cpu_of(self.server_pid)?;
        let mut sent = Vec::new();
        for n in 0..count {
            let key = format!("fanout-{n}-{}", Uuid::now_v7());
            let at = send_raw(producer, &topic, &key).await?;
            sent.push((key, at));
            tokio::time::sleep(Duration::from_millis(period_ms)).await;
        }
        let mut latencies = Vec::new();
        for (key, at) in &sent {
            let received = arrivals.wait(key, self.connections).await?;
            latencies.extend(received.iter().map(|r| r.saturating_duration_since(*at)));
        }
        let cpu = cpu_of(self.server_pid)?.saturating_sub(cpu_before);
        for connection in &open {
            connection.abort();
        }
        let floor = Percentiles::of(latencies);
        println!(
            "floor {} {} {} {} {}",
            floor.count,
            floor.p50,
            floor.p99,
            floor.max,
            cpu.as_secs_f64()
        );
        Ok(())
    }
}

/// One connection to the plain fan-out: reports each frame's key as it arrives.
async fn listen(
    client: reqwest::Client,
    url: String,
    receipts: mpsc::UnboundedSender<Receipt>,
) -> anyhow::Result<JoinHandle<()>> {
    let mut response = client.get(url).send().await?.error_for_status()?;
    Ok(tokio::spawn(async move {
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            let now = Instant::now();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                if let Some(key) = frame.trim_end().strip_prefix("data: ") {
                    let _ = receipts.send(Ok((key.to_owned(), now)));
                }
            }
        }
    }))
}

impl Drop for FanOut {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
