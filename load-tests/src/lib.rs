//! What the benchmarks share.

use std::time::Duration;

/// Latency percentiles of one measurement, in milliseconds.
#[derive(Default)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(mut latencies: Vec<Duration>) -> Self {
        latencies.sort();
        let Some(max) = latencies.last() else {
            return Self::default();
        };
        let at =
            |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        Self {
            count: latencies.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: max.as_secs_f64() * 1e3,
        }
    }
}
