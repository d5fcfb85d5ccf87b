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
//! file. A group of several member processes sharing tables, on the CQL
//! adapter, is `consumer_group_cql.rs`.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use golmok_embedded::EmbeddedStore;
use golmok_kafka::{KafkaSettings, TopicSpec, events_topic, migrate};
use golmok_kernel::Tables;
use golmok_testkit::Kafka;
use rdkafka::consumer::{BaseConsumer, Consumer};
use support::{Deliveries, Probe, Producer};

const SERVICE: &str = "probe";
const GROUP: &str = "reliability-consumer-crash";
const PER_BATCH: usize = 8;
/// Shorter than librdkafka's default so a SIGSTOP can outlast it (it must
/// not be below the session timeout of 6 s).
const MAX_POLL_MS: &str = "7000";

/// Starts a probe consuming into the embedded store at `store`.
fn start_probe(store: &Path, brokers: &str, until: Option<usize>, handled: &Deliveries) -> Probe {
    let store = store.to_string_lossy();
    let topic = events_topic(SERVICE);
    let until = until.map(|n| n.to_string());
    let mut args = vec![
        store.as_ref(),
        brokers,
        &topic,
        GROUP,
        "--max-poll-ms",
        MAX_POLL_MS,
    ];
    if let Some(until) = &until {
        args.extend(["--until", until]);
    }
    Probe::start("probe", &args, handled)
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
    // The stream: a batch of events over 12 streams every 100 ms until the
    // chaos is over.
    let mut producer = Producer::start(dir.path(), &settings, SERVICE, PER_BATCH, 12).await;

    let store = dir.path().join("consumer.redb");
    let handled = Deliveries::default();
    let started = Instant::now();
    // Each consumer process is killed while it consumes: after it handled
    // its first event, a little later.
    let mut kills = 0;
    let mut handled_per_run = Vec::new();
    let mut first_event_after = Vec::new();
    for pause in [300u64, 900, 50, 1_500] {
        let before = handled.total();
        let joined = Instant::now();
        let probe = start_probe(&store, &brokers, None, &handled);
        wait_until_consuming(&handled, before).await;
        first_event_after.push(joined.elapsed());
        tokio::time::sleep(Duration::from_millis(pause)).await;
        probe.kill_9();
        kills += 1;
        handled_per_run.push(handled.total() - before);
    }
    // Frozen mid-stream past max.poll.interval and the session: evicted while
    // it holds unacknowledged work, then it wakes up, rejoins on its own and
    // carries on with events written after it woke.
    let before = handled.total();
    let frozen = start_probe(&store, &brokers, None, &handled);
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
    let rejoined_at = producer.written_count();
    let resumed = loop {
        let fresh = producer.written_since(rejoined_at);
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
    handled_per_run.push(handled.total() - before);

    let recorded = producer.stop_writing().await;
    let committed: Vec<_> = recorded.iter().map(|event| event.envelope.id).collect();
    let last_started = Instant::now();
    let mut last = start_probe(&store, &brokers, Some(committed.len()), &handled);
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
    producer.stop().await;

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
    let handled = handled.total();
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
async fn wait_until_consuming(handled: &Deliveries, before: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while handled.total() == before {
        assert!(Instant::now() < deadline, "the consumer never got an event");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
