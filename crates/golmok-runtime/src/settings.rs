use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::storage::StorageSettings;

#[derive(Debug, thiserror::Error)]
#[error("invalid settings: {0}")]
pub struct SettingsError(String);

impl SettingsError {
    /// What is wrong, without the "invalid settings" prefix.
    pub fn reason(self) -> String {
        self.0
    }
}

/// Loads settings from an optional TOML file, then `GOLMOK__SECTION__KEY`
/// environment variables (which win). Settings types use
/// `#[serde(deny_unknown_fields)]`, so a typo in either source fails loudly.
pub fn load_settings<T: DeserializeOwned>(file: Option<&Path>) -> Result<T, SettingsError> {
    let mut builder = config::Config::builder();
    if let Some(file) = file {
        builder = builder.add_source(config::File::from(file).required(true));
    }
    builder = builder.add_source(
        config::Environment::with_prefix("GOLMOK")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true),
    );
    builder
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(|e| SettingsError(e.to_string()))
}

/// A section of the settings as read (file + environment), before a typed
/// settings struct takes it.
pub type SettingsValue = config::Value;

/// The actor-assertion key's file name in a data directory.
pub const ASSERTION_KEY_FILE: &str = "actor-assertion.key";

/// The keys every service's section has, next to the service's own.
const SHARED_KEYS: [&str; 5] = [
    "data_dir",
    "listen",
    "consistency_timeout_ms",
    "storage",
    "assertion_key_file",
];

/// A service's own settings section (its thresholds, policies, intervals).
pub trait Section:
    DeserializeOwned + Default + Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// The port the service listens on by default as its own process.
    const PORT: u16;

    /// Checks what serde cannot.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A service's settings: the keys every service has (data directory, listen
/// address, consistency timeout, storage, actor-assertion key file) and its own section `S`, side by
/// side in one table (`[storefront]`, `GOLMOK__STOREFRONT__...`). Unknown keys
/// fail in either part. Dereferences to the own section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings<S> {
    /// Directory holding the embedded store `<service>.redb` (the event log
    /// and the read models); created when missing.
    pub data_dir: PathBuf,
    /// Address the HTTP API listens on when the service runs as its own process.
    pub listen: SocketAddr,
    /// How long a command's response waits for the read models to apply its
    /// events (read-your-writes) before it is sent anyway, in milliseconds.
    pub consistency_timeout_ms: u64,
    /// Where the event log and read models live (`kind = "embedded"` or `"scylla"`).
    pub storage: StorageSettings,
    /// The suite's actor-assertion key file (`trust`), the same file as the
    /// gateway's; by default `actor-assertion.key` in the data directory.
    pub assertion_key_file: Option<PathBuf>,
    /// The service's own section.
    pub own: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SharedKeys {
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    consistency_timeout_ms: Option<u64>,
    storage: Option<StorageSettings>,
    assertion_key_file: Option<PathBuf>,
}

impl<S> ServiceSettings<S> {
    pub fn consistency_timeout(&self) -> Duration {
        Duration::from_millis(self.consistency_timeout_ms)
    }

    /// Where the actor-assertion key is kept.
    pub fn assertion_key(&self) -> PathBuf {
        self.assertion_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(ASSERTION_KEY_FILE))
    }

    /// The defaults of the shared keys, listening on 127.0.0.1:`port`.
    fn defaults(port: u16, own: S) -> Self {
        ServiceSettings {
            data_dir: PathBuf::from(".golmok/data"),
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            consistency_timeout_ms: 5_000,
            storage: StorageSettings::default(),
            assertion_key_file: None,
            own,
        }
    }

    fn try_map_own<T, E>(
        self,
        map: impl FnOnce(S) -> Result<T, E>,
    ) -> Result<ServiceSettings<T>, E> {
        Ok(ServiceSettings {
            own: map(self.own)?,
            data_dir: self.data_dir,
            listen: self.listen,
            consistency_timeout_ms: self.consistency_timeout_ms,
            storage: self.storage,
            assertion_key_file: self.assertion_key_file,
        })
    }
}

impl ServiceSettings<SettingsValue> {
    /// Reads the shared keys of `section` (defaults where missing, `port` on
    /// 127.0.0.1 for `listen`) and keeps the rest for the service's own type.
    pub fn split(section: SettingsValue, port: u16) -> Result<Self, SettingsError> {
        let invalid = |e: config::ConfigError| SettingsError(e.to_string());
        let mut own = match section.kind {
            config::ValueKind::Nil => config::Map::new(),
            _ => section.into_table().map_err(invalid)?,
        };
        let shared: config::Map<String, SettingsValue> = SHARED_KEYS
            .iter()
            .filter_map(|key| own.remove_entry(*key))
            .collect();
        let shared = SharedKeys::deserialize(SettingsValue::from(shared)).map_err(invalid)?;
        let defaults = ServiceSettings::defaults(port, SettingsValue::from(own));
        Ok(ServiceSettings {
            data_dir: shared.data_dir.unwrap_or(defaults.data_dir),
            listen: shared.listen.unwrap_or(defaults.listen),
            consistency_timeout_ms: shared
                .consistency_timeout_ms
                .unwrap_or(defaults.consistency_timeout_ms),
            storage: shared.storage.unwrap_or(defaults.storage),
            assertion_key_file: shared.assertion_key_file,
            own: defaults.own,
        })
    }

    /// The settings with the own section read as `S` and checked.
    pub fn typed<S: Section>(self) -> Result<ServiceSettings<S>, SettingsError> {
        let settings = self.try_map_own(|own| S::deserialize(own).map_err(|e| e.to_string()));
        let settings = settings.map_err(SettingsError)?;
        settings.own.validate().map_err(SettingsError)?;
        Ok(settings)
    }
}

impl<S: Section> ServiceSettings<S> {
    /// Checks what serde cannot (the own section's rules).
    pub fn validate(&self) -> Result<(), String> {
        self.own.validate()
    }
}

impl<S: Section> Default for ServiceSettings<S> {
    fn default() -> Self {
        ServiceSettings::defaults(S::PORT, S::default())
    }
}

impl<'de, S: Section> Deserialize<'de> for ServiceSettings<S> {
    /// Refuses unknown keys in both parts; the own section's rules are
    /// checked by [`ServiceSettings::validate`] (at build).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let section = SettingsValue::deserialize(deserializer)?;
        ServiceSettings::split(section, S::PORT)
            .map_err(|e| e.0)
            .and_then(|split| {
                split.try_map_own(|own| S::deserialize(own).map_err(|e| e.to_string()))
            })
            .map_err(serde::de::Error::custom)
    }
}

impl<S> std::ops::Deref for ServiceSettings<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.own
    }
}

impl<S> std::ops::DerefMut for ServiceSettings<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.own
    }
}
