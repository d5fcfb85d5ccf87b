//! ADR 0010's step B, costed: the segment log acknowledges a group once its
//! frame is synced, and the group's event-id rows are then applied to a redb
//! file in a non-durable transaction (one durable checkpoint every
//! [`CHECKPOINT_EVERY`] groups), as the adopted store would keep its id index.
//! Applied before the group is answered, not pipelined: an upper bound on the
//! cost.

use std::path::Path;

use redb::{Database, Durability};

use crate::engines::{Append, Engine, IDS, Outcome, open_checked};
use crate::segment::{Layout, SegmentLog};

/// Groups between two durable redb checkpoints.
const CHECKPOINT_EVERY: u64 = 1_000;

pub struct IndexedLog {
    log: SegmentLog,
    ids: Database,
    groups: u64,
}

impl IndexedLog {
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            log: SegmentLog::open(&dir.join("log"), Layout::Preallocated)?,
            ids: open_checked(&dir.join("ids.redb"))?,
            groups: 0,
        })
    }
}

impl Engine for IndexedLog {
    fn commit_group(&mut self, group: &[Append]) -> anyhow::Result<Vec<Outcome>> {
        let first = self.log.events() + 1;
        let outcomes = self.log.commit_group(group)?;
        self.groups += 1;
        let mut txn = self.ids.begin_write()?;
        let durability = if self.groups.is_multiple_of(CHECKPOINT_EVERY) {
            Durability::Immediate
        } else {
            Durability::None
        };
        txn.set_durability(durability)?;
        {
            let mut ids = txn.open_table(IDS)?;
            let accepted = group
                .iter()
                .zip(&outcomes)
                .filter(|(_, outcome)| outcome.is_ok());
            for ((append, _), position) in accepted.zip(first..) {
                ids.insert(append.id, position)?;
            }
        }
        txn.commit()?;
        Ok(outcomes)
    }
}
