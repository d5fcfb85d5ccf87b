//! RELIABILITY.md 1 — broker crash, produce–consume–validate.
//!
//! An idempotent producer (`acks=all`) writes unique values under 12 keys to a
//! 3-partition topic at a steady rate; a two-member consumer group reads them;
//! meanwhile the Apache Kafka broker is killed with SIGKILL and restarted on
//! the same storage at seeded intervals. Every send ends acknowledged (with
//! its partition and offset) or not. After quiescing, the checker asserts:
//! every acknowledged value was consumed (0 lost), at the partition and offset
//! its acknowledgement named (every acknowledgement names one), no value sits
//! at two offsets, and no key's values are stored out of send order; it
//! prints duplicate deliveries and recovery times. CI runs 30 s with crashes every 8–12 s; `GOLMOK_LONG=1` runs 180 s
//! with crashes every 20–40 s (the RELIABILITY.md schedule). `GOLMOK_SEED`
//! replays a schedule.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use golmok_testkit::Kafka;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;

const TOPIC: &str = "reliability.broker-crash.v1";
const PARTITIONS: i32 = 3;
const KEYS: u64 = 12;
/// Sends per second the producer attempts.
const RATE: u64 = 400;

struct Plan {
    seed: u64,
    produce_for: Duration,
    crash_after: (u64, u64),
}

impl Plan {
    fn from_env() -> Plan {
        let seed = support::seed_from_env();
        if std::env::var_os("GOLMOK_LONG").is_some() {
            Plan {
                seed,
                produce_for: Duration::from_secs(180),
                crash_after: (20, 40),
            }
        } else {
            Plan {
                seed,
                produce_for: Duration::from_secs(30),
                crash_after: (8, 12),
            }
        }
    }

    /// Seconds until each crash, from the seed (a small LCG: replayable).
    fn crash_schedule(&self) -> Vec<Duration> {
        let (low, high) = self.crash_after;
        let mut random = support::Lcg::new(self.seed);
        let mut at = 0;
        let mut schedule = Vec::new();
        loop {
            at += low + random.next() % (high - low + 1);
            if at + 2 >= self.produce_for.as_secs() {
                return schedule;
            }
            schedule.push(Duration::from_secs(at));
        }
    }
}

/// What happened to one send.
#[derive(Debug, Clone, Copy)]
struct Acked {
    partition: i32,
    offset: i64,
    at: Instant,
}

fn client(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    config
}

fn producer(brokers: &str) -> FutureProducer {
    client(brokers)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("message.timeout.ms", "60000")
        .set("retry.backoff.ms", "200")
        .create()
        .expect("producer")
}

fn consumer(brokers: &str) -> StreamConsumer {
    let consumer: StreamConsumer = client(brokers)
        .set("group.id", "reliability-broker-crash")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "500")
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500")
        .create()
        .expect("consumer");
    consumer.subscribe(&[TOPIC]).expect("subscribe");
    consumer
}

async fn create_topic(brokers: &str) {
    let admin: AdminClient<DefaultClientContext> = client(brokers).create().expect("admin");
    let topic = NewTopic::new(TOPIC, PARTITIONS, TopicReplication::Fixed(1));
    let created = admin
        .create_topics([&topic], &AdminOptions::new())
        .await
        .expect("create topics");
    for result in created {
        result.expect("topic created");
    }
}

/// One delivery a consumer saw: (value, partition, offset).
type Delivery = (u64, i32, i64);

/// Where a value is stored: (partition, offset) of each copy.
type Places = BTreeSet<(i32, i64)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_values_survive_broker_kill_9() {
    let plan = Plan::from_env();
    let schedule = plan.crash_schedule();
    let mut broker = Kafka::start();
    let brokers = broker.bootstrap_servers();
    create_topic(&brokers).await;

    // Two consumers in one group, recording every delivery.
    let deliveries: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let stop_consuming = Arc::new(AtomicBool::new(false));
    let members: Vec<_> = (0..2)
        .map(|_| {
            let (deliveries, stop, brokers) =
                (deliveries.clone(), stop_consuming.clone(), brokers.clone());
            tokio::spawn(async move {
                let consumer = consumer(&brokers);
                while !stop.load(Ordering::SeqCst) {
                    let Ok(Ok(message)) =
                        tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await
                    else {
                        continue;
                    };
                    let value = std::str::from_utf8(message.payload().expect("a payload"))
                        .expect("utf-8")
                        .parse::<u64>()
                        .expect("a value");
                    deliveries
                        .lock()
                        .unwrap()
                        .push((value, message.partition(), message.offset()));
                }
            })
        })
        .collect();

    // The chaos: kill -9 and restart at the scheduled times.
    let started = Instant::now();
    let restarts: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let chaos = {
        let restarts = restarts.clone();
        let schedule = schedule.clone();
        std::thread::spawn(move || {
            for at in schedule {
                std::thread::sleep(at.saturating_sub(started.elapsed()));
                broker.kill();
                std::thread::sleep(Duration::from_millis(300));
                broker.restart();
                restarts.lock().unwrap().push(Instant::now());
            }
            broker
        })
    };

    // The producer: unique values, many sends in flight, each outcome kept.
    let mut acked: BTreeMap<u64, Acked> = BTreeMap::new();
    let mut not_acked: BTreeMap<u64, String> = BTreeMap::new();
    let mut producer_restarts = 0;
    let mut producer = producer(&brokers);
    let mut in_flight = FuturesUnordered::new();
    let mut next = 0u64;
    let tick = Duration::from_micros(1_000_000 / RATE);
    let mut ticker = tokio::time::interval(tick);
    while started.elapsed() < plan.produce_for {
        tokio::select! {
            _ = ticker.tick() => {
                if producer.client().fatal_error().is_some() {
                    // The idempotent producer gave up (the broker lost its
                    // sequence state): a real client starts a new one.
                    producer_restarts += 1;
                    producer = self::producer(&brokers);
                }
                let value = next;
                next += 1;
                let (key, payload) = (format!("k{}", value % KEYS), value.to_string());
                match producer.send_result(FutureRecord::to(TOPIC).key(&key).payload(&payload)) {
                    Ok(delivery) => in_flight.push(async move { (value, delivery.await) }),
                    Err((error, _)) => {
                        not_acked.insert(value, error.to_string());
                    }
                }
            }
            Some((value, outcome)) = in_flight.next(), if !in_flight.is_empty() => {
                record(value, outcome, &mut acked, &mut not_acked);
            }
        }
    }
    while let Some((value, outcome)) = in_flight.next().await {
        record(value, outcome, &mut acked, &mut not_acked);
    }
    let broker = chaos.join().expect("chaos thread");

    // Quiesce: wait until the group has read every acknowledged value.
    let wanted: BTreeSet<u64> = acked.keys().copied().collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let seen: BTreeSet<u64> = deliveries.lock().unwrap().iter().map(|d| d.0).collect();
        if wanted.is_subset(&seen) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    stop_consuming.store(true, Ordering::SeqCst);
    for member in members {
        member.await.expect("consumer task");
    }

    // The checker.
    let deliveries = deliveries.lock().unwrap().clone();
    let mut places: HashMap<u64, Places> = HashMap::new();
    for &(value, partition, offset) in &deliveries {
        places.entry(value).or_default().insert((partition, offset));
    }
    let lost: Vec<u64> = wanted
        .iter()
        .copied()
        .filter(|value| !places.contains_key(value))
        .collect();
    let at_two_offsets: Vec<u64> = places
        .iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(value, _)| *value)
        .collect();
    // The acknowledgement names where the value is stored: Kafka answers a
    // retried send it already wrote (a duplicate sequence) with the offset of
    // the first write, so every acknowledgement carries one.
    let unknown_offset = acked.values().filter(|ack| ack.offset < 0).count();
    let misplaced: Vec<(u64, Acked, Places)> = acked
        .iter()
        .filter(|(_, ack)| ack.offset >= 0)
        .filter_map(|(value, ack)| {
            let at = places.get(value)?;
            (!at.contains(&(ack.partition, ack.offset))).then(|| (*value, *ack, at.clone()))
        })
        .collect();
    // Order per key as stored: a key's values, read in offset order, must
    // come in the order they were sent.
    let mut reordered = 0;
    for key in 0..KEYS {
        let mut stored: Vec<((i32, i64), u64)> = places
            .iter()
            .filter(|(value, _)| *value % KEYS == key)
            .flat_map(|(value, at)| at.iter().map(move |place| (*place, *value)))
            .collect();
        stored.sort();
        reordered += stored.windows(2).filter(|w| w[1].1 < w[0].1).count();
    }
    let unacked_but_consumed = not_acked
        .keys()
        .filter(|value| places.contains_key(value))
        .count();
    let restarts = restarts.lock().unwrap().clone();
    let recovery: Vec<Duration> = restarts
        .iter()
        .filter_map(|restart| {
            acked
                .values()
                .filter(|ack| ack.at > *restart)
                .map(|ack| ack.at - *restart)
                .min()
        })
        .collect();

    println!(
        "broker crash (seed {}): {} s, {} kill -9 + restart at {:?}",
        plan.seed,
        plan.produce_for.as_secs(),
        restarts.len(),
        schedule
    );
    println!(
        "sent {next}, acknowledged {}, not acknowledged {} (of those consumed anyway: {unacked_but_consumed}), producer restarts {producer_restarts}",
        acked.len(),
        not_acked.len()
    );
    println!(
        "deliveries {}, distinct values {}, duplicate deliveries {}",
        deliveries.len(),
        places.len(),
        deliveries.len() - places.len()
    );
    println!(
        "lost {}, at two offsets {}, acknowledged without an offset {unknown_offset}, not where acknowledged {}, reordered {reordered}",
        lost.len(),
        at_two_offsets.len(),
        misplaced.len()
    );
    if !misplaced.is_empty() {
        println!(
            "acknowledged at another offset (value, ack, stored at): {:?}",
            &misplaced[..misplaced.len().min(10)]
        );
    }
    println!("recovery after each restart (first new acknowledgement): {recovery:?}");
    if let Some((value, reason)) = not_acked.iter().next() {
        println!("first refusal: value {value}: {reason}");
    }

    assert!(!restarts.is_empty(), "the broker was crashed");
    assert!(
        acked.len() as u64 > next / 2,
        "most sends were acknowledged ({} of {next}); broker log:\n{}",
        acked.len(),
        broker.log_tail()
    );
    assert_eq!(
        lost.len(),
        0,
        "acknowledged values never consumed: {:?}",
        &lost[..lost.len().min(20)]
    );
    assert_eq!(at_two_offsets.len(), 0, "values at two offsets");
    assert_eq!(
        unknown_offset, 0,
        "acknowledgements without the offset the value was stored at"
    );
    assert_eq!(
        misplaced.len(),
        0,
        "values not at the offset their acknowledgement named: {:?}",
        &misplaced[..misplaced.len().min(10)]
    );
    assert_eq!(reordered, 0, "values reordered within a key");
}

fn record(
    value: u64,
    outcome: Result<
        rdkafka::producer::future_producer::OwnedDeliveryResult,
        futures::channel::oneshot::Canceled,
    >,
    acked: &mut BTreeMap<u64, Acked>,
    not_acked: &mut BTreeMap<u64, String>,
) {
    match outcome {
        Ok(Ok(delivery)) => {
            acked.insert(
                value,
                Acked {
                    partition: delivery.partition,
                    offset: delivery.offset,
                    at: Instant::now(),
                },
            );
        }
        Ok(Err((KafkaError::MessageProduction(code), _))) => {
            let reason = match code {
                RDKafkaErrorCode::MessageTimedOut => "unknown: timed out".to_owned(),
                other => format!("refused: {other:?}"),
            };
            not_acked.insert(value, reason);
        }
        Ok(Err((error, _))) => {
            not_acked.insert(value, error.to_string());
        }
        Err(_) => {
            not_acked.insert(value, "unknown: producer dropped".to_owned());
        }
    }
}
