use golmok_runtime::{Section, ServiceSettings};
use serde::Deserialize;

use crate::domain::merchant::DiagnosisPolicy;

/// Storefront settings: the keys every service has (`data_dir`, `listen`
/// (default 127.0.0.1:8081), `consistency_timeout_ms`, `storage`) and the
/// storefront's own (`GOLMOK__STOREFRONT__...` environment variables override
/// the file).
pub type Settings = ServiceSettings<StorefrontSection>;

/// The storefront's own settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorefrontSection {
    /// Score thresholds that route an expert diagnosis.
    pub diagnosis: DiagnosisSettings,
    /// How long after its confirmation an order's lines may be returned.
    pub returns: ReturnSettings,
}

/// Lines of a confirmed order may be returned until `window_days` days after
/// its confirmation (RETURN_WINDOW_CLOSED afterwards).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReturnSettings {
    pub window_days: u32,
}

impl Default for ReturnSettings {
    fn default() -> Self {
        Self { window_days: 14 }
    }
}

impl ReturnSettings {
    pub fn window(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::days(i64::from(self.window_days))
    }
}

/// Marketability below `marketability_threshold` routes to EDUCATION; otherwise
/// online capability below `online_capability_threshold` routes to
/// DEDICATED_SELLER; otherwise CHANNEL_LISTING. Both are scores in 0..=100.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiagnosisSettings {
    /// Lowest marketability score that is not routed to education.
    pub marketability_threshold: u8,
    /// Lowest online-capability score routed to channel listing instead of a dedicated seller.
    pub online_capability_threshold: u8,
}

impl Default for DiagnosisSettings {
    fn default() -> Self {
        Self {
            marketability_threshold: 60,
            online_capability_threshold: 60,
        }
    }
}

impl Section for StorefrontSection {
    const PORT: u16 = 8081;

    /// Checks what serde cannot: thresholds within 0..=100.
    fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            (
                "diagnosis.marketability_threshold",
                self.diagnosis.marketability_threshold,
            ),
            (
                "diagnosis.online_capability_threshold",
                self.diagnosis.online_capability_threshold,
            ),
        ] {
            if value > 100 {
                return Err(format!("{name} must be within 0..=100, not {value}"));
            }
        }
        Ok(())
    }
}

impl DiagnosisSettings {
    pub fn policy(&self) -> DiagnosisPolicy {
        DiagnosisPolicy {
            marketability_min: self.marketability_threshold,
            online_capability_min: self.online_capability_threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use super::*;

    #[test]
    fn unknown_keys_are_refused() {
        let error = serde_json::from_str::<Settings>(r#"{"data_dir":"x","colour":"red"}"#);
        assert!(error.is_err());
        let nested = serde_json::from_str::<Settings>(r#"{"diagnosis":{"threshold":3}}"#);
        assert!(nested.is_err());
    }

    #[test]
    fn missing_keys_take_the_defaults() {
        let settings: Settings =
            serde_json::from_str(r#"{"diagnosis":{"marketability_threshold":70}}"#).unwrap();
        assert_eq!(settings.listen, SocketAddr::from(([127, 0, 0, 1], 8081)));
        assert_eq!(settings.diagnosis.marketability_threshold, 70);
        assert_eq!(settings.diagnosis.online_capability_threshold, 60);
        assert_eq!(settings.consistency_timeout(), Duration::from_secs(5));
    }

    #[test]
    fn the_return_window_is_14_days_unless_set() {
        assert_eq!(
            Settings::default().returns.window(),
            chrono::TimeDelta::days(14)
        );
        let settings: Settings = serde_json::from_str(r#"{"returns":{"window_days":30}}"#).unwrap();
        assert_eq!(settings.returns.window(), chrono::TimeDelta::days(30));
        assert!(serde_json::from_str::<Settings>(r#"{"returns":{"days":3}}"#).is_err());
    }

    #[test]
    fn thresholds_above_100_are_refused() {
        let mut settings = Settings::default();
        assert!(settings.validate().is_ok());
        settings.diagnosis.online_capability_threshold = 101;
        assert!(
            settings
                .validate()
                .unwrap_err()
                .contains("online_capability_threshold")
        );
    }
}
