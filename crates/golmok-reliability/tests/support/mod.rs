//! What the reliability tests share: the seed of a run, the producing
//! service (an embedded log relayed to Kafka under steady load) and the
//! `probe_consumer` processes they kill, freeze and restart.

#![allow(dead_code)] // each test binary uses its own part

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use golmok_embedded::EmbeddedStore;
use golmok_kafka::{KafkaSettings, Relay, RelayHandle};
use golmok_kernel::conformance::{append_each, sample_envelope};
use golmok_kernel::{EventLog, RecordedEvent, Tables};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const PROBE: &str = env!("CARGO_BIN_EXE_probe_consumer");

/// The run's seed: `GOLMOK_SEED` to replay one, else the clock.
pub fn seed_from_env() -> u64 {
    std::env::var("GOLMOK_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |now| now.as_secs())
        })
}

/// A small linear congruential generator: a schedule replays from its seed.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed | 1)
    }

    /// The next 31 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// A producing service in the test process: an embedded log whose relay
/// publishes to Kafka, and a writer appending `per_tick` events over
/// `streams` streams every 100 ms until told to stop.
pub struct Producer {
    relay: RelayHandle,
    relaying: CancellationToken,
    writing: CancellationToken,
    writer: JoinHandle<Vec<RecordedEvent>>,
    /// The ids of the events written so far, in order.
    pub written: Arc<Mutex<Vec<String>>>,
}

impl Producer {
    pub async fn start(
        dir: &Path,
        settings: &KafkaSettings,
        service: &str,
        per_tick: usize,
        streams: usize,
    ) -> Producer {
        let store = EmbeddedStore::open(&dir.join("producer.redb")).expect("the producer's store");
        let log: Arc<dyn EventLog> = store.clone();
        let tables: Arc<dyn Tables> = store;
        let relaying = CancellationToken::new();
        let relay = Relay::new(settings, service, Arc::clone(&log), tables)
            .expect("relay")
            .spawn(relaying.clone())
            .await
            .expect("relay starts");
        let writing = CancellationToken::new();
        let written: Arc<Mutex<Vec<String>>> = Arc::default();
        let writer = {
            let (writing, written) = (writing.clone(), Arc::clone(&written));
            tokio::spawn(async move {
                let mut recorded = Vec::new();
                for tick in 0.. {
                    if writing.is_cancelled() {
                        break;
                    }
                    let events = (0..per_tick)
                        .map(|i| {
                            sample_envelope(
                                &format!("stream-{}", (tick * per_tick + i) % streams),
                                "e",
                            )
                        })
                        .collect();
                    let appended = append_each(log.as_ref(), events).await;
                    written
                        .lock()
                        .unwrap()
                        .extend(appended.iter().map(|event| event.envelope.id.to_string()));
                    recorded.extend(appended);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                recorded
            })
        };
        Producer {
            relay,
            relaying,
            writing,
            writer,
            written,
        }
    }

    /// The number of events written so far.
    pub fn written_count(&self) -> usize {
        self.written.lock().unwrap().len()
    }

    /// The ids written after the first `from`.
    pub fn written_since(&self, from: usize) -> Vec<String> {
        self.written.lock().unwrap()[from..].to_vec()
    }

    /// Stops the writer and waits until the relay published everything it
    /// wrote; returns the committed events.
    pub async fn stop_writing(&mut self) -> Vec<RecordedEvent> {
        self.writing.cancel();
        let recorded = (&mut self.writer).await.expect("writer");
        let head = recorded.last().map_or(0, |event| event.position);
        assert!(
            self.relay.wait_for(head, Duration::from_secs(60)).await,
            "the relay published the whole log"
        );
        recorded
    }

    pub async fn stop(self) {
        self.relaying.cancel();
        self.relay.stopped().await;
    }
}

/// Every handler invocation the probes printed, by event id.
#[derive(Clone, Default)]
pub struct Deliveries(Arc<Mutex<HashMap<String, u64>>>);

impl Deliveries {
    /// Handler invocations so far.
    pub fn total(&self) -> u64 {
        self.0.lock().unwrap().values().sum()
    }

    /// Invocations per event id.
    pub fn by_event(&self) -> HashMap<String, u64> {
        self.0.lock().unwrap().clone()
    }
}

/// A running `probe_consumer`; the ids it handled are collected as it prints them.
pub struct Probe {
    pub name: String,
    pub child: Child,
    seen: Arc<Mutex<HashSet<String>>>,
}

impl Probe {
    /// Starts `probe_consumer` with `args` (STORE BROKERS TOPIC GROUP and options).
    pub fn start(name: &str, args: &[&str], deliveries: &Deliveries) -> Probe {
        let mut child = Command::new(PROBE)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the probe starts");
        let stdout = child.stdout.take().expect("piped");
        let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
        let (seen_by_reader, deliveries) = (Arc::clone(&seen), deliveries.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("handled ") {
                    *deliveries
                        .0
                        .lock()
                        .unwrap()
                        .entry(id.to_owned())
                        .or_default() += 1;
                    seen_by_reader.lock().unwrap().insert(id.to_owned());
                }
            }
        });
        Probe {
            name: name.to_owned(),
            child,
            seen,
        }
    }

    /// Whether the probe handled any of `ids`.
    pub fn handled_any(&self, ids: &[String]) -> bool {
        let seen = self.seen.lock().unwrap();
        ids.iter().any(|id| seen.contains(id))
    }

    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} {}", self.name);
    }

    pub fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Sends SIGTERM and waits until the process exits; true if it exited 0.
    pub async fn terminate(mut self, within: Duration) -> bool {
        self.signal("-TERM");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within {within:?} of SIGTERM",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
