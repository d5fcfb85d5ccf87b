use std::path::Path;

use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
#[error("invalid settings: {0}")]
pub struct SettingsError(String);

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
