//! RELIABILITY.md 2 — consumer crash and rebalance.
//!
//! A producing service (embedded log + relay, in this process) publishes a
//! steady stream of events through Apache Kafka; the consumer is a real process
//! (`probe_consumer`: the kernel `Consumer` over a Kafka consumer group,
//! effects counted per event in its own embedded store). The consumer process
//! is killed with SIGKILL and restarted several times, and once frozen with
//! SIGSTOP past its `max.poll.interval.ms` and the session timeout, so the
//! group evicts it; after SIGCONT it must rejoin on its own and handle events
//! written after it woke. Must hold: every committed event has exactly one
//! effect (0 lost, 0 duplicate effects). Reported: deliveries to the handler
//! (redeliveries included) against effects, the time the evicted member took
//! to resume, and the time each new member took to get its first event.
//!
//! The group has one member at a time: the embedded store is one process's
//! file. Members sharing tables need the Scylla adapter.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use golmok_embedded::EmbeddedStore;
use golmok_kafka::{KafkaSettings, Relay, TopicSpec, events_topic, migrate};
use golmok_kernel::conformance::{append_each, sample_envelope};
use golmok_kernel::{EventLog, Tables};
use golmok_testkit::Kafka;
use rdkafka::consumer::{BaseConsumer, Consumer};
use tokio_util::sync::CancellationToken;

const PROBE: &str = env!("CARGO_BIN_EXE_probe_consumer");
const SERVICE: &str = "probe";
const GROUP: &str = "reliability-consumer-crash";
const PER_BATCH: usize = 8;
/// Shorter than librdkafka's default so a SIGSTOP can outlast it (it must
/// not be below the session timeout of 6 s).
const MAX_POLL_MS: &str = "7000";

/// A running probe; the lines it printed are counted as they come, and the
/// ids it handled kept.
struct Probe {
    child: Child,
    seen: Arc<Mutex<HashSet<String>>>,
}

impl Probe {
    fn start(store: &Path, brokers: &str, until: Option<usize>, handled: Arc<Mutex<u64>>) -> Probe {
        let mut command = Command::new(PROBE);
        command
            .arg(store)
            .args([
                brokers,
                &events_topic(SERVICE),
                GROUP,
                "--max-poll-ms",
                MAX_POLL_MS,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(until) = until {
            command.args(["--until", &until.to_string()]);
        }
        let mut child = command.spawn().expect("the probe starts");
        let stdout = child.stdout.take().expect("piped");
        let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
        let seen_by_reader = Arc::clone(&seen);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("handled ") {
                    *handled.lock().unwrap() += 1;
                    seen_by_reader.lock().unwrap().insert(id.to_owned());
                }
            }
        });
        Probe { child, seen }
    }

    /// Whether the probe handled any of `ids`.
    fn handled_any(&self, ids: &[String]) -> bool {
        let seen = self.seen.lock().unwrap();
        ids.iter().any(|id| seen.contains(id))
    }

    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_kill_9_and_eviction_leave_exactly_one_effect_per_event() {
    let broker = Kafka::start();
    let brokers = broker.bootstrap_servers();
    let settings = KafkaSettings::new(&brokers);
    migrate(&settings, &[TopicSpec::events(SERVICE, 3, None)])
        .await
        .expect("the events topic");
    let dir = tempfile::tempdir().unwrap();
    let producer = EmbeddedStore::open(&dir.path().join("producer.redb")).unwrap();
    let log: Arc<dyn EventLog> = producer.clone();
    let producer_tables: Arc<dyn Tables> = producer;
    let relaying = CancellationToken::new();
    let relay = Relay::new(&settings, SERVICE, Arc::clone(&log), producer_tables)
        .expect("relay")
        .spawn(relaying.clone())
        .await
        .expect("relay starts");

    // The stream: a batch of events over 12 streams every 100 ms until the
    // chaos is over; the ids written so far are shared as they come.
    let writing = CancellationToken::new();
    let written: Arc<Mutex<Vec<String>>> = Arc::default();
    let writer = {
        let (log, writing, written) = (Arc::clone(&log), writing.clone(), Arc::clone(&written));
        tokio::spawn(async move {
            let mut recorded = Vec::new();
            for batch in 0.. {
                if writing.is_cancelled() {
                    break;
                }
                let events = (0..PER_BATCH)
                    .map(|i| {
                        sample_envelope(&format!("stream-{}", (batch * PER_BATCH + i) % 12), "e")
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

    let store = dir.path().join("consumer.redb");
    let handled = Arc::new(Mutex::new(0u64));
    let started = Instant::now();
    // Each consumer process is killed while it consumes: after it handled
    // its first event, a little later.
    let mut kills = 0;
    let mut handled_per_run = Vec::new();
    let mut first_event_after = Vec::new();
    for pause in [300u64, 900, 50, 1_500] {
        let before = *handled.lock().unwrap();
        let joined = Instant::now();
        let probe = Probe::start(&store, &brokers, None, Arc::clone(&handled));
        wait_until_consuming(&handled, before).await;
        first_event_after.push(joined.elapsed());
        tokio::time::sleep(Duration::from_millis(pause)).await;
        probe.kill_9();
        kills += 1;
        handled_per_run.push(*handled.lock().unwrap() - before);
    }
    // Frozen mid-stream past max.poll.interval and the session: evicted while
    // it holds unacknowledged work, then it wakes up, rejoins on its own and
    // carries on with events written after it woke.
    let before = *handled.lock().unwrap();
    let frozen = Probe::start(&store, &brokers, None, Arc::clone(&handled));
    wait_until_consuming(&handled, before).await;
    let member = group_members(&brokers).await;
    frozen.signal("-STOP");
    tokio::time::sleep(Duration::from_millis(8_500)).await;
    let evicted = group_members(&brokers).await;
    let woke = Instant::now();
    frozen.signal("-CONT");
    // It rejoins: a member the group did not have before the freeze (no
    // other consumer runs now).
    let deadline = woke + Duration::from_secs(60);
    let rejoined = loop {
        let now = group_members(&brokers).await;
        if now.iter().any(|id| !member.contains(id)) {
            break woke.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the evicted consumer did not rejoin within 60 s of SIGCONT (members before the freeze {member:?}, now {now:?}); broker log:\n{}",
            broker.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // And it resumes: it handles events written after it rejoined.
    let rejoined_at = written.lock().unwrap().len();
    let resumed = loop {
        let fresh = written.lock().unwrap()[rejoined_at..].to_vec();
        if frozen.handled_any(&fresh) {
            break woke.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the rejoined consumer handled no event written after it rejoined within 60 s of SIGCONT"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    frozen.kill_9();
    kills += 1;
    handled_per_run.push(*handled.lock().unwrap() - before);

    writing.cancel();
    let recorded = writer.await.expect("writer");
    let head = recorded.last().map_or(0, |event| event.position);
    let committed: Vec<_> = recorded.iter().map(|event| event.envelope.id).collect();
    assert!(
        relay.wait_for(head, Duration::from_secs(60)).await,
        "the relay published the whole log"
    );
    let last_started = Instant::now();
    let mut last = Probe::start(
        &store,
        &brokers,
        Some(committed.len()),
        Arc::clone(&handled),
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    let exited = loop {
        if let Some(status) = last.child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let elapsed = started.elapsed();
    let last_caught_up = last_started.elapsed();
    assert!(
        exited.is_some_and(|status| status.success()),
        "the last consumer did not reach {} effects; broker log:\n{}",
        committed.len(),
        broker.log_tail()
    );
    relaying.cancel();
    relay.stopped().await;

    let tables: Arc<dyn Tables> = EmbeddedStore::open(&store).expect("the consumer's store");
    let mut counts = Vec::with_capacity(committed.len());
    for id in &committed {
        let bytes = tables
            .get("effects", "events", &id.to_string())
            .await
            .unwrap();
        counts.push(bytes.map_or(0, |b| u64::from_be_bytes(b.try_into().unwrap())));
    }
    let missing = counts.iter().filter(|c| **c == 0).count();
    let duplicated = counts.iter().filter(|c| **c > 1).count();
    let handled = *handled.lock().unwrap();
    println!(
        "consumer crash: {} events, {kills} consumer kill -9 (one after SIGSTOP past max.poll.interval.ms={MAX_POLL_MS}), {:.1} s",
        committed.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "handled (deliveries reaching the handler, uncommitted ones included) {handled}, effects {}, missing {missing}, duplicate effects {duplicated}",
        counts.iter().sum::<u64>()
    );
    println!("handled per killed consumer process: {handled_per_run:?}");
    println!(
        "first event after a new member started (join + rebalance): {first_event_after:?}; \
         frozen member {member:?}, members after 8.5 s frozen {evicted:?}; \
         after SIGCONT it rejoined in {rejoined:?} and handled new events in {resumed:?}; \
         last member caught up in {last_caught_up:?}"
    );
    assert!(
        !evicted.iter().any(|id| member.contains(id)),
        "the frozen consumer was still a member after 8.5 s (session timeout 6 s)"
    );
    assert!(
        handled_per_run.iter().all(|handled| *handled > 0),
        "every killed consumer had consumed: {handled_per_run:?}"
    );
    assert_eq!(missing, 0, "events without an effect");
    assert_eq!(duplicated, 0, "events with a second effect");
}

/// The group's member ids, as its coordinator reports them.
async fn group_members(brokers: &str) -> Vec<String> {
    let brokers = brokers.to_owned();
    tokio::task::spawn_blocking(move || {
        let client: BaseConsumer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .expect("a client");
        let groups = client
            .fetch_group_list(Some(GROUP), Duration::from_secs(10))
            .expect("describe the group");
        groups
            .groups()
            .iter()
            .flat_map(|group| group.members().iter().map(|m| m.id().to_owned()))
            .collect()
    })
    .await
    .expect("join")
}

/// Waits until the handler count passes `before` (the new process consumes).
async fn wait_until_consuming(handled: &Mutex<u64>, before: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while *handled.lock().unwrap() == before {
        assert!(Instant::now() < deadline, "the consumer never got an event");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
