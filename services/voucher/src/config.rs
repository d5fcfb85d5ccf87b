use chrono::{NaiveDate, TimeDelta};
use golmok_runtime::{Section, ServiceSettings};
use serde::Deserialize;

use crate::domain::fraud::FraudPolicy;
use crate::domain::{BusinessCalendar, Won};

/// Voucher settings: the keys every service has (`data_dir`, `listen`
/// (default 127.0.0.1:8082), `consistency_timeout_ms`, `storage`) and the
/// voucher service's own (`GOLMOK__VOUCHER__...` environment variables
/// override the file).
pub type Settings = ServiceSettings<VoucherSection>;

/// The voucher service's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoucherSection {
    /// How long a redemption hold lasts before it times out, in seconds.
    pub hold_timeout_secs: u64,
    /// How often timed-out holds are released, closed days settled, due
    /// batches paid out and ended programmes expired, in seconds (0 = never;
    /// officials can still run settlement and expiry by hand).
    pub housekeeping_interval_secs: u64,
    pub settlement: SettlementSettings,
    pub fraud: FraudSettings,
}

/// When settled batches are paid.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SettlementSettings {
    /// Korean business days from a batch's business date to its payout (T+N).
    pub payout_lag_days: u32,
    /// Public holidays (YYYY-MM-DD) that are not business days; weekends never are.
    pub holidays: Vec<NaiveDate>,
}

/// Thresholds of the fraud (깡) rules v1.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FraudSettings {
    /// Days of history a merchant's baseline needs before velocity is judged.
    pub baseline_min_days: u32,
    /// A day's count above this multiple of the baseline daily average hits.
    pub velocity_multiplier: u32,
    /// Fewer redemptions than this in a day never hit the velocity rule.
    pub velocity_min_count: u32,
    /// Amounts that are multiples of this many won are round.
    pub round_unit_won: i64,
    /// This many round amounts within `burst_window_minutes` is a burst.
    pub burst_count: u32,
    pub burst_window_minutes: i64,
    /// A merchant registered fewer days ago than this is new …
    pub new_merchant_days: u32,
    /// … and this many won redeemed in a day at a new merchant hits.
    pub new_merchant_volume_won: i64,
    /// This many redemptions of one wallet at one merchant in a day hits.
    pub repeat_count: u32,
}

/// Korean public holidays of 2026 (대체공휴일 included).
fn holidays_2026() -> Vec<NaiveDate> {
    [
        (1, 1),
        (2, 16),
        (2, 17),
        (2, 18),
        (3, 2),
        (5, 5),
        (5, 25),
        (6, 3),
        (8, 17),
        (9, 24),
        (9, 25),
        (9, 26),
        (10, 5),
        (10, 9),
        (12, 25),
    ]
    .into_iter()
    .filter_map(|(m, d)| NaiveDate::from_ymd_opt(2026, m, d))
    .collect()
}

impl Default for VoucherSection {
    fn default() -> Self {
        Self {
            hold_timeout_secs: 15 * 60,
            housekeeping_interval_secs: 60,
            settlement: SettlementSettings::default(),
            fraud: FraudSettings::default(),
        }
    }
}

impl Default for SettlementSettings {
    fn default() -> Self {
        Self {
            payout_lag_days: 2,
            holidays: holidays_2026(),
        }
    }
}

impl Default for FraudSettings {
    fn default() -> Self {
        let policy = FraudPolicy::default();
        Self {
            baseline_min_days: policy.baseline_min_days,
            velocity_multiplier: policy.velocity_multiplier,
            velocity_min_count: policy.velocity_min_count,
            round_unit_won: policy.round_unit.0,
            burst_count: policy.burst_count,
            burst_window_minutes: policy.burst_window.num_minutes(),
            new_merchant_days: policy.new_merchant_days,
            new_merchant_volume_won: policy.new_merchant_volume.0,
            repeat_count: policy.repeat_count,
        }
    }
}

impl VoucherSection {
    pub fn hold_timeout(&self) -> TimeDelta {
        TimeDelta::seconds(i64::try_from(self.hold_timeout_secs).unwrap_or(i64::MAX / 1_000))
    }

    pub fn calendar(&self) -> BusinessCalendar {
        BusinessCalendar::new(self.settlement.holidays.iter().copied())
    }
}

impl Section for VoucherSection {
    const PORT: u16 = 8082;

    /// Checks what serde cannot: positive durations and thresholds.
    fn validate(&self) -> Result<(), String> {
        if self.hold_timeout_secs == 0 || self.hold_timeout_secs > 7 * 24 * 3600 {
            return Err("hold_timeout_secs must be within 1..=604800".into());
        }
        let fraud = &self.fraud;
        if fraud.round_unit_won <= 0 || fraud.new_merchant_volume_won <= 0 {
            return Err("fraud amounts must be more than 0 won".into());
        }
        if fraud.burst_window_minutes <= 0 || fraud.burst_count == 0 || fraud.repeat_count == 0 {
            return Err("fraud windows and counts must be more than 0".into());
        }
        Ok(())
    }
}

impl FraudSettings {
    pub fn policy(&self) -> FraudPolicy {
        FraudPolicy {
            baseline_min_days: self.baseline_min_days,
            velocity_multiplier: self.velocity_multiplier,
            velocity_min_count: self.velocity_min_count,
            round_unit: Won(self.round_unit_won),
            burst_count: self.burst_count,
            burst_window: TimeDelta::minutes(self.burst_window_minutes),
            new_merchant_days: self.new_merchant_days,
            new_merchant_volume: Won(self.new_merchant_volume_won),
            repeat_count: self.repeat_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused() {
        assert!(serde_json::from_str::<Settings>(r#"{"colour":"red"}"#).is_err());
        assert!(serde_json::from_str::<Settings>(r#"{"fraud":{"burst":3}}"#).is_err());
    }

    #[test]
    fn missing_keys_take_the_defaults_and_holidays_parse() {
        let settings: Settings = serde_json::from_str(
            r#"{"hold_timeout_secs":60,"settlement":{"holidays":["2027-01-01"]}}"#,
        )
        .unwrap();
        assert_eq!(settings.hold_timeout(), TimeDelta::minutes(1));
        assert_eq!(settings.settlement.payout_lag_days, 2);
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(!settings.calendar().is_business_day(new_year));
        assert_eq!(settings.fraud.policy(), FraudPolicy::default());
    }

    #[test]
    fn nonsense_thresholds_are_refused() {
        let mut settings = Settings::default();
        assert!(settings.validate().is_ok());
        settings.hold_timeout_secs = 0;
        assert!(
            settings
                .validate()
                .unwrap_err()
                .contains("hold_timeout_secs")
        );
        let mut settings = Settings::default();
        settings.fraud.round_unit_won = 0;
        assert!(settings.validate().is_err());
    }
}
