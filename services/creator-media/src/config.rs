use golmok_runtime::{Section, ServiceSettings};
use serde::Deserialize;

/// Creator-media settings: the keys every service has (`data_dir`, `listen`
/// (default 127.0.0.1:8083), `consistency_timeout_ms`, `storage`) and its own
/// section (`GOLMOK__CREATOR_MEDIA__...` environment variables override the
/// file).
pub type Settings = ServiceSettings<CreatorMediaSection>;

/// The service's own settings; unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CreatorMediaSection {
    /// How partner webhooks are delivered (`webhooks.max_attempts`, …).
    pub webhooks: WebhookSettings,
    /// Creators' commissions (`commissions.hold_seconds`).
    pub commissions: CommissionSettings,
}

impl Section for CreatorMediaSection {
    const PORT: u16 = 8083;

    fn validate(&self) -> Result<(), String> {
        let w = &self.webhooks;
        if w.poll_ms == 0 || w.timeout_ms == 0 || w.max_attempts == 0 || w.concurrency == 0 {
            return Err(
                "webhooks.poll_ms, timeout_ms, max_attempts and concurrency are at least 1".into(),
            );
        }
        if w.backoff_initial_ms == 0 || w.backoff_initial_ms > w.backoff_max_ms {
            return Err(
                "webhooks.backoff_initial_ms is at least 1 and at most backoff_max_ms".into(),
            );
        }
        if self.commissions.hold_seconds == 0 {
            return Err("commissions.hold_seconds is at least 1".into());
        }
        Ok(())
    }
}

/// How commissions are held.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommissionSettings {
    /// How long a paid order's commission is held before it is payable, in
    /// seconds: the storefront's return window (default 1,209,600 = 14 days).
    pub hold_seconds: u64,
}

impl Default for CommissionSettings {
    fn default() -> Self {
        CommissionSettings {
            hold_seconds: 1_209_600,
        }
    }
}

impl CommissionSettings {
    /// The hold as a duration (capped at 100 years).
    pub fn hold(&self) -> chrono::TimeDelta {
        let seconds = i64::try_from(self.hold_seconds).unwrap_or(i64::MAX);
        chrono::TimeDelta::seconds(seconds.min(100 * 365 * 86_400))
    }
}

/// The webhook delivery worker: attempt `n` that fails is retried after a
/// delay drawn between half and all of `min(backoff_initial_ms × 2^(n-1),
/// backoff_max_ms)`, until `max_attempts` attempts have failed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// How long the worker sleeps when nothing is due, in milliseconds.
    pub poll_ms: u64,
    /// How long one POST may take, connecting included, in milliseconds.
    pub timeout_ms: u64,
    /// The delay before the second attempt (before jitter), in milliseconds.
    pub backoff_initial_ms: u64,
    /// The longest delay between two attempts, in milliseconds (1 hour).
    pub backoff_max_ms: u64,
    /// Attempts before a delivery is given up (`FAILED`).
    pub max_attempts: u32,
    /// Deliveries attempted at the same time.
    pub concurrency: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            poll_ms: 500,
            timeout_ms: 10_000,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 3_600_000,
            max_attempts: 15,
            concurrency: 16,
        }
    }
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
        assert_eq!(settings.own.webhooks, WebhookSettings::default());
        assert_eq!(settings.own.commissions.hold_seconds, 1_209_600);
        assert!(settings.own.validate().is_ok());
    }

    #[test]
    fn webhook_settings_are_checked() {
        let read = |json: &str| serde_json::from_str::<CreatorMediaSection>(json);
        assert!(read(r#"{"webhooks":{"retries":3}}"#).is_err());
        let section = read(r#"{"webhooks":{"max_attempts":3,"backoff_initial_ms":50}}"#).unwrap();
        assert_eq!(section.webhooks.max_attempts, 3);
        assert!(section.validate().is_ok());
        for bad in [
            r#"{"webhooks":{"max_attempts":0}}"#,
            r#"{"webhooks":{"backoff_initial_ms":2000,"backoff_max_ms":1000}}"#,
        ] {
            assert!(read(bad).unwrap().validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_commission_hold_is_at_least_a_second() {
        let read = |json: &str| serde_json::from_str::<CreatorMediaSection>(json);
        assert!(read(r#"{"commissions":{"hold":3}}"#).is_err());
        let section = read(r#"{"commissions":{"hold_seconds":2}}"#).unwrap();
        assert_eq!(section.commissions.hold(), chrono::TimeDelta::seconds(2));
        assert!(section.validate().is_ok());
        let none = read(r#"{"commissions":{"hold_seconds":0}}"#).unwrap();
        assert!(none.validate().is_err());
    }
}
