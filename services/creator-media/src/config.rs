use golmok_runtime::{Section, ServiceSettings};
use serde::Deserialize;

/// Creator-media settings: the keys every service has (`data_dir`, `listen`
/// (default 127.0.0.1:8083), `consistency_timeout_ms`, `storage`); its
/// own keys are below (`GOLMOK__CREATOR_MEDIA__...` environment variables
/// override the file).
pub type Settings = ServiceSettings<CreatorMediaSection>;

/// The service's own settings; unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CreatorMediaSection {
    /// How often the expiry task looks for collaborations whose answer or
    /// end is due (milliseconds; 0 turns it off). Default 1000.
    pub collaboration_expiry_ms: u64,
}

impl Default for CreatorMediaSection {
    fn default() -> Self {
        CreatorMediaSection {
            collaboration_expiry_ms: 1_000,
        }
    }
}

impl Section for CreatorMediaSection {
    const PORT: u16 = 8083;
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    #[test]
    fn unknown_keys_are_refused_and_the_port_is_its_own() {
        assert!(serde_json::from_str::<Settings>(r#"{"colour":"red"}"#).is_err());
        let settings: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(settings.listen, SocketAddr::from(([127, 0, 0, 1], 8083)));
    }
}
