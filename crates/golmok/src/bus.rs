//! How events travel between services: the in-process log tail of
//! `golmok up`, or Kafka (`--bus kafka`), where every service's relay
//! publishes its committed log and consumers read other services' topics.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use golmok_kafka::{KafkaSettings, KafkaSource, Relay, RelayHandle, TopicSpec, events_topic};
use golmok_kernel::{EventLog, Tables};
use tokio_util::sync::CancellationToken;

/// Partitions of an events topic created without `golmok migrate kafka`.
pub const DEFAULT_PARTITIONS: i32 = 12;
/// Hours an events topic created without `golmok migrate kafka` keeps records.
pub const DEFAULT_RETENTION_HOURS: u64 = 168;

#[derive(Args, Clone)]
pub struct BusArgs {
    /// How events travel between services.
    #[arg(long, value_enum, default_value_t = BusKind::InProcess)]
    bus: BusKind,
    /// Kafka brokers, `host:port[,host:port…]` (with `--bus kafka`).
    #[arg(long, env = "GOLMOK_BROKERS")]
    brokers: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BusKind {
    /// Consumers tail the producing service's log in this process.
    InProcess,
    /// Relays publish to Kafka; consumers are consumer-group members.
    Kafka,
}

/// The bus a process runs on.
pub enum Bus {
    InProcess,
    Kafka(KafkaSettings),
}

impl BusArgs {
    pub fn bus(&self) -> anyhow::Result<Bus> {
        match (self.bus, &self.brokers) {
            (BusKind::InProcess, _) => Ok(Bus::InProcess),
            (BusKind::Kafka, Some(brokers)) => Ok(Bus::Kafka(KafkaSettings::new(brokers))),
            (BusKind::Kafka, None) => {
                bail!("--bus kafka needs --brokers HOST:PORT (or GOLMOK_BROKERS)")
            }
        }
    }
}

/// The events topics of `services` with the default partitions and retention.
fn default_topics<'a>(services: impl IntoIterator<Item = &'a str>) -> Vec<TopicSpec> {
    let retention = Duration::from_secs(DEFAULT_RETENTION_HOURS * 3_600);
    services
        .into_iter()
        .map(|service| TopicSpec::events(service, DEFAULT_PARTITIONS, Some(retention)))
        .collect()
}

/// Creates the events topics of `services` that do not exist yet (existing
/// ones are left as `golmok migrate kafka` made them).
pub async fn ensure_topics(kafka: &KafkaSettings, services: &[&str]) -> anyhow::Result<()> {
    golmok_kafka::migrate(kafka, &default_topics(services.iter().copied()))
        .await
        .with_context(|| format!("creating topics on {}", kafka.bootstrap_servers))?;
    Ok(())
}

/// The relays a process runs, one per service it hosts.
#[derive(Default)]
pub struct Relays {
    running: Vec<RelayHandle>,
    shutdown: CancellationToken,
}

impl Relays {
    /// Starts publishing `service`'s committed `log` to its topic.
    pub async fn start(
        &mut self,
        kafka: &KafkaSettings,
        service: &str,
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
    ) -> anyhow::Result<()> {
        let relay = Relay::new(kafka, service, log, tables)
            .with_context(|| format!("creating the {service} relay"))?;
        let handle = relay
            .spawn(self.shutdown.child_token())
            .await
            .with_context(|| format!("starting the {service} relay"))?;
        tracing::info!(service, topic = %events_topic(service), "relay publishing");
        self.running.push(handle);
        Ok(())
    }

    /// Stops every relay; what it did not publish is published on the next start.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for handle in self.running {
            handle.stopped().await;
        }
    }
}

/// A consumer-group source over `producer`'s events topic.
pub fn kafka_source(kafka: &KafkaSettings, producer: &str) -> anyhow::Result<KafkaSource> {
    KafkaSource::new(kafka, &[events_topic(producer)])
        .with_context(|| format!("subscribing to the {producer} events"))
}
