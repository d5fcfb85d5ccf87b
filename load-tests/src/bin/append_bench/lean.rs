//! redb without the per-event stream-index rows: each event row carries its
//! stream and version, the event-id index stays in redb (UUIDv7 keys grow, so
//! a group's ids share the rightmost leaves), and the stream versions live in
//! memory, rebuilt by scanning the event rows on open. A commit then dirties
//! the tail leaves of two tables instead of one leaf per stream touched.

use std::collections::HashMap;
use std::path::Path;

use anyhow::ensure;
use redb::{Database, Durability, ReadableDatabase, ReadableTable};

use crate::engines::{Append, EVENTS, Engine, IDS, Outcome, open_checked};

pub struct RedbLean {
    db: Database,
    /// Stream → version of its last event.
    versions: HashMap<String, u64>,
    position: u64,
}

impl RedbLean {
    /// Opens (checking every page, as `EmbeddedStore` does) without reading
    /// the events yet.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            db: open_checked(&dir.join("bench.redb"))?,
            versions: HashMap::new(),
            position: 0,
        })
    }

    /// Rebuilds the stream versions from the event rows; returns the number
    /// of events read.
    pub fn rebuild(&mut self) -> anyhow::Result<u64> {
        self.versions.clear();
        self.position = 0;
        let txn = self.db.begin_read()?;
        let events = match txn.open_table(EVENTS) {
            Ok(events) => events,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
            Err(error) => return Err(error.into()),
        };
        for row in events.iter()? {
            let (position, value) = row?;
            let (stream, version) = decode(value.value())?;
            let known = self.versions.get(stream).copied().unwrap_or(0);
            ensure!(
                version == known + 1,
                "position {}: {stream} version {version} after {known}",
                position.value()
            );
            match self.versions.get_mut(stream) {
                Some(last) => *last = version,
                None => {
                    self.versions.insert(stream.to_owned(), version);
                }
            }
            self.position = position.value();
        }
        Ok(self.position)
    }
}

/// Event row: `version u64 | stream_len u16 | stream | payload`.
fn encode(row: &mut Vec<u8>, stream: &str, version: u64, payload: &[u8]) -> anyhow::Result<()> {
    row.clear();
    row.extend_from_slice(&version.to_le_bytes());
    row.extend_from_slice(&u16::try_from(stream.len())?.to_le_bytes());
    row.extend_from_slice(stream.as_bytes());
    row.extend_from_slice(payload);
    Ok(())
}

fn decode(row: &[u8]) -> anyhow::Result<(&str, u64)> {
    ensure!(row.len() >= 10, "event row too short");
    let version = u64::from_le_bytes(row[..8].try_into()?);
    let len = usize::from(u16::from_le_bytes(row[8..10].try_into()?));
    let stream = row
        .get(10..10 + len)
        .ok_or_else(|| anyhow::anyhow!("event row cut short"))?;
    Ok((std::str::from_utf8(stream)?, version))
}

impl Engine for RedbLean {
    fn commit_group(&mut self, group: &[Append]) -> anyhow::Result<Vec<Outcome>> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        let mut outcomes = Vec::with_capacity(group.len());
        // Versions change in memory only once the commit is durable.
        let mut staged: HashMap<&str, u64> = HashMap::new();
        let mut position = self.position;
        let mut row = Vec::new();
        {
            let mut events = txn.open_table(EVENTS)?;
            let mut ids = txn.open_table(IDS)?;
            for append in group {
                let stream = append.stream.as_str();
                let actual = match staged.get(stream) {
                    Some(version) => *version,
                    None => self.versions.get(stream).copied().unwrap_or(0),
                };
                if actual != append.expected || ids.get(append.id)?.is_some() {
                    outcomes.push(Err(actual));
                    continue;
                }
                position += 1;
                encode(&mut row, stream, actual + 1, &append.payload)?;
                events.insert(position, row.as_slice())?;
                ids.insert(append.id, position)?;
                staged.insert(stream, actual + 1);
                outcomes.push(Ok(actual + 1));
            }
        }
        txn.commit()?;
        for (stream, version) in staged {
            match self.versions.get_mut(stream) {
                Some(last) => *last = version,
                None => {
                    self.versions.insert(stream.to_owned(), version);
                }
            }
        }
        self.position = position;
        Ok(outcomes)
    }
}
