//! Where a service keeps its event log and read models, chosen by its
//! `[<service>.storage]` settings in this one place: the next adapter is added
//! here, not in every service.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{EventLog, Generations, StorageError, Tables, WholeTables};
use golmok_scylla::CqlStore;
use serde::Deserialize;
use tokio::sync::watch;

/// Which adapter of the storage ports a service runs on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum StorageSettings {
    /// One redb file per service, `<data_dir>/<service>.redb` (one process
    /// per store). `cache_mib`: its page cache in MiB, 1 to 65,536
    /// (`golmok_embedded::DEFAULT_CACHE_MIB` when missing).
    Embedded {
        #[serde(
            default = "default_cache_mib",
            deserialize_with = "deserialize_cache_mib"
        )]
        cache_mib: u32,
    },
    /// A CQL cluster (ScyllaDB; tested on Apache Cassandra): `contact_points`,
    /// `keyspace` (one per service), `consistency` and the other keys of
    /// `golmok_scylla::Settings`. The keyspace must exist (`golmok_scylla::migrate`).
    Scylla(golmok_scylla::Settings),
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings::Embedded {
            cache_mib: default_cache_mib(),
        }
    }
}

fn default_cache_mib() -> u32 {
    golmok_embedded::DEFAULT_CACHE_MIB
}

/// Any whole number is read, so that a zero, negative or huge one is refused
/// by its own rule (`STORAGE_CACHE_MIB_INVALID`) rather than as a type error.
fn deserialize_cache_mib<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<u32, D::Error> {
    let mib = i64::deserialize(deserializer)?;
    golmok_embedded::check_cache_mib(mib).map_err(serde::de::Error::custom)
}

/// A service's opened store: its event log, its tables and whether it answers.
#[derive(Clone)]
pub struct Storage {
    pub log: Arc<dyn EventLog>,
    /// The tables at their current generations (see `golmok_kernel::Generations`).
    pub tables: Arc<dyn Tables>,
    pub health: StoreHealth,
    /// The raw store when it can list whole tables, which a read-model
    /// rebuild (`golmok replay`) needs (both adapters have it).
    pub whole: Option<Arc<dyn WholeTables>>,
}

/// Whether a service's store answers: the embedded file always does (its
/// failures are errors of each request); a CQL store as its health probe
/// says. `/readyz` follows it ([`crate::Readiness::require`]).
#[derive(Clone)]
pub struct StoreHealth {
    service: String,
    probe: Option<watch::Receiver<bool>>,
}

impl StoreHealth {
    /// The health of `service`'s store as `probe` reports it; `None`: always reachable.
    pub(crate) fn new(service: &str, probe: Option<watch::Receiver<bool>>) -> StoreHealth {
        StoreHealth {
            service: service.to_owned(),
            probe,
        }
    }

    /// The service whose store it is.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Whether the store answered its last probes.
    pub fn is_reachable(&self) -> bool {
        self.probe.as_ref().is_none_or(|probe| *probe.borrow())
    }
}

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid settings: {0}")]
    Settings(String),
    #[error("cannot prepare the data directory {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the store: {0}")]
    Storage(#[from] StorageError),
    #[error("cannot open the CQL store: {0}")]
    Cql(#[from] golmok_scylla::OpenError),
    #[error("cannot read the actor-assertion key: {0}")]
    KeyFile(#[from] crate::SecretFileError),
}

impl Storage {
    /// Opens `service`'s store as `settings` say: the embedded file under
    /// `data_dir` (created when missing) or the CQL cluster, whose contact
    /// points, keyspace and schema version are checked now.
    pub async fn open(
        service: &str,
        data_dir: &Path,
        settings: &StorageSettings,
    ) -> Result<Storage, StartupError> {
        match settings {
            StorageSettings::Embedded { cache_mib } => {
                std::fs::create_dir_all(data_dir).map_err(|source| StartupError::DataDir {
                    path: data_dir.to_owned(),
                    source,
                })?;
                let path = data_dir.join(format!("{service}.redb"));
                let store = EmbeddedStore::open_with_cache(&path, *cache_mib)?;
                Ok(Storage {
                    log: store.clone(),
                    tables: Generations::open(store.clone()).await?,
                    health: StoreHealth::new(service, None),
                    whole: Some(store),
                })
            }
            StorageSettings::Scylla(cql) => {
                let store = CqlStore::open(cql.clone()).await?;
                tracing::info!(service, keyspace = %cql.keyspace, "CQL store opened");
                Ok(Storage {
                    health: StoreHealth::new(service, Some(store.reachable())),
                    log: store.clone(),
                    tables: Generations::open(store.clone()).await?,
                    whole: Some(store),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<StorageSettings, serde_json::Error> {
        serde_json::from_value(json)
    }

    #[test]
    fn the_kind_chooses_the_adapter_and_unknown_keys_are_refused() {
        assert_eq!(
            parse(serde_json::json!({"kind": "embedded"})).unwrap(),
            StorageSettings::default()
        );
        let StorageSettings::Scylla(cql) = parse(serde_json::json!({
            "kind": "scylla",
            "contact_points": ["10.0.0.1:9042"],
            "keyspace": "golmok_storefront",
            "consistency": "QUORUM",
        }))
        .unwrap() else {
            panic!("a CQL store");
        };
        assert_eq!(cql.keyspace, "golmok_storefront");
        assert!(parse(serde_json::json!({"kind": "embedded", "path": "x"})).is_err());
        assert!(parse(serde_json::json!({"kind": "scylla", "keyspace": "k"})).is_err());
        let typo = parse(serde_json::json!({
            "kind": "scylla", "contact_points": ["a:1"], "keyspace": "k", "keyspce": "k"
        }));
        assert!(typo.unwrap_err().to_string().contains("keyspce"));
        let unknown = parse(serde_json::json!({"kind": "sqlite"})).unwrap_err();
        assert!(unknown.to_string().contains("sqlite"), "{unknown}");
    }

    #[test]
    fn the_embedded_page_cache_is_set_in_whole_mib_within_its_bounds() {
        assert_eq!(
            StorageSettings::default(),
            StorageSettings::Embedded {
                cache_mib: golmok_embedded::DEFAULT_CACHE_MIB
            }
        );
        for mib in [1, 16, 128, 65_536] {
            assert_eq!(
                parse(serde_json::json!({"kind": "embedded", "cache_mib": mib})).unwrap(),
                StorageSettings::Embedded { cache_mib: mib }
            );
        }
        for bad in [
            serde_json::json!(0),
            serde_json::json!(-16),
            serde_json::json!(65_537),
            serde_json::json!(i64::MAX),
        ] {
            let error = parse(serde_json::json!({"kind": "embedded", "cache_mib": bad}))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("STORAGE_CACHE_MIB_INVALID"),
                "{bad}: {error}"
            );
            assert!(error.contains(&bad.to_string()), "{bad}: {error}");
        }
        for bad in [serde_json::json!(1.5), serde_json::json!("16MiB")] {
            assert!(
                parse(serde_json::json!({"kind": "embedded", "cache_mib": bad})).is_err(),
                "{bad}"
            );
        }
        let scylla = parse(serde_json::json!({
            "kind": "scylla", "contact_points": ["a:1"], "keyspace": "k", "cache_mib": 16
        }));
        assert!(scylla.unwrap_err().to_string().contains("cache_mib"));
    }

    #[tokio::test]
    async fn a_store_opens_with_the_page_cache_its_settings_give() {
        let dir = tempfile::tempdir().unwrap();
        let settings = StorageSettings::Embedded { cache_mib: 1 };
        let storage = Storage::open("storefront", dir.path(), &settings)
            .await
            .expect("a store with a 1 MiB cache");
        assert!(dir.path().join("storefront.redb").exists());
        assert_eq!(*storage.log.head().borrow(), 0);
    }

    #[tokio::test]
    async fn an_unreachable_cluster_fails_at_start_with_a_clear_message() {
        let mut cql = golmok_scylla::Settings::new(vec!["127.0.0.1:1".to_owned()], "golmok_x");
        cql.connect_timeout_ms = 500;
        let dir = tempfile::tempdir().unwrap();
        let error = Storage::open("storefront", dir.path(), &StorageSettings::Scylla(cql))
            .await
            .err()
            .expect("nothing listens on port 1");
        assert!(error.to_string().contains("CQL_UNREACHABLE"), "{error}");
    }
}
