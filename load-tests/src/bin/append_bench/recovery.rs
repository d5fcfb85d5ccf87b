//! What opening a log of N events costs each engine: the time a restart, or
//! the recovery after a crash, takes before the first append can be checked.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::ensure;
use fjall::PersistMode;
use golmok_kernel::conformance::sample_envelope;
use uuid::Uuid;

use crate::engines::{Append, Engine, Fjall, Redb};
use crate::lean::RedbLean;
use crate::segment::{Layout, SegmentLog};

/// Streams the log is filled with; each fill group appends once to each.
const STREAMS: usize = 1_000;

pub struct RecoveryRow {
    pub engine: &'static str,
    pub events: u64,
    pub bytes: u64,
    /// Opening the files (with redb's check of every page).
    pub open: Duration,
    /// Rebuilding in-memory indexes after the open, where the engine keeps any.
    pub rebuild: Option<Duration>,
}

impl RecoveryRow {
    pub fn total(&self) -> Duration {
        self.open + self.rebuild.unwrap_or_default()
    }
}

/// Fills each engine with `events` events, closes it, and times the reopen.
pub fn measure_all(dir: &Path, events: u64) -> anyhow::Result<Vec<RecoveryRow>> {
    let mut rows = Vec::new();

    let path = dir.join("recovery-redb");
    fill(&mut Redb::open(fresh(&path)?)?, events)?;
    let opened = Instant::now();
    drop(Redb::open_checked(&path)?);
    rows.push(row(
        "redb (EmbeddedStore layout)",
        &path,
        events,
        opened.elapsed(),
        None,
    )?);

    let path = dir.join("recovery-redb-lean");
    fill(&mut RedbLean::open(fresh(&path)?)?, events)?;
    let opened = Instant::now();
    let mut lean = RedbLean::open(&path)?;
    let open = opened.elapsed();
    let rebuilt = Instant::now();
    let recovered = lean.rebuild()?;
    let rebuild = rebuilt.elapsed();
    ensure!(
        recovered == events,
        "redb lean recovered {recovered} of {events}"
    );
    drop(lean);
    rows.push(row(
        "redb lean (stream versions in memory)",
        &path,
        events,
        open,
        Some(rebuild),
    )?);

    let path = dir.join("recovery-fjall");
    fill(
        &mut Fjall::open(fresh(&path)?, PersistMode::SyncData)?,
        events,
    )?;
    let opened = Instant::now();
    drop(Fjall::open(&path, PersistMode::SyncData)?);
    rows.push(row(
        "fjall (SyncData)",
        &path,
        events,
        opened.elapsed(),
        None,
    )?);

    for (name, slug, layout) in [
        ("segment log (grow)", "grow", Layout::Grow),
        (
            "segment log (preallocated)",
            "preallocated",
            Layout::Preallocated,
        ),
    ] {
        let path = dir.join(format!("recovery-segment-{slug}"));
        fill(&mut SegmentLog::open(fresh(&path)?, layout)?, events)?;
        let opened = Instant::now();
        let log = SegmentLog::open(&path, layout)?;
        let open = opened.elapsed();
        ensure!(
            log.events() == events,
            "{name} recovered {} of {events}",
            log.events()
        );
        spot_check(&log, events)?;
        rows.push(row(name, &path, events, open, None)?);
    }
    Ok(rows)
}

/// Reads the first, middle and last event back through the rebuilt index.
fn spot_check(log: &SegmentLog, events: u64) -> anyhow::Result<()> {
    let payload = serde_json::to_vec(&sample_envelope("merchant-0", "bench"))?;
    for position in [1, events.div_ceil(2), events] {
        let (_, version, stream, read) = log.read(position)?;
        let expected_stream = format!("merchant-{}", (position - 1) % STREAMS as u64);
        let expected_version = (position - 1) / STREAMS as u64 + 1;
        ensure!(
            stream == expected_stream && version == expected_version && read.len() == payload.len(),
            "position {position} read back as {stream} v{version}"
        );
    }
    Ok(())
}

fn fresh(path: &Path) -> anyhow::Result<&Path> {
    std::fs::create_dir_all(path)?;
    Ok(path)
}

/// The figures of one engine; removes its files (a log of a million events
/// is hundreds of MiB).
fn row(
    engine: &'static str,
    path: &Path,
    events: u64,
    open: Duration,
    rebuild: Option<Duration>,
) -> anyhow::Result<RecoveryRow> {
    let bytes = size_on_disk(path)?;
    std::fs::remove_dir_all(path)?;
    Ok(RecoveryRow {
        engine,
        events,
        bytes,
        open,
        rebuild,
    })
}

/// Appends `events` events in groups of one event for each of [`STREAMS`]
/// streams, each group one durable commit.
pub fn fill(engine: &mut impl Engine, events: u64) -> anyhow::Result<()> {
    let payload = serde_json::to_vec(&sample_envelope("merchant-0", "bench"))?;
    let mut versions = vec![0_u64; STREAMS];
    let mut appended = 0;
    while appended < events {
        let count = usize::try_from((events - appended).min(STREAMS as u64))?;
        let group: Vec<Append> = (0..count)
            .map(|stream| Append {
                stream: format!("merchant-{stream}"),
                expected: versions[stream],
                id: Uuid::now_v7().as_u128(),
                payload: payload.clone(),
            })
            .collect();
        for (stream, outcome) in engine.commit_group(&group)?.into_iter().enumerate() {
            match outcome {
                Ok(version) => versions[stream] = version,
                Err(actual) => anyhow::bail!("fill conflict: merchant-{stream} is at {actual}"),
            }
        }
        appended += count as u64;
    }
    Ok(())
}

fn size_on_disk(path: &Path) -> anyhow::Result<u64> {
    let mut bytes = 0;
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        bytes += if meta.is_dir() {
            size_on_disk(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(bytes)
}
