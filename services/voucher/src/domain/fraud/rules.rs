use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

use crate::domain::{Won, seoul_date};

/// The rules of v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The day's redemption count is far above the merchant's own baseline.
    VelocityAboveBaseline,
    /// Many redemptions of round amounts within a short window.
    RoundAmountBurst,
    /// A newly registered merchant takes a high volume at once.
    NewMerchantVolume,
    /// One wallet redeems again and again at one merchant in a day.
    RepeatedWallet,
}

/// Something the rules observe about a merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A captured redemption (hold captured or one-step payment).
    Redemption {
        merchant_id: Uuid,
        wallet_id: Uuid,
        amount: Won,
        at: DateTime<Utc>,
        /// When the storefront registered the merchant, if known.
        registered_on: Option<NaiveDate>,
    },
}

/// Thresholds of the rules (configured per deployment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FraudPolicy {
    /// Days of history the baseline needs before the velocity rule applies.
    pub baseline_min_days: u32,
    /// The day's count must exceed `velocity_multiplier ×` the baseline daily average …
    pub velocity_multiplier: u32,
    /// … and be at least this many redemptions.
    pub velocity_min_count: u32,
    /// An amount that is a multiple of this is round.
    pub round_unit: Won,
    /// This many round amounts within `burst_window` is a burst.
    pub burst_count: u32,
    pub burst_window: TimeDelta,
    /// A merchant registered fewer than this many days ago is new …
    pub new_merchant_days: u32,
    /// … and a day's volume of at least this much is suspicious.
    pub new_merchant_volume: Won,
    /// This many redemptions of one wallet at one merchant in a day.
    pub repeat_count: u32,
}

impl Default for FraudPolicy {
    fn default() -> Self {
        Self {
            baseline_min_days: 7,
            velocity_multiplier: 3,
            velocity_min_count: 20,
            round_unit: Won(10_000),
            burst_count: 5,
            burst_window: TimeDelta::minutes(10),
            new_merchant_days: 14,
            new_merchant_volume: Won(1_000_000),
            repeat_count: 5,
        }
    }
}

/// Redemptions of one business day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayStats {
    pub count: u32,
    pub volume: Won,
    /// Redemptions per wallet; kept for the current day only.
    pub per_wallet: BTreeMap<Uuid, u32>,
}

/// What the rules remember about one merchant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MerchantRisk {
    /// The first business day a redemption was seen.
    pub first_seen: Option<NaiveDate>,
    /// The last [`BASELINE_WINDOW`] days with redemptions.
    pub days: BTreeMap<NaiveDate, DayStats>,
    /// Times of recent round-amount redemptions.
    pub round_times: VecDeque<DateTime<Utc>>,
    /// Rules already hit per day: each rule opens at most one case a day.
    pub hits: BTreeSet<(NaiveDate, Rule)>,
}

/// Days of history the baseline looks back over.
const BASELINE_WINDOW: u64 = 28;

/// A rule hit: the app opens a case for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: Rule,
    pub merchant_id: Uuid,
    pub day: NaiveDate,
    pub evidence: String,
}

/// Feeds `signal` to the rules, updating `risk`; returns the new hits.
pub fn observe(policy: &FraudPolicy, risk: &mut MerchantRisk, signal: &Signal) -> Vec<Hit> {
    match signal {
        Signal::Redemption {
            merchant_id,
            wallet_id,
            amount,
            at,
            registered_on,
        } => {
            let day = seoul_date(*at);
            let mut found = Vec::new();
            remember(risk, day, *wallet_id, *amount, *at, policy);
            let today = risk.days.get(&day).cloned().unwrap_or_default();
            if let Some(evidence) = velocity(policy, risk, day, &today) {
                found.push((Rule::VelocityAboveBaseline, evidence));
            }
            if amount.is_positive()
                && policy.round_unit.is_positive()
                && amount.0 % policy.round_unit.0 == 0
                && risk.round_times.len() >= policy.burst_count as usize
            {
                found.push((
                    Rule::RoundAmountBurst,
                    format!(
                        "{} redemptions of multiples of {} won within {} minutes",
                        risk.round_times.len(),
                        policy.round_unit.0,
                        policy.burst_window.num_minutes()
                    ),
                ));
            }
            if let Some(registered) = registered_on {
                let young = registered
                    .checked_add_days(Days::new(u64::from(policy.new_merchant_days)))
                    .is_some_and(|end| day < end);
                if young && today.volume >= policy.new_merchant_volume {
                    found.push((
                        Rule::NewMerchantVolume,
                        format!(
                            "registered on {registered}; {} won redeemed on {day}",
                            today.volume.0
                        ),
                    ));
                }
            }
            let repeats = today.per_wallet.get(wallet_id).copied().unwrap_or(0);
            if repeats >= policy.repeat_count {
                found.push((
                    Rule::RepeatedWallet,
                    format!("wallet {wallet_id} redeemed {repeats} times on {day}"),
                ));
            }
            found
                .into_iter()
                .filter(|(rule, _)| risk.hits.insert((day, *rule)))
                .map(|(rule, evidence)| Hit {
                    rule,
                    merchant_id: *merchant_id,
                    day,
                    evidence,
                })
                .collect()
        }
    }
}

fn remember(
    risk: &mut MerchantRisk,
    day: NaiveDate,
    wallet: Uuid,
    amount: Won,
    at: DateTime<Utc>,
    policy: &FraudPolicy,
) {
    risk.first_seen = Some(risk.first_seen.map_or(day, |first| first.min(day)));
    let horizon = day
        .checked_sub_days(Days::new(BASELINE_WINDOW))
        .unwrap_or(day);
    risk.days.retain(|d, _| *d >= horizon);
    risk.hits.retain(|(d, _)| *d >= horizon);
    for (d, stats) in risk.days.iter_mut() {
        if *d != day {
            stats.per_wallet.clear();
        }
    }
    let stats = risk.days.entry(day).or_default();
    stats.count = stats.count.saturating_add(1);
    stats.volume = Won(stats.volume.0.saturating_add(amount.0));
    let per_wallet = stats.per_wallet.entry(wallet).or_default();
    *per_wallet = per_wallet.saturating_add(1);
    if policy.round_unit.is_positive() && amount.0 % policy.round_unit.0 == 0 {
        risk.round_times.push_back(at);
    }
    while risk
        .round_times
        .front()
        .is_some_and(|first| at - *first > policy.burst_window)
    {
        risk.round_times.pop_front();
    }
}

fn velocity(
    policy: &FraudPolicy,
    risk: &MerchantRisk,
    day: NaiveDate,
    today: &DayStats,
) -> Option<String> {
    let first = risk.first_seen?;
    let history_days = (day - first).num_days().min(BASELINE_WINDOW as i64);
    if history_days < i64::from(policy.baseline_min_days) || today.count < policy.velocity_min_count
    {
        return None;
    }
    let earlier: u64 = risk
        .days
        .iter()
        .filter(|(d, _)| **d < day && (day - **d).num_days() <= history_days)
        .map(|(_, s)| u64::from(s.count))
        .fold(0, u64::saturating_add);
    // count > multiplier × earlier / history_days, in integers.
    let history = u64::try_from(history_days).unwrap_or(0);
    let above = u64::from(today.count).saturating_mul(history)
        > u64::from(policy.velocity_multiplier).saturating_mul(earlier);
    above.then(|| {
        format!(
            "{} redemptions on {day} against {earlier} in the previous {history_days} days",
            today.count
        )
    })
}
