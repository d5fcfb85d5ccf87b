//! A producing service (embedded log + relay) and a consuming service
//! (embedded tables) joined by an Apache Kafka broker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use golmok_embedded::EmbeddedStore;
use golmok_kafka::{
    KafkaSettings, KafkaSource, Relay, RelayHandle, TopicSpec, events_topic, migrate,
};
use golmok_kernel::conformance::{BusFixture, append_each};
use golmok_kernel::{
    DeadLetter, Envelope, EventHandler, EventLog, HandleError, RecordedEvent, Tables, Transaction,
};
use golmok_testkit::{Kafka, SharedKafka};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const PARTITIONS: i32 = 3;
pub const WAIT: Duration = Duration::from_secs(60);

/// The run's shared broker, or one the test owns (and may kill).
pub enum Broker {
    Shared(&'static SharedKafka),
    Own(Kafka),
}

impl Broker {
    /// The run's shared broker; starting it blocks, so off the runtime.
    pub async fn shared() -> Self {
        Self::Shared(
            tokio::task::spawn_blocking(Kafka::shared)
                .await
                .expect("the shared broker"),
        )
    }

    pub async fn own() -> Self {
        Self::Own(
            tokio::task::spawn_blocking(Kafka::start)
                .await
                .expect("the test's broker"),
        )
    }

    pub fn bootstrap_servers(&self) -> String {
        match self {
            Self::Shared(kafka) => kafka.bootstrap_servers(),
            Self::Own(kafka) => kafka.bootstrap_servers(),
        }
    }

    pub fn log_tail(&self) -> String {
        match self {
            Self::Shared(kafka) => kafka.log_tail(),
            Self::Own(kafka) => kafka.log_tail(),
        }
    }

    /// The test's own broker, to kill and restart.
    pub fn owned(&mut self) -> &mut Kafka {
        match self {
            Self::Own(kafka) => kafka,
            Self::Shared(_) => {
                panic!("the shared broker must not be killed: use Services::own_broker")
            }
        }
    }
}

/// A broker, the producing service's store and the consuming service's store.
pub struct Services {
    pub broker: Broker,
    pub settings: KafkaSettings,
    pub service: String,
    pub producer: Arc<EmbeddedStore>,
    pub consumer: Arc<EmbeddedStore>,
    _dir: TempDir,
}

impl Services {
    /// The events topic of a fresh service on the run's shared broker.
    pub async fn start() -> Self {
        Self::on(Broker::shared().await).await
    }

    /// The events topic of a fresh service on a broker of the test's own,
    /// for tests that kill it.
    pub async fn own_broker() -> Self {
        Self::on(Broker::own().await).await
    }

    async fn on(broker: Broker) -> Self {
        let settings = KafkaSettings::new(broker.bootstrap_servers());
        let service = format!("svc{}", Uuid::now_v7().simple());
        migrate(&settings, &[TopicSpec::events(&service, PARTITIONS, None)])
            .await
            .expect("create the events topic");
        let dir = tempfile::tempdir().expect("temporary directory");
        let producer = EmbeddedStore::open(&dir.path().join("producer.redb")).expect("open");
        let consumer = EmbeddedStore::open(&dir.path().join("consumer.redb")).expect("open");
        Self {
            broker,
            settings,
            service,
            producer,
            consumer,
            _dir: dir,
        }
    }

    pub fn topic(&self) -> String {
        events_topic(&self.service)
    }

    pub fn relay(&self) -> Relay {
        Relay::new(
            &self.settings,
            &self.service,
            self.producer.clone(),
            self.producer.clone(),
        )
        .expect("create the relay")
    }

    pub fn source(&self) -> KafkaSource {
        KafkaSource::new(&self.settings, &[self.topic()]).expect("create the source")
    }

    pub fn head(&self) -> u64 {
        *self.producer.head().borrow()
    }
}

/// Envelopes for `streams`, `per_stream` each, interleaved.
pub fn events(streams: &[String], per_stream: usize) -> Vec<Envelope> {
    (0..per_stream)
        .flat_map(|n| {
            streams
                .iter()
                .map(move |s| golmok_kernel::conformance::sample_envelope(s, &format!("{n}")))
        })
        .collect()
}

pub fn streams(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| format!("stream-{n}-{}", Uuid::now_v7().simple()))
        .collect()
}

/// The bus conformance fixture: a relay publishing the producer's log.
pub struct KafkaBus {
    pub services: Services,
    relay: Option<RelayHandle>,
    shutdown: CancellationToken,
}

impl KafkaBus {
    pub async fn start() -> Self {
        let services = Services::start().await;
        let shutdown = CancellationToken::new();
        let relay = services
            .relay()
            .spawn(shutdown.clone())
            .await
            .expect("start the relay");
        Self {
            services,
            relay: Some(relay),
            shutdown,
        }
    }
}

impl Drop for KafkaBus {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

#[async_trait]
impl BusFixture for KafkaBus {
    type Source = KafkaSource;

    fn tables(&self) -> Arc<dyn Tables> {
        self.services.consumer.clone()
    }

    async fn publish(&self, events: Vec<Envelope>) -> Vec<RecordedEvent> {
        let recorded = append_each(self.services.producer.as_ref(), events).await;
        let last = recorded.last().map_or(0, |e| e.position);
        let relay = self.relay.as_ref().expect("the relay runs");
        assert!(
            relay.wait_for(last, WAIT).await,
            "the relay did not publish up to {last}"
        );
        recorded
    }

    async fn publish_undecodable(&self, stream: &str) -> bool {
        let producer: FutureProducer = rdkafka::ClientConfig::new()
            .set(
                "bootstrap.servers",
                &self.services.settings.bootstrap_servers,
            )
            .create()
            .expect("a producer");
        let topic = self.services.topic();
        producer
            .send(
                FutureRecord::to(&topic)
                    .key(stream)
                    .payload("this is not an event"),
                WAIT,
            )
            .await
            .expect("produce an undecodable message");
        true
    }

    async fn source(&self) -> KafkaSource {
        self.services.source()
    }

    async fn dead_letters(&self, consumer: &str) -> Vec<DeadLetter> {
        golmok_kafka::dead_letters(&self.services.settings, consumer)
            .await
            .expect("read the dead-letter topic")
    }
}

/// A downstream read model: counts the effect of each event in table
/// `effects` (one atomic write with the inbox), and deliveries in memory.
pub struct Effects {
    pub name: &'static str,
    deliveries: Mutex<HashMap<Uuid, u64>>,
}

impl Effects {
    pub fn new() -> Arc<Self> {
        let name = Box::leak(format!("effects-{}", Uuid::now_v7().simple()).into_boxed_str());
        Arc::new(Self {
            name,
            deliveries: Mutex::new(HashMap::new()),
        })
    }

    /// How often the handler was called, over all events.
    pub fn handled(&self) -> u64 {
        self.deliveries.lock().expect("lock").values().sum()
    }

    /// The effect count of every event in `events`.
    pub async fn counts(&self, tables: &dyn Tables, events: &[RecordedEvent]) -> Vec<u64> {
        let mut counts = Vec::with_capacity(events.len());
        for event in events {
            counts.push(count(
                tables
                    .get("effects", self.name, &event.envelope.id.to_string())
                    .await
                    .expect("read an effect"),
            ));
        }
        counts
    }

    /// Waits until every event of `events` has an effect.
    pub async fn wait_applied(&self, tables: &dyn Tables, events: &[RecordedEvent]) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let counts = self.counts(tables, events).await;
            let missing = counts.iter().filter(|c| **c == 0).count();
            if missing == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{missing} of {} events had no effect within {WAIT:?}",
                events.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn count(value: Option<Vec<u8>>) -> u64 {
    value.map_or(0, |v| u64::from_be_bytes(v.try_into().expect("8 bytes")))
}

#[async_trait]
impl EventHandler for Effects {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        *self
            .deliveries
            .lock()
            .expect("lock")
            .entry(event.envelope.id)
            .or_default() += 1;
        let key = event.envelope.id.to_string();
        let applied = count(tx.get("effects", self.name, &key).await?);
        tx.put(
            "effects",
            self.name,
            &key,
            (applied + 1).to_be_bytes().to_vec(),
        );
        Ok(())
    }
}

/// Every event of the producer's log.
pub async fn committed(log: &dyn EventLog) -> Vec<RecordedEvent> {
    let mut events: Vec<RecordedEvent> = Vec::new();
    loop {
        let from = events.last().map_or(1, |e| e.position + 1);
        let page = log.read_all(from, 1_000).await.expect("read the log");
        let done = page.len() < 1_000;
        events.extend(page);
        if done {
            return events;
        }
    }
}
