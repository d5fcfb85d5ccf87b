//! Runs N concurrent writers for a fixed time and collects their figures.

use std::future::Future;
use std::time::{Duration, Instant};

/// One writer: appends to its own stream, waiting for each acknowledgement.
pub trait Writer: Send + 'static {
    /// Appends once; returns the number of events acknowledged.
    fn append(&mut self) -> impl Future<Output = anyhow::Result<u64>> + Send;
}

/// What a run of writers achieved.
pub struct Run {
    pub events: u64,
    pub elapsed: Duration,
    /// Latency of every append, sorted.
    latencies: Vec<Duration>,
}

impl Run {
    pub fn events_per_second(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    /// Adds another run's figures, as if the two had run one after the other.
    pub fn absorb(&mut self, other: Run) {
        self.events += other.events;
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
    }

    pub fn latency_percentile(&self, percentile: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((self.latencies.len() - 1) as f64 * percentile / 100.0).round() as usize;
        self.latencies[rank]
    }
}

/// Runs every writer until `duration` has passed.
pub async fn drive<W: Writer>(writers: Vec<W>, duration: Duration) -> anyhow::Result<Run> {
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for mut writer in writers {
        tasks.spawn(async move {
            let mut events = 0;
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let sent = Instant::now();
                events += writer.append().await?;
                latencies.push(sent.elapsed());
            }
            anyhow::Ok((events, latencies))
        });
    }
    let mut run = Run {
        events: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    while let Some(joined) = tasks.join_next().await {
        let (events, latencies) = joined??;
        run.events += events;
        run.latencies.extend(latencies);
    }
    run.elapsed = start.elapsed();
    run.latencies.sort_unstable();
    Ok(run)
}
