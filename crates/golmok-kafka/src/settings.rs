use std::collections::BTreeMap;

use rdkafka::ClientConfig;
use serde::Deserialize;

/// How to reach Kafka (the `kafka` section of a service's settings).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    /// `host:port[,host:port…]` of the brokers (`bootstrap.servers`).
    pub bootstrap_servers: String,
    /// More librdkafka properties (e.g. `security.protocol`), applied after
    /// Golmok's own and able to override them.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

impl KafkaSettings {
    /// Settings for the brokers at `bootstrap_servers`, nothing else changed.
    pub fn new(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers.into(),
            properties: BTreeMap::new(),
        }
    }

    /// A client configuration with `properties` (Golmok's choices for one
    /// client kind) and then the operator's.
    pub(crate) fn client(&self, properties: &[(&str, &str)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        for (key, value) in properties {
            config.set(*key, *value);
        }
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        config
    }
}

/// The topic a service's relay publishes its committed events to.
pub fn events_topic(service: &str) -> String {
    format!("golmok.{service}.events.v1")
}

/// The dead-letter topic of a consumer (its group id).
pub fn dead_letter_topic(consumer: &str) -> String {
    format!("{consumer}.dlq.v1")
}
