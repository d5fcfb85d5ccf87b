use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::Won;
use crate::domain::fixtures::{at, date};

fn redemption(wallet: u128, amount: i64, when: DateTime<Utc>) -> Signal {
    Signal::Redemption {
        merchant_id: Uuid::from_u128(0x101),
        wallet_id: Uuid::from_u128(wallet),
        amount: Won(amount),
        at: when,
        registered_on: Some(date(2020, 1, 1)),
    }
}

fn rules(hits: &[Hit]) -> Vec<Rule> {
    hits.iter().map(|h| h.rule).collect()
}

#[test]
fn a_burst_of_round_amounts_hits_once_a_day() {
    let policy = FraudPolicy::default();
    let mut risk = MerchantRisk::default();
    let start = at("2026-06-01T03:00:00Z");
    let mut all = Vec::new();
    for n in 0..4 {
        all.extend(observe(
            &policy,
            &mut risk,
            &redemption(n, 50_000, start + TimeDelta::minutes(n as i64)),
        ));
    }
    assert!(all.is_empty(), "four are not yet a burst");
    let hits = observe(
        &policy,
        &mut risk,
        &redemption(9, 30_000, start + TimeDelta::minutes(5)),
    );
    assert_eq!(rules(&hits), vec![Rule::RoundAmountBurst]);
    let again = observe(
        &policy,
        &mut risk,
        &redemption(10, 30_000, start + TimeDelta::minutes(6)),
    );
    assert!(again.is_empty());
}

#[test]
fn round_amounts_spread_out_are_no_burst() {
    let policy = FraudPolicy::default();
    let mut risk = MerchantRisk::default();
    let start = at("2026-06-01T03:00:00Z");
    for n in 0..10 {
        let hits = observe(
            &policy,
            &mut risk,
            &redemption(n, 10_000, start + TimeDelta::minutes(11 * n as i64)),
        );
        assert!(hits.is_empty(), "{hits:?}");
    }
}

#[test]
fn one_wallet_redeeming_again_and_again_at_one_merchant_hits() {
    let policy = FraudPolicy::default();
    let mut risk = MerchantRisk::default();
    let start = at("2026-06-01T00:00:00Z");
    let mut found = Vec::new();
    for n in 0..5 {
        found.extend(observe(
            &policy,
            &mut risk,
            &redemption(1, 3_210, start + TimeDelta::hours(n)),
        ));
    }
    assert_eq!(rules(&found), vec![Rule::RepeatedWallet]);
}

#[test]
fn velocity_is_judged_against_the_merchants_own_baseline() {
    let policy = FraudPolicy::default();
    let mut risk = MerchantRisk::default();
    // Ten days of 8 redemptions a day from different wallets.
    let mut wallet = 0;
    for day in 0..10 {
        for n in 0..8 {
            wallet += 1;
            let when =
                at("2026-06-01T01:00:00Z") + TimeDelta::days(day) + TimeDelta::minutes(30 * n);
            assert!(observe(&policy, &mut risk, &redemption(wallet, 4_321, when)).is_empty());
        }
    }
    // Day 11: 24 is three times the baseline, not more; the 25th is.
    let mut found = Vec::new();
    for n in 0..25 {
        wallet += 1;
        let when = at("2026-06-11T01:00:00Z") + TimeDelta::minutes(20 * n);
        found.push(observe(
            &policy,
            &mut risk,
            &redemption(wallet, 4_321, when),
        ));
    }
    assert!(found[..24].iter().all(Vec::is_empty));
    assert_eq!(rules(&found[24]), vec![Rule::VelocityAboveBaseline]);
}

#[test]
fn a_new_merchant_with_instant_volume_hits() {
    let policy = FraudPolicy::default();
    let mut risk = MerchantRisk::default();
    let signal = |wallet: u128, amount: i64| Signal::Redemption {
        merchant_id: Uuid::from_u128(0x101),
        wallet_id: Uuid::from_u128(wallet),
        amount: Won(amount),
        at: at("2026-06-03T03:00:00Z"),
        registered_on: Some(date(2026, 6, 1)),
    };
    assert!(observe(&policy, &mut risk, &signal(1, 999_999)).is_empty());
    assert_eq!(
        rules(&observe(&policy, &mut risk, &signal(2, 1_234))),
        vec![Rule::NewMerchantVolume]
    );
}
