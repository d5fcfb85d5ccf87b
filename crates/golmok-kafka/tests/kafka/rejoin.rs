//! A group member that loses its membership rejoins and resumes on its own,
//! and no event gets a second effect: when its handler stalls past
//! `max.poll.interval.ms` (the member leaves the group, its partitions are
//! taken away), and when its session times out because the broker (the group
//! coordinator) is gone for longer than `session.timeout.ms`. A process
//! frozen past the session timeout (SIGSTOP) is RELIABILITY 2 in
//! `golmok-reliability/tests/consumer_crash.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use golmok_kafka::{KafkaSettings, KafkaSource};
use golmok_kernel::conformance::append_each;
use golmok_kernel::{Consumer, EventHandler, HandleError, RecordedEvent, Tables, Transaction};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use tokio_util::sync::CancellationToken;

use crate::support::{Effects, Services, WAIT, committed, events, streams};

const SESSION_TIMEOUT_MS: &str = "6000";
const MAX_POLL_INTERVAL_MS: &str = "7000";
/// Past `max.poll.interval.ms` with room for librdkafka's once-a-second check.
const STALL: Duration = Duration::from_secs(12);
/// The delivery whose handling stalls.
const STALL_AT: u64 = 10;

/// Counts effects like [`Effects`], and stalls once, in the middle of a batch.
struct Stalling {
    effects: Arc<Effects>,
    deliveries: AtomicU64,
    stalling: AtomicBool,
    stalled: AtomicBool,
}

#[async_trait]
impl EventHandler for Stalling {
    fn name(&self) -> &'static str {
        self.effects.name
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        if self.deliveries.fetch_add(1, Ordering::SeqCst) + 1 == STALL_AT {
            self.stalling.store(true, Ordering::SeqCst);
            tokio::time::sleep(STALL).await;
            self.stalling.store(false, Ordering::SeqCst);
            self.stalled.store(true, Ordering::SeqCst);
        }
        self.effects.handle(event, tx).await
    }
}

/// The member ids of `group`, as the group coordinator reports them.
async fn members(settings: &KafkaSettings, group: &'static str) -> Vec<String> {
    let bootstrap = settings.bootstrap_servers.clone();
    tokio::task::spawn_blocking(move || {
        let client: BaseConsumer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .expect("a client");
        let groups = client
            .fetch_group_list(Some(group), Duration::from_secs(10))
            .expect("describe the group");
        groups
            .groups()
            .iter()
            .flat_map(|g| g.members().iter().map(|m| m.id().to_owned()))
            .collect()
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_evicted_for_stalling_past_max_poll_interval_rejoins_and_resumes_without_a_second_effect()
 {
    let services = Services::start().await;
    let mut settings = services.settings.clone();
    settings.properties.extend([
        (
            "session.timeout.ms".to_owned(),
            SESSION_TIMEOUT_MS.to_owned(),
        ),
        (
            "max.poll.interval.ms".to_owned(),
            MAX_POLL_INTERVAL_MS.to_owned(),
        ),
    ]);
    let relaying = CancellationToken::new();
    let relay = services
        .relay()
        .spawn(relaying.clone())
        .await
        .expect("start the relay");
    let streams = streams(4);
    let log = services.producer.as_ref();
    append_each(log, events(&streams, 10)).await;

    let effects = Effects::new();
    let handler = Arc::new(Stalling {
        effects: Arc::clone(&effects),
        deliveries: AtomicU64::new(0),
        stalling: AtomicBool::new(false),
        stalled: AtomicBool::new(false),
    });
    let tables: Arc<dyn Tables> = services.consumer.clone();
    let source = KafkaSource::new(&settings, &[services.topic()]).expect("the source");
    let shutdown = CancellationToken::new();
    let consumer = Consumer::with_source(
        source,
        Arc::clone(&tables),
        Arc::clone(&handler) as Arc<dyn EventHandler>,
    )
    .spawn(shutdown.clone())
    .await
    .expect("start the consumer");

    // The member stalls mid-batch; meanwhile events keep coming.
    let deadline = Instant::now() + WAIT;
    while !handler.stalling.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the consumer never got its events"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stall_began = Instant::now();
    let before = members(&settings, effects.name).await;
    assert_eq!(before.len(), 1, "one member before the stall: {before:?}");
    append_each(log, events(&streams, 10)).await;

    // The group evicts it: no member left while it stalls.
    let evicted = loop {
        if members(&settings, effects.name).await.is_empty() {
            break stall_began.elapsed();
        }
        assert!(
            handler.stalling.load(Ordering::SeqCst),
            "the member was never evicted while it stalled past max.poll.interval.ms"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    while handler.stalling.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resumed = Instant::now();
    append_each(log, events(&streams, 10)).await;
    assert!(
        relay.wait_for(services.head(), WAIT).await,
        "the relay did not publish the whole log"
    );

    // On its own, it rejoins and applies everything: before, during and
    // after the stall.
    let committed = committed(log).await;
    effects.wait_applied(tables.as_ref(), &committed).await;
    let caught_up = resumed.elapsed();
    let after = members(&settings, effects.name).await;
    shutdown.cancel();
    consumer.stopped().await;
    relaying.cancel();
    relay.stopped().await;

    let counts = effects.counts(tables.as_ref(), &committed).await;
    eprintln!(
        "stall of {STALL:?} past max.poll.interval.ms={MAX_POLL_INTERVAL_MS}: evicted after {evicted:?}, \
         all {} events applied {caught_up:?} after the stall, {} deliveries, members before {before:?} after {after:?}",
        committed.len(),
        effects.handled()
    );
    assert!(handler.stalled.load(Ordering::SeqCst));
    assert_eq!(after.len(), 1, "the member is back in the group: {after:?}");
    assert_ne!(after, before, "it rejoined as a new member");
    assert!(
        counts.iter().all(|c| *c == 1),
        "an event had no effect or a second one across the eviction: {counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_whose_session_timed_out_while_the_broker_was_down_rejoins_and_resumes() {
    let mut services = Services::own_broker().await;
    let relaying = CancellationToken::new();
    let relay = services
        .relay()
        .spawn(relaying.clone())
        .await
        .expect("start the relay");
    let streams = streams(4);
    append_each(services.producer.as_ref(), events(&streams, 10)).await;
    let effects = Effects::new();
    let tables: Arc<dyn Tables> = services.consumer.clone();
    let shutdown = CancellationToken::new();
    let consumer = Consumer::with_source(
        services.source(),
        Arc::clone(&tables),
        Arc::clone(&effects) as Arc<dyn EventHandler>,
    )
    .spawn(shutdown.clone())
    .await
    .expect("start the consumer");
    let first = committed(services.producer.as_ref()).await;
    effects.wait_applied(tables.as_ref(), &first).await;

    // The coordinator is gone for longer than the session timeout.
    let broker = services.broker.owned();
    tokio::task::block_in_place(|| broker.kill());
    tokio::time::sleep(Duration::from_secs(9)).await;
    append_each(services.producer.as_ref(), events(&streams, 10)).await;
    let broker = services.broker.owned();
    tokio::task::block_in_place(|| broker.restart());
    let back = Instant::now();
    append_each(services.producer.as_ref(), events(&streams, 10)).await;
    assert!(
        relay.wait_for(services.head(), WAIT).await,
        "the relay did not publish the whole log"
    );
    let all = committed(services.producer.as_ref()).await;
    effects.wait_applied(tables.as_ref(), &all).await;
    let caught_up = back.elapsed();
    shutdown.cancel();
    consumer.stopped().await;
    relaying.cancel();
    relay.stopped().await;
    let counts = effects.counts(tables.as_ref(), &all).await;
    eprintln!(
        "broker down 9 s (session timeout 6 s): all {} events applied {caught_up:?} after it was back, {} deliveries",
        all.len(),
        effects.handled()
    );
    assert!(
        counts.iter().all(|c| *c == 1),
        "an event had no effect or a second one: {counts:?}"
    );
}
