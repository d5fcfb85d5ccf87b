//! Settings of the CQL adapter.

use std::collections::BTreeMap;

use serde::Deserialize;

/// How to reach the CQL cluster and where Golmok's tables live.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `host:port` of one or more nodes; the driver discovers the rest.
    pub contact_points: Vec<String>,
    /// The keyspace holding Golmok's tables (one per service).
    pub keyspace: String,
    /// The name of the service log inside the keyspace (its sequencer partition).
    #[serde(default = "default_log")]
    pub log: String,
    /// Consistency of reads and plain writes.
    #[serde(default)]
    pub consistency: ConsistencyLevel,
    /// Consistency of the Paxos phase of conditional writes (LWT).
    #[serde(default)]
    pub serial_consistency: SerialLevel,
    /// Replication of the keyspace, used by `migrate` only.
    #[serde(default)]
    pub replication: Replication,
    /// How long to wait for a connection to a contact point, in milliseconds.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// How long one request may take before it fails, in milliseconds.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// How often other processes' appends are looked for to advance `head()`, in milliseconds.
    #[serde(default = "default_head_poll_ms")]
    pub head_poll_ms: u64,
    /// How often the store's health probe reads the log's head, in
    /// milliseconds; a probe not answered within this time fails, and two
    /// failures in a row make the store unreachable (`/readyz` answers 503)
    /// until a probe succeeds again.
    #[serde(default = "default_health_probe_ms")]
    pub health_probe_ms: u64,
}

fn default_log() -> String {
    "events".to_owned()
}
fn default_connect_timeout_ms() -> u64 {
    5_000
}
fn default_request_timeout_ms() -> u64 {
    12_000
}
fn default_head_poll_ms() -> u64 {
    200
}
fn default_health_probe_ms() -> u64 {
    1_000
}

impl Settings {
    /// Settings with defaults for everything but the contact points and keyspace.
    pub fn new(contact_points: Vec<String>, keyspace: &str) -> Self {
        Self {
            contact_points,
            keyspace: keyspace.to_owned(),
            log: default_log(),
            consistency: ConsistencyLevel::default(),
            serial_consistency: SerialLevel::default(),
            replication: Replication::default(),
            connect_timeout_ms: default_connect_timeout_ms(),
            request_timeout_ms: default_request_timeout_ms(),
            head_poll_ms: default_head_poll_ms(),
            health_probe_ms: default_health_probe_ms(),
        }
    }
}

/// Consistency level of reads and plain writes.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsistencyLevel {
    One,
    Quorum,
    /// A quorum in the local datacenter (the default).
    #[default]
    LocalQuorum,
    All,
}

impl From<ConsistencyLevel> for scylla::statement::Consistency {
    fn from(level: ConsistencyLevel) -> Self {
        match level {
            ConsistencyLevel::One => Self::One,
            ConsistencyLevel::Quorum => Self::Quorum,
            ConsistencyLevel::LocalQuorum => Self::LocalQuorum,
            ConsistencyLevel::All => Self::All,
        }
    }
}

/// Consistency of the Paxos phase of conditional writes.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SerialLevel {
    /// Linearizable across every datacenter (the default).
    #[default]
    Serial,
    /// Linearizable within the local datacenter only.
    LocalSerial,
}

impl From<SerialLevel> for scylla::statement::SerialConsistency {
    fn from(level: SerialLevel) -> Self {
        match level {
            SerialLevel::Serial => Self::Serial,
            SerialLevel::LocalSerial => Self::LocalSerial,
        }
    }
}

/// Replication of the keyspace.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "class", deny_unknown_fields)]
pub enum Replication {
    /// One replication factor for the whole cluster (single datacenter, tests).
    SimpleStrategy {
        /// Copies of each row.
        replication_factor: u32,
    },
    /// A replication factor per datacenter (production).
    NetworkTopologyStrategy {
        /// Datacenter name to copies of each row there.
        datacenters: BTreeMap<String, u32>,
    },
}

impl Default for Replication {
    fn default() -> Self {
        Self::SimpleStrategy {
            replication_factor: 1,
        }
    }
}

impl Replication {
    /// The CQL map literal of `WITH replication = ...`.
    pub fn cql(&self) -> String {
        match self {
            Self::SimpleStrategy { replication_factor } => {
                format!("{{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}")
            }
            Self::NetworkTopologyStrategy { datacenters } => {
                let mut map = String::from("{'class': 'NetworkTopologyStrategy'");
                for (dc, rf) in datacenters {
                    map.push_str(&format!(", '{}': {rf}", dc.replace('\'', "''")));
                }
                map.push('}');
                map
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_defaults_and_refuse_unknown_fields() {
        let settings: Settings = serde_json::from_value(serde_json::json!({
            "contact_points": ["10.0.0.1:9042"],
            "keyspace": "storefront",
            "consistency": "QUORUM",
            "replication": {"class": "NetworkTopologyStrategy", "datacenters": {"dc1": 3}}
        }))
        .expect("valid settings");
        assert_eq!(settings.consistency, ConsistencyLevel::Quorum);
        assert_eq!(settings.serial_consistency, SerialLevel::Serial);
        assert_eq!(settings.log, "events");
        assert_eq!(settings.health_probe_ms, 1_000);
        assert_eq!(
            settings.replication.cql(),
            "{'class': 'NetworkTopologyStrategy', 'dc1': 3}"
        );
        assert_eq!(
            Replication::default().cql(),
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        );
        let error = serde_json::from_value::<Settings>(serde_json::json!({
            "contact_points": ["10.0.0.1:9042"],
            "keyspace": "storefront",
            "keyspce": "typo"
        }))
        .expect_err("unknown field");
        assert!(
            error.to_string().contains("unknown field `keyspce`"),
            "{error}"
        );
    }
}
