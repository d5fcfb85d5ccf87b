//! The engines part 2 compares, each behind the same group-commit writer.

use std::path::Path;
use std::time::Duration;

use fjall::PersistMode;

use crate::engines::{self, EngineRow, Fjall, Redb};
use crate::indexed::IndexedLog;
use crate::lean::RedbLean;
use crate::segment::{Layout, SegmentLog};

#[derive(Clone, Copy)]
pub enum Candidate {
    Redb,
    RedbLean,
    FjallSyncAll,
    FjallSyncData,
    SegmentGrow,
    SegmentPreallocated,
    SegmentWithRedbIds,
}

pub const CANDIDATES: [Candidate; 7] = [
    Candidate::Redb,
    Candidate::RedbLean,
    Candidate::FjallSyncAll,
    Candidate::FjallSyncData,
    Candidate::SegmentGrow,
    Candidate::SegmentPreallocated,
    Candidate::SegmentWithRedbIds,
];

impl Candidate {
    pub fn name(self) -> &'static str {
        match self {
            Self::Redb => "redb (Immediate = fdatasync)",
            Self::RedbLean => "redb lean (stream versions in memory)",
            Self::FjallSyncAll => "fjall (SyncAll = fsync)",
            Self::FjallSyncData => "fjall (SyncData = fdatasync)",
            Self::SegmentGrow => "segment log (grow + fdatasync)",
            Self::SegmentPreallocated => "segment log (preallocated + fdatasync)",
            Self::SegmentWithRedbIds => "segment log (preallocated) + id rows applied to redb",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::Redb => "redb",
            Self::RedbLean => "redb-lean",
            Self::FjallSyncAll => "fjall-syncall",
            Self::FjallSyncData => "fjall-syncdata",
            Self::SegmentGrow => "segment-grow",
            Self::SegmentPreallocated => "segment-prealloc",
            Self::SegmentWithRedbIds => "segment-redb-ids",
        }
    }

    /// Opens a fresh engine in `dir` and runs `writers` writers against it.
    pub async fn measure(
        self,
        dir: &Path,
        writers: usize,
        duration: Duration,
    ) -> anyhow::Result<EngineRow> {
        let name = self.name();
        match self {
            Self::Redb => engines::measure(name, Redb::open(dir)?, writers, duration).await,
            Self::RedbLean => {
                let mut lean = RedbLean::open(dir)?;
                lean.rebuild()?;
                engines::measure(name, lean, writers, duration).await
            }
            Self::FjallSyncAll | Self::FjallSyncData => {
                let persist = match self {
                    Self::FjallSyncAll => PersistMode::SyncAll,
                    _ => PersistMode::SyncData,
                };
                engines::measure(name, Fjall::open(dir, persist)?, writers, duration).await
            }
            Self::SegmentGrow | Self::SegmentPreallocated => {
                let layout = match self {
                    Self::SegmentGrow => Layout::Grow,
                    _ => Layout::Preallocated,
                };
                engines::measure(name, SegmentLog::open(dir, layout)?, writers, duration).await
            }
            Self::SegmentWithRedbIds => {
                engines::measure(name, IndexedLog::open(dir)?, writers, duration).await
            }
        }
    }
}
