//! RELIABILITY.md 2 in full — a consumer group of processes sharing CQL tables.
//!
//! A producing service (embedded log + relay, in this process) publishes a
//! steady stream of events to a 6-partition topic on a real Apache Kafka
//! broker. Three `probe_consumer` processes form one consumer group and
//! write every event's effect into the same keyspace of a real Apache
//! Cassandra node (the `golmok-scylla` adapter: the inbox is a
//! compare-and-set, so whichever member gets an event, it has one effect).
//! Then, in a seeded order, the group changes under load: a fourth member
//! joins, one leaves with SIGTERM, one is killed with SIGKILL, and one is
//! frozen with SIGSTOP past `max.poll.interval.ms` and the session timeout
//! (the group evicts it), then woken with SIGCONT, after which it must rejoin
//! and handle new events on its own.
//!
//! Each change is timed until the group is stable again with exactly the live
//! members, and then until every partition is consumed again: its committed
//! offset passes where the partition's log ended once the group was stable
//! (every member that owns a partition handled fresh events and committed
//! them). The test waits on these conditions, never on fixed sleeps, each
//! with a generous deadline.
//!
//! Must hold at the end: every committed event has exactly one effect in the
//! shared tables (0 lost, 0 duplicate effects), no effect of an unknown
//! event, and the cross-partition total equals the number of events (no
//! lost update between members writing the same row). Reported: deliveries to
//! the handlers (redeliveries and retried batches included) against effects,
//! and the time each change took. `GOLMOK_SEED` replays a schedule;
//! `GOLMOK_LONG=1` runs four rounds of changes.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use golmok_kafka::{KafkaSettings, TopicSpec, events_topic, migrate};
use golmok_kernel::{ScanOrder, Tables};
use golmok_scylla::{CqlStore, Settings};
use golmok_testkit::{Cassandra, Kafka};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaResult;
use rdkafka::{Offset, TopicPartitionList};
use support::{Deliveries, Lcg, Probe, Producer};

const SERVICE: &str = "probe-group";
const GROUP: &str = "reliability-consumer-group-cql";
const PARTITIONS: i32 = 6;
/// Streams the events are spread over (the record key): enough that every
/// partition gets events all the time.
const STREAMS: usize = 48;
/// Events appended every 100 ms.
const PER_TICK: usize = 4;
const MEMBERS: usize = 3;
/// Shorter than librdkafka's default so a SIGSTOP can outlast it (it must
/// not be below the session timeout of 6 s).
const MAX_POLL_MS: &str = "7000";
/// How long a member stays frozen: past the session timeout (6 s) and
/// `max.poll.interval.ms` (7 s).
const FROZEN_FOR: Duration = Duration::from_millis(8_500);
/// The deadline of every wait: far beyond what a loaded machine needs.
const DEADLINE: Duration = Duration::from_secs(90);

/// A change of the group's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// A new member joins.
    Add,
    /// A member leaves cleanly (SIGTERM).
    Terminate,
    /// A member dies (SIGKILL): the group notices by the session timeout.
    Kill,
    /// A member is frozen (SIGSTOP) until the group evicts it, then woken.
    Freeze,
}

struct Plan {
    seed: u64,
    rounds: usize,
}

impl Plan {
    fn from_env() -> Plan {
        let seed = support::seed_from_env();
        let rounds = if std::env::var_os("GOLMOK_LONG").is_some() {
            4
        } else {
            1
        };
        Plan { seed, rounds }
    }

    /// Per round: members added back up to three (from the second round),
    /// then the four changes in a seeded order. Each step carries a seeded
    /// number that picks its target among the live members and a seeded
    /// pause (0–700 ms) before it, so a kill lands at varied points of a batch.
    fn schedule(&self) -> Vec<Vec<(Change, u64, Duration)>> {
        let mut random = Lcg::new(self.seed);
        let mut next = move || random.next();
        (0..self.rounds)
            .map(|_| {
                let mut changes =
                    vec![Change::Add, Change::Terminate, Change::Kill, Change::Freeze];
                for i in (1..changes.len()).rev() {
                    let j = (next() % (i as u64 + 1)) as usize;
                    changes.swap(i, j);
                }
                changes
                    .into_iter()
                    .map(|change| (change, next(), Duration::from_millis(next() % 701)))
                    .collect()
            })
            .collect()
    }
}

/// Starts member `name` of the group, consuming into the CQL keyspace `store`.
fn start_member(store: &str, brokers: &str, name: &str, deliveries: &Deliveries) -> Probe {
    let topic = events_topic(SERVICE);
    let args = [
        store,
        brokers,
        &topic,
        GROUP,
        "--max-poll-ms",
        MAX_POLL_MS,
        "--client-id",
        name,
    ];
    Probe::start(name, &args, deliveries)
}

/// Watches the group from outside it (a client with the group's id that
/// never subscribes, so never joins): its members and committed offsets.
struct Watch {
    client: Arc<BaseConsumer>,
    topic: String,
}

/// The group as its coordinator describes it.
struct GroupView {
    state: String,
    client_ids: Vec<String>,
    member_ids: Vec<String>,
}

impl Watch {
    fn new(brokers: &str) -> Watch {
        let client: BaseConsumer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("group.id", GROUP)
            .create()
            .expect("a watching client");
        Watch {
            client: Arc::new(client),
            topic: events_topic(SERVICE),
        }
    }

    /// The group now. Right after the broker starts, and while a
    /// coordinator moves, the broker answers "try again": it is asked again
    /// until the deadline.
    async fn group(&self) -> GroupView {
        self.ask("describe the group", |client, _| {
            let groups = client.fetch_group_list(Some(GROUP), Duration::from_secs(10))?;
            let group = groups.groups().first();
            let members = group.map_or(&[][..], |g| g.members());
            let mut client_ids: Vec<String> =
                members.iter().map(|m| m.client_id().to_owned()).collect();
            client_ids.sort();
            Ok(GroupView {
                state: group.map_or_else(String::new, |g| g.state().to_owned()),
                client_ids,
                member_ids: members.iter().map(|m| m.id().to_owned()).collect(),
            })
        })
        .await
    }

    /// Per partition: the group's committed offset (-1 for none) and the
    /// partition's high watermark.
    async fn offsets(&self) -> Vec<(i64, i64)> {
        self.ask("read the group's offsets", |client, topic| {
            let mut partitions = TopicPartitionList::new();
            for partition in 0..PARTITIONS {
                partitions.add_partition(topic, partition);
            }
            let committed = client.committed_offsets(partitions, Duration::from_secs(10))?;
            (0..PARTITIONS)
                .map(|partition| {
                    let offset = match committed
                        .find_partition(topic, partition)
                        .map(|p| p.offset())
                    {
                        Some(Offset::Offset(offset)) => offset,
                        _ => -1,
                    };
                    let (_, high) =
                        client.fetch_watermarks(topic, partition, Duration::from_secs(10))?;
                    Ok((offset, high))
                })
                .collect()
        })
        .await
    }

    /// Runs `query` on the watching client until it answers, for at most
    /// the deadline.
    async fn ask<T: Send + 'static>(
        &self,
        what: &str,
        query: fn(&BaseConsumer, &str) -> KafkaResult<T>,
    ) -> T {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (client, topic) = (Arc::clone(&self.client), self.topic.clone());
            let answer = tokio::task::spawn_blocking(move || query(&client, &topic))
                .await
                .expect("join");
            match answer {
                Ok(answer) => return answer,
                Err(error) => assert!(
                    Instant::now() < deadline,
                    "{what}: no answer within {DEADLINE:?}: {error}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the group is stable with exactly `live` as its members,
    /// then until every partition's committed offset passes the end its log
    /// had at that moment. Returns both times, from `since`.
    async fn settled(&self, since: Instant, live: &[Probe], what: String) -> Timed {
        let mut expected: Vec<String> = live.iter().map(|m| m.name.clone()).collect();
        expected.sort();
        let deadline = Instant::now() + DEADLINE;
        loop {
            let group = self.group().await;
            if group.state == "Stable" && group.client_ids == expected {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "after {what}: the group did not settle on {expected:?} within {DEADLINE:?} (state {}, members {:?})",
                group.state,
                group.client_ids
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let stable = since.elapsed();
        let ends: Vec<i64> = self.offsets().await.iter().map(|(_, high)| *high).collect();
        loop {
            let offsets = self.offsets().await;
            if offsets
                .iter()
                .zip(&ends)
                .all(|((committed, _), end)| committed > end)
            {
                return Timed {
                    what,
                    stable,
                    consumed: since.elapsed(),
                };
            }
            assert!(
                Instant::now() < deadline,
                "after {what}: not every partition was consumed again within {DEADLINE:?} \
                 (committed/high per partition {offsets:?}, ends when stable {ends:?})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// One timed change, as printed.
struct Timed {
    what: String,
    stable: Duration,
    consumed: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_group_of_processes_on_cql_applies_each_event_once() {
    let plan = Plan::from_env();
    let started = Instant::now();
    // Both servers start at once: each takes seconds on its own.
    let (node, broker) = tokio::join!(
        tokio::task::spawn_blocking(Cassandra::start),
        tokio::task::spawn_blocking(Kafka::start)
    );
    let (node, broker) = (node.expect("Cassandra"), broker.expect("Kafka"));
    let servers_up = started.elapsed();
    let brokers = broker.bootstrap_servers();
    let kafka = KafkaSettings::new(&brokers);
    migrate(&kafka, &[TopicSpec::events(SERVICE, PARTITIONS, None)])
        .await
        .expect("the events topic");
    let cql = Settings::new(vec![node.contact_point()], "reliability_group");
    golmok_scylla::migrate(&cql).await.expect("the keyspace");
    let store = format!("cql:{}/{}", node.contact_point(), cql.keyspace);

    let dir = tempfile::tempdir().unwrap();
    // The load: PER_TICK events over STREAMS streams every 100 ms until the
    // changes are over.
    let mut producer = Producer::start(dir.path(), &kafka, SERVICE, PER_TICK, STREAMS).await;

    let watch = Watch::new(&brokers);
    let deliveries = Deliveries::default();
    let mut started_members = 0;
    let mut new_member = || {
        started_members += 1;
        start_member(
            &store,
            &brokers,
            &format!("member-{started_members}"),
            &deliveries,
        )
    };
    let mut live: Vec<Probe> = Vec::new();
    let mut timed: Vec<Timed> = Vec::new();
    let mut graceful_exits = Vec::new();
    let mut kills = 0;
    let mut freezes = Vec::new();

    let chaos = Instant::now();
    let since = Instant::now();
    live.extend((0..MEMBERS).map(|_| new_member()));
    timed.push(
        watch
            .settled(since, &live, format!("{MEMBERS} members start"))
            .await,
    );
    for (round, changes) in plan.schedule().into_iter().enumerate() {
        while round > 0 && live.len() < MEMBERS {
            let since = Instant::now();
            live.push(new_member());
            let what = format!("{} joins (back to {MEMBERS})", live[live.len() - 1].name);
            timed.push(watch.settled(since, &live, what).await);
        }
        for (change, pick, pause) in changes {
            tokio::time::sleep(pause).await;
            let target = (pick % live.len() as u64) as usize;
            match change {
                Change::Add => {
                    let since = Instant::now();
                    live.push(new_member());
                    let what = format!("{} joins", live[live.len() - 1].name);
                    timed.push(watch.settled(since, &live, what).await);
                }
                Change::Terminate => {
                    let member = live.remove(target);
                    let what = format!("{} leaves (SIGTERM)", member.name);
                    let since = Instant::now();
                    graceful_exits.push(member.terminate(DEADLINE).await);
                    timed.push(watch.settled(since, &live, what).await);
                }
                Change::Kill => {
                    let member = live.remove(target);
                    let what = format!("{} killed (SIGKILL)", member.name);
                    let since = Instant::now();
                    member.kill_9();
                    kills += 1;
                    timed.push(watch.settled(since, &live, what).await);
                }
                Change::Freeze => {
                    let frozen = live.remove(target);
                    let before = watch.group().await.member_ids;
                    let what = format!("{} frozen (SIGSTOP), evicted", frozen.name);
                    let since = Instant::now();
                    frozen.signal("-STOP");
                    let evicted = if live.is_empty() {
                        // Alone in the group: nothing consumes until it wakes;
                        // wait for the eviction only.
                        let deadline = Instant::now() + DEADLINE;
                        while !watch.group().await.client_ids.is_empty() {
                            assert!(Instant::now() < deadline, "{what}: never evicted");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        let at = since.elapsed();
                        Timed {
                            what,
                            stable: at,
                            consumed: at,
                        }
                    } else {
                        watch.settled(since, &live, what).await
                    };
                    timed.push(evicted);
                    if let Some(rest) = FROZEN_FOR.checked_sub(since.elapsed()) {
                        tokio::time::sleep(rest).await;
                    }
                    let woke = Instant::now();
                    frozen.signal("-CONT");
                    let what = format!("{} woken (SIGCONT), rejoins", frozen.name);
                    live.push(frozen);
                    let rejoin = watch.settled(woke, &live, what).await;
                    let rejoined = watch.group().await.member_ids;
                    assert!(
                        rejoined.iter().any(|id| !before.contains(id)),
                        "{}: it kept its old member id ({before:?} → {rejoined:?}): it was never evicted",
                        rejoin.what
                    );
                    timed.push(rejoin);
                    // It resumes: it handles events written after it rejoined.
                    let woken = &live[live.len() - 1];
                    let from = producer.written_count();
                    let deadline = Instant::now() + DEADLINE;
                    loop {
                        let fresh = producer.written_since(from);
                        if woken.handled_any(&fresh) {
                            break;
                        }
                        assert!(
                            Instant::now() < deadline,
                            "{}: handled no event written after it rejoined",
                            woken.name
                        );
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    freezes.push(woke.elapsed());
                }
            }
        }
    }
    let chaos = chaos.elapsed();

    let recorded = producer.stop_writing().await;
    let committed: HashSet<String> = recorded
        .iter()
        .map(|event| event.envelope.id.to_string())
        .collect();
    // Converged: the group committed every partition up to its end, which
    // a member does only once the batch's effects are durable.
    let converging = Instant::now();
    let deadline = converging + DEADLINE;
    loop {
        let offsets = watch.offsets().await;
        if offsets.iter().all(|(committed, high)| committed == high) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the group did not consume every partition to its end within {DEADLINE:?} after the last write (committed/high {offsets:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let converged = converging.elapsed();
    for member in live.drain(..) {
        graceful_exits.push(member.terminate(DEADLINE).await);
    }
    producer.stop().await;

    // The effects, read from the shared tables once every member has stopped.
    let reader = CqlStore::open(cql.clone()).await.expect("a reading store");
    let mut effects: HashMap<String, u64> = HashMap::new();
    let mut after = None;
    loop {
        let page = reader
            .scan(
                "effects",
                "events",
                after.as_deref(),
                ScanOrder::Ascending,
                1_000,
            )
            .await
            .expect("scan the effects");
        for row in page.rows {
            effects.insert(row.clustering, count(Some(row.value)));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let total = count(reader.get("effects", "all", "total").await.unwrap());
    let missing = committed
        .iter()
        .filter(|id| !effects.contains_key(*id))
        .count();
    let duplicated = effects.values().filter(|c| **c > 1).count();
    let unknown = effects.keys().filter(|id| !committed.contains(*id)).count();
    let deliveries = deliveries.by_event();
    let handled: u64 = deliveries.values().sum();
    let redelivered = deliveries.values().filter(|n| **n > 1).count();
    println!(
        "consumer group on CQL (seed {}, {} round(s)): {} events over {PARTITIONS} partitions, \
         {started_members} member processes, {kills} kill -9, 1 SIGSTOP per round past \
         max.poll.interval.ms={MAX_POLL_MS}; servers up in {:.1} s, changes {:.1} s, \
         converged {:.1} s after the last write, {:.1} s in all",
        plan.seed,
        plan.rounds,
        committed.len(),
        servers_up.as_secs_f64(),
        chaos.as_secs_f64(),
        converged.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "deliveries (handler invocations, redeliveries and retried batches included) {handled}, \
         events delivered more than once {redelivered}, duplicate deliveries {}; \
         effects {}, missing {missing}, duplicate effects {duplicated}, unknown {unknown}, \
         shared total {total}",
        handled - deliveries.len() as u64,
        effects.values().sum::<u64>()
    );
    for change in &timed {
        println!(
            "  {:<40} group stable after {:>6.2} s, every partition consumed again after {:>6.2} s",
            change.what,
            change.stable.as_secs_f64(),
            change.consumed.as_secs_f64()
        );
    }
    println!("woken members handled new events after SIGCONT in {freezes:?}");
    assert_eq!(missing, 0, "events without an effect");
    assert_eq!(duplicated, 0, "events with a second effect");
    assert_eq!(unknown, 0, "effects of events never written");
    assert_eq!(
        total,
        committed.len() as u64,
        "the total that every member increments (a lost or doubled update)"
    );
    assert!(
        graceful_exits.iter().all(|ok| *ok),
        "every member stopped by SIGTERM exited 0: {graceful_exits:?}"
    );
}

fn count(bytes: Option<Vec<u8>>) -> u64 {
    bytes.map_or(0, |b| u64::from_be_bytes(b.try_into().expect("8 bytes")))
}
