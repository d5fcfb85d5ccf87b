//! P3: durable appends through `EmbeddedStore` (group commit), next to the
//! raw fsync rate of the same disk.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use golmok_embedded::EmbeddedStore;
use golmok_kernel::conformance::sample_envelope;
use golmok_kernel::{AppendRequest, EventLog, ExpectedVersion};

use crate::drive::{Run, Writer, drive};
use crate::fsync::raw_fsync_rate;

struct StoreWriter {
    store: Arc<EmbeddedStore>,
    stream: String,
    version: u64,
}

impl Writer for StoreWriter {
    async fn append(&mut self) -> anyhow::Result<u64> {
        let mut event = sample_envelope(&self.stream, "bench");
        event.data =
            serde_json::json!({ "merchant": self.stream, "amountWon": 12_000, "sku": "떡-001" });
        let appended = self
            .store
            .append(AppendRequest {
                stream: self.stream.clone(),
                expected: ExpectedVersion::from_loaded(self.version),
                events: vec![event],
                idempotency: None,
            })
            .await?;
        self.version = appended.stream_version;
        Ok(1)
    }
}

pub struct StoreRow {
    pub writers: usize,
    pub run: Run,
    pub commits: u64,
    /// Mean of the raw fsync rate sampled before and after the level.
    pub fsyncs_per_second: f64,
    pub fsyncs_range: (f64, f64),
}

pub async fn measure(dir: &Path, writers: usize, duration: Duration) -> anyhow::Result<StoreRow> {
    let level = dir.join(format!("store-{writers}"));
    std::fs::create_dir_all(&level)?;
    // This disk's fsync rate drifts by several times within a minute: sample
    // it right before and right after the level and take the mean.
    let probe = Duration::from_millis(1_500);
    let fsyncs_before = raw_fsync_rate(&level, probe)?;
    let store = EmbeddedStore::open(&level.join("golmok.redb"))?;
    let before = store.stats();
    let bench_writers = (0..writers)
        .map(|w| StoreWriter {
            store: Arc::clone(&store),
            stream: format!("merchant-{w}"),
            version: 0,
        })
        .collect();
    let run = drive(bench_writers, duration).await?;
    let after = store.stats();
    let fsyncs_after = raw_fsync_rate(&level, probe)?;
    anyhow::ensure!(
        after.events_appended - before.events_appended == run.events,
        "the store counted {} events, the writers {}",
        after.events_appended - before.events_appended,
        run.events
    );
    Ok(StoreRow {
        writers,
        run,
        commits: after.commits - before.commits,
        fsyncs_per_second: (fsyncs_before + fsyncs_after) / 2.0,
        fsyncs_range: (
            fsyncs_before.min(fsyncs_after),
            fsyncs_before.max(fsyncs_after),
        ),
    })
}

/// What reads cost on a store of `events` events: decides how the adapter
/// runs them (inline or on the blocking pool).
pub struct ReadTiming {
    pub events: u64,
    /// Mean time of one `read_all` of each page size, as the store runs it.
    pub pages: Vec<(usize, Duration)>,
    /// Mean round trip of an empty `spawn_blocking` closure.
    pub spawn_blocking: Duration,
    /// Reopening the store, including the full integrity check.
    pub open: Duration,
}

pub async fn read_timing(dir: &Path, writers: usize) -> anyhow::Result<ReadTiming> {
    let path = dir.join(format!("store-{writers}")).join("golmok.redb");
    let opened = Instant::now();
    let store = EmbeddedStore::open(&path)?;
    let open = opened.elapsed();
    let events = *store.head().borrow();
    let rounds = 200_u32;
    let mut pages = Vec::new();
    for page in [1, 16, 32, 512] {
        let started = Instant::now();
        for round in 0..u64::from(rounds) {
            let from = 1 + (round * 997) % events.saturating_sub(page as u64).max(1);
            let read = store.read_all(from, page).await?;
            anyhow::ensure!(
                read.len() == page,
                "read_all({from}, {page}) returned {}",
                read.len()
            );
        }
        pages.push((page, started.elapsed() / rounds));
    }
    let started = Instant::now();
    for _ in 0..rounds {
        tokio::task::spawn_blocking(|| ()).await?;
    }
    let spawn_blocking = started.elapsed() / rounds;
    Ok(ReadTiming {
        events,
        pages,
        spawn_blocking,
        open,
    })
}
