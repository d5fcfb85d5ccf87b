//! Fraud (깡) rules v1: pure functions over a merchant's stream of [`Signal`]s.
//! A hit names the rule and the evidence; the app opens a case for an
//! official. `Signal` is the open input: store activity from telemetry joins
//! as another variant without touching the existing rules.

mod rules;
#[cfg(test)]
mod tests;

pub use rules::{DayStats, FraudPolicy, Hit, MerchantRisk, Rule, Signal, observe};
