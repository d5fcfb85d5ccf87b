//! An append-only segment log behind the same group-commit writer: each
//! group becomes ONE frame (length + CRC-32s) appended to the current segment
//! file and made durable with one `fdatasync`. The stream and event-id indexes
//! live in memory and are rebuilt from the frames on open.
//!
//! Frame: `body_len u32 | crc32(body) u32 | crc32(first 8 bytes) u32 | body`,
//! body: `first_position u64 | count u32 | count × (id u128 | version u64 |
//! stream_len u16 | payload_len u32 | stream | payload)`, all little-endian.
//! A whole group is one frame, so a group is durable entirely or not at all.
//!
//! Each frame is synced before the next is written, so only the last frame can
//! be torn by a crash (and its group was never acknowledged); the sectors of
//! that one write may land in any mix. On open the first frame that fails its
//! checks ends the log and is cut off, except where a crash cannot explain it:
//! a bad frame in an earlier segment, or a frame whose header checks out but
//! whose body does not while data follows where it claims to end (that write
//! never reached there), or a bad frame of any kind with a whole frame (both
//! CRCs right, a later position) anywhere after it. Those are refused as
//! corruption. A header that fails its own CRC or reads as zeros has no
//! trustworthy length, hence that search (in a preallocated segment the
//! unwritten rest reads as zeros and is skipped).

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};

use crate::engines::{Append, Engine, Outcome};

/// Bytes per segment file.
const SEGMENT_BYTES: u64 = 64 << 20;
const FRAME_HEADER: usize = 12;
const BODY_HEADER: usize = 12;
const ENTRY_HEADER: usize = 16 + 8 + 2 + 4;

/// How segment files are laid out on disk.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Each group extends the file: every `fdatasync` also commits the new
    /// file size (a filesystem journal commit).
    Grow,
    /// Segments are written full of zeros and synced when created, so a
    /// group's `fdatasync` only overwrites data blocks already allocated.
    Preallocated,
}

/// Where an event's frame entry lies: segment index and byte offset of the
/// entry inside it.
#[derive(Clone, Copy)]
struct Location {
    segment: u32,
    offset: u32,
}

/// The in-memory indexes, rebuilt from the frames on open.
#[derive(Default)]
struct Index {
    position: u64,
    /// Stream → the position of each of its events (version = index + 1).
    streams: HashMap<String, Vec<u64>>,
    ids: HashMap<u128, u64>,
    /// `locations[position - 1]`.
    locations: Vec<Location>,
}

pub struct SegmentLog {
    dir: PathBuf,
    layout: Layout,
    /// First position of each segment, in order; the last one is open.
    segments: Vec<u64>,
    file: File,
    /// Where the next frame goes in the open segment.
    offset: u64,
    index: Index,
    frame: Vec<u8>,
    /// A failed write or sync leaves the file's tail unknown: refuse further
    /// groups until the log is reopened (and its tail re-read).
    poisoned: bool,
}

/// One decoded entry of a frame, borrowed from the segment bytes.
struct Entry<'a> {
    id: u128,
    version: u64,
    stream: &'a str,
}

impl SegmentLog {
    /// Opens the log in `dir` (creating it), reading every frame to rebuild
    /// the indexes and cutting off a torn last frame.
    pub fn open(dir: &Path, layout: Layout) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut segments = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(first) = name
                .strip_suffix(".seg")
                .and_then(|stem| stem.parse::<u64>().ok())
            {
                segments.push(first);
            }
        }
        segments.sort_unstable();
        let Some(&last) = segments.last() else {
            let (file, first) = create_segment(dir, layout, 1)?;
            return Ok(Self::assemble(
                dir,
                layout,
                vec![first],
                file,
                0,
                Index::default(),
            ));
        };
        let mut index = Index::default();
        let mut tail = 0;
        for (number, &first) in segments.iter().enumerate() {
            ensure!(
                first == index.position + 1,
                "segment {first} does not follow position {}",
                index.position
            );
            let bytes = std::fs::read(segment_path(dir, first))?;
            let end = index.scan(u32::try_from(number)?, &bytes)?;
            if first != last {
                ensure!(
                    !end.torn,
                    "corrupt frame at byte {} of segment {first}",
                    end.offset
                );
                continue;
            }
            tail = end.offset as u64;
            if end.torn {
                cut_tail(&segment_path(dir, first), layout, tail, bytes.len() as u64)?;
            }
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(segment_path(dir, last))?;
        Ok(Self::assemble(dir, layout, segments, file, tail, index))
    }

    fn assemble(
        dir: &Path,
        layout: Layout,
        segments: Vec<u64>,
        file: File,
        offset: u64,
        index: Index,
    ) -> Self {
        Self {
            dir: dir.to_path_buf(),
            layout,
            segments,
            file,
            offset,
            index,
            frame: Vec::new(),
            poisoned: false,
        }
    }

    pub fn events(&self) -> u64 {
        self.index.position
    }

    /// The version of `stream`'s last event (0 when it has none).
    pub fn stream_version(&self, stream: &str) -> u64 {
        self.index.streams.get(stream).map_or(0, |p| p.len() as u64)
    }

    /// Reads the event at `position` back from its segment.
    pub fn read(&self, position: u64) -> anyhow::Result<(u128, u64, String, Vec<u8>)> {
        let location = *self
            .index
            .locations
            .get(usize::try_from(position)?.wrapping_sub(1))
            .context("no such position")?;
        let first = self.segments[location.segment as usize];
        let mut file = File::open(segment_path(&self.dir, first))?;
        file.seek(SeekFrom::Start(u64::from(location.offset)))?;
        let mut header = [0_u8; ENTRY_HEADER];
        file.read_exact(&mut header)?;
        let (id, version, stream_len, payload_len) = entry_header(&header);
        let mut rest = vec![0_u8; stream_len + payload_len];
        file.read_exact(&mut rest)?;
        let payload = rest.split_off(stream_len);
        Ok((id, version, String::from_utf8(rest)?, payload))
    }

    /// Writes the frame in `self.frame` at the tail and syncs it.
    fn write_frame(&mut self) -> anyhow::Result<()> {
        let frame_len = self.frame.len() as u64;
        let fits = self.offset + frame_len <= SEGMENT_BYTES;
        if !fits && self.offset > 0 {
            let (file, first) = create_segment(&self.dir, self.layout, self.index.position + 1)?;
            self.segments.push(first);
            self.file = file;
            self.offset = 0;
        }
        self.file.seek(SeekFrom::Start(self.offset))?;
        self.file.write_all(&self.frame)?;
        self.file.sync_data()?;
        self.offset += frame_len;
        Ok(())
    }
}

impl Engine for SegmentLog {
    fn commit_group(&mut self, group: &[Append]) -> anyhow::Result<Vec<Outcome>> {
        ensure!(
            !self.poisoned,
            "the log refused writes after a failed write; reopen it"
        );
        // Checks see the earlier appends of the same group; the indexes
        // change only once the frame is durable.
        let mut versions: HashMap<&str, u64> = HashMap::new();
        let mut new_ids = HashSet::new();
        let mut outcomes = Vec::with_capacity(group.len());
        let mut accepted = Vec::with_capacity(group.len());
        for append in group {
            let stream = append.stream.as_str();
            let actual = *versions
                .entry(stream)
                .or_insert_with(|| self.stream_version(stream));
            let seen = self.index.ids.contains_key(&append.id) || new_ids.contains(&append.id);
            if actual != append.expected || seen {
                outcomes.push(Err(actual));
                continue;
            }
            versions.insert(stream, actual + 1);
            new_ids.insert(append.id);
            accepted.push((append, actual + 1));
            outcomes.push(Ok(actual + 1));
        }
        if accepted.is_empty() {
            return Ok(outcomes);
        }
        self.frame.clear();
        self.frame.extend_from_slice(&[0; FRAME_HEADER]);
        self.frame
            .extend_from_slice(&(self.index.position + 1).to_le_bytes());
        self.frame
            .extend_from_slice(&u32::try_from(accepted.len())?.to_le_bytes());
        let mut entry_offsets = Vec::with_capacity(accepted.len());
        for (append, version) in &accepted {
            entry_offsets.push(self.frame.len() - FRAME_HEADER);
            self.frame.extend_from_slice(&append.id.to_le_bytes());
            self.frame.extend_from_slice(&version.to_le_bytes());
            self.frame
                .extend_from_slice(&u16::try_from(append.stream.len())?.to_le_bytes());
            self.frame
                .extend_from_slice(&u32::try_from(append.payload.len())?.to_le_bytes());
            self.frame.extend_from_slice(append.stream.as_bytes());
            self.frame.extend_from_slice(&append.payload);
        }
        let body_len = u32::try_from(self.frame.len() - FRAME_HEADER)?;
        let crc = crc32fast::hash(&self.frame[FRAME_HEADER..]);
        self.frame[..4].copy_from_slice(&body_len.to_le_bytes());
        self.frame[4..8].copy_from_slice(&crc.to_le_bytes());
        let header_crc = crc32fast::hash(&self.frame[..8]);
        self.frame[8..12].copy_from_slice(&header_crc.to_le_bytes());
        if let Err(error) = self.write_frame() {
            self.poisoned = true;
            return Err(error);
        }
        let segment = u32::try_from(self.segments.len() - 1)?;
        let frame_start = self.offset - self.frame.len() as u64 + FRAME_HEADER as u64;
        for ((append, _), entry_offset) in accepted.into_iter().zip(entry_offsets) {
            let offset = u32::try_from(frame_start + entry_offset as u64)?;
            self.index
                .push(&append.stream, append.id, Location { segment, offset });
        }
        Ok(outcomes)
    }
}

/// Where a segment's valid frames end.
struct ScanEnd {
    offset: usize,
    torn: bool,
}

impl Index {
    /// Records the next position as `id`, the next event of `stream`.
    fn push(&mut self, stream: &str, id: u128, location: Location) -> u64 {
        self.position += 1;
        match self.streams.get_mut(stream) {
            Some(positions) => positions.push(self.position),
            None => {
                self.streams.insert(stream.to_owned(), vec![self.position]);
            }
        }
        self.ids.insert(id, self.position);
        self.locations.push(location);
        self.position
    }

    /// Reads the frames of one segment into the indexes; returns where the
    /// valid frames end and whether a bad frame (rather than the file's end
    /// or zeros) ends them.
    fn scan(&mut self, segment: u32, bytes: &[u8]) -> anyhow::Result<ScanEnd> {
        let mut offset = 0;
        loop {
            let header = bytes
                .get(offset..offset + FRAME_HEADER)
                .filter(|header| !zeros(header));
            let Some(header) = header else {
                if zeros(&bytes[offset..]) {
                    return Ok(ScanEnd {
                        offset,
                        torn: false,
                    });
                }
                return self.torn_at(bytes, offset);
            };
            if crc32fast::hash(&header[..8]) != u32::from_le_bytes(header[8..].try_into()?) {
                return self.torn_at(bytes, offset);
            }
            let body_len = u32::from_le_bytes(header[..4].try_into()?) as usize;
            let crc = u32::from_le_bytes(header[4..8].try_into()?);
            let start = offset + FRAME_HEADER;
            let end = start + body_len;
            let body = match bytes.get(start..end) {
                Some(body) if crc32fast::hash(body) == crc => body,
                _ => {
                    ensure!(
                        zeros(bytes.get(end..).unwrap_or_default()),
                        "corrupt frame at byte {offset}: data follows it"
                    );
                    return self.torn_at(bytes, offset);
                }
            };
            let first = u64::from_le_bytes(body[..8].try_into()?);
            ensure!(
                first == self.position + 1,
                "frame at byte {offset} starts at position {first}, expected {}",
                self.position + 1
            );
            for (entry_offset, entry) in entries(body)? {
                let known = self.streams.get(entry.stream).map_or(0, Vec::len) as u64;
                ensure!(
                    entry.version == known + 1,
                    "position {}: {} version {} after {known}",
                    self.position + 1,
                    entry.stream,
                    entry.version,
                );
                ensure!(
                    !self.ids.contains_key(&entry.id),
                    "position {}: duplicate event id",
                    self.position + 1
                );
                let offset = u32::try_from(start + entry_offset)?;
                self.push(entry.stream, entry.id, Location { segment, offset });
            }
            offset = end;
        }
    }
}

impl Index {
    /// A bad frame at `offset` is the torn tail only if no whole frame
    /// follows it: the torn write was the last one, so a later frame that
    /// checks out proves the damage hit an acknowledged frame. The search runs
    /// only after a bad frame, never on a clean open.
    fn torn_at(&self, bytes: &[u8], offset: usize) -> anyhow::Result<ScanEnd> {
        let last_start = bytes.len().saturating_sub(FRAME_HEADER);
        let later = (offset + 1..=last_start).find(|&at| whole_frame_at(bytes, at, self.position));
        match later {
            Some(at) => bail!("corrupt frame at byte {offset}: a whole frame follows at byte {at}"),
            None => Ok(ScanEnd { offset, torn: true }),
        }
    }
}

/// Whether a frame starts at `at` whose header and body check out and whose
/// first position lies after `position`.
fn whole_frame_at(bytes: &[u8], at: usize, position: u64) -> bool {
    let header = &bytes[at..at + FRAME_HEADER];
    let word = |range: std::ops::Range<usize>| {
        u32::from_le_bytes(header[range].try_into().expect("4 bytes"))
    };
    if word(0..4) == 0 || crc32fast::hash(&header[..8]) != word(8..12) {
        return false;
    }
    let start = at + FRAME_HEADER;
    bytes
        .get(start..start + word(0..4) as usize)
        .filter(|body| body.len() >= BODY_HEADER && crc32fast::hash(body) == word(4..8))
        .is_some_and(|body| u64::from_le_bytes(body[..8].try_into().expect("8 bytes")) > position)
}

fn zeros(bytes: &[u8]) -> bool {
    bytes.iter().all(|byte| *byte == 0)
}

fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}.seg"))
}

/// Creates the segment whose first event is `first` and syncs it and the
/// directory entry before any frame goes into it.
fn create_segment(dir: &Path, layout: Layout, first: u64) -> anyhow::Result<(File, u64)> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(segment_path(dir, first))?;
    if layout == Layout::Preallocated {
        let zeros = vec![0_u8; 1 << 20];
        for _ in 0..SEGMENT_BYTES >> 20 {
            file.write_all(&zeros)?;
        }
    }
    file.sync_all()?;
    File::open(dir)?.sync_all()?;
    Ok((file, first))
}

/// Removes a torn frame at `tail` of a segment, durably.
fn cut_tail(path: &Path, layout: Layout, tail: u64, file_len: u64) -> anyhow::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    match layout {
        Layout::Grow => file.set_len(tail)?,
        Layout::Preallocated => {
            file.seek(SeekFrom::Start(tail))?;
            file.write_all(&vec![0_u8; usize::try_from(file_len - tail)?])?;
        }
    }
    file.sync_all()?;
    Ok(())
}

fn entry_header(header: &[u8]) -> (u128, u64, usize, usize) {
    let id = u128::from_le_bytes(header[..16].try_into().expect("16 bytes"));
    let version = u64::from_le_bytes(header[16..24].try_into().expect("8 bytes"));
    let stream_len = u16::from_le_bytes(header[24..26].try_into().expect("2 bytes"));
    let payload_len = u32::from_le_bytes(header[26..30].try_into().expect("4 bytes"));
    (id, version, usize::from(stream_len), payload_len as usize)
}

/// The entries of a frame body whose CRC matched, with each one's offset in
/// the body.
fn entries(body: &[u8]) -> anyhow::Result<Vec<(usize, Entry<'_>)>> {
    ensure!(body.len() >= BODY_HEADER, "frame body too short");
    let count = u32::from_le_bytes(body[8..12].try_into()?);
    let mut offset = BODY_HEADER;
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let header = body
            .get(offset..offset + ENTRY_HEADER)
            .context("frame entry cut short")?;
        let (id, version, stream_len, payload_len) = entry_header(header);
        let start = offset + ENTRY_HEADER;
        let stream = body
            .get(start..start + stream_len)
            .context("frame entry cut short")?;
        ensure!(
            body.len() >= start + stream_len + payload_len,
            "frame entry cut short"
        );
        entries.push((
            offset,
            Entry {
                id,
                version,
                stream: std::str::from_utf8(stream)?,
            },
        ));
        offset = start + stream_len + payload_len;
    }
    ensure!(offset == body.len(), "frame body has trailing bytes");
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(stream: &str, expected: u64, id: u128) -> Append {
        Append {
            stream: stream.to_owned(),
            expected,
            id,
            payload: format!("{stream}#{expected}").into_bytes(),
        }
    }

    fn tail_len(dir: &Path) -> u64 {
        std::fs::metadata(segment_path(dir, 1)).unwrap().len()
    }

    /// Two groups, then a reopen: positions, versions and payloads come
    /// back, and checks see the earlier appends of the same group.
    #[test]
    fn groups_survive_a_reopen_with_their_indexes() {
        for layout in [Layout::Grow, Layout::Preallocated] {
            let dir = tempfile::tempdir().unwrap();
            let mut log = SegmentLog::open(dir.path(), layout).unwrap();
            let outcomes = log
                .commit_group(&[append("a", 0, 1), append("a", 1, 2), append("b", 0, 3)])
                .unwrap();
            assert_eq!(outcomes, vec![Ok(1), Ok(2), Ok(1)]);
            // A stale version and a repeated id are refused, nothing written.
            let outcomes = log
                .commit_group(&[append("a", 1, 4), append("b", 1, 3), append("b", 1, 5)])
                .unwrap();
            assert_eq!(outcomes, vec![Err(2), Err(1), Ok(2)]);
            drop(log);
            let log = SegmentLog::open(dir.path(), layout).unwrap();
            assert_eq!(log.events(), 4);
            assert_eq!(log.stream_version("a"), 2);
            assert_eq!(log.stream_version("b"), 2);
            let (id, version, stream, payload) = log.read(4).unwrap();
            assert_eq!((id, version, stream.as_str()), (5, 2, "b"));
            assert_eq!(payload, b"b#1");
            let (id, version, stream, _) = log.read(2).unwrap();
            assert_eq!((id, version, stream.as_str()), (2, 2, "a"));
        }
    }

    /// A torn last frame (its group was never acknowledged) is cut off on
    /// open; the log then appends after the last whole group.
    #[test]
    fn a_torn_tail_is_cut_and_appends_continue() {
        for layout in [Layout::Grow, Layout::Preallocated] {
            let dir = tempfile::tempdir().unwrap();
            let mut log = SegmentLog::open(dir.path(), layout).unwrap();
            log.commit_group(&[append("a", 0, 1), append("b", 0, 2)])
                .unwrap();
            let tail = log.offset;
            log.commit_group(&[append("a", 1, 3)]).unwrap();
            let end = log.offset;
            drop(log);
            // Tear the second frame: keep its header, drop half its body.
            let mut file = OpenOptions::new()
                .write(true)
                .open(segment_path(dir.path(), 1))
                .unwrap();
            let half = tail + (end - tail) / 2;
            match layout {
                Layout::Grow => file.set_len(half).unwrap(),
                Layout::Preallocated => {
                    file.seek(SeekFrom::Start(half)).unwrap();
                    file.write_all(&vec![0; (end - half) as usize]).unwrap();
                }
            }
            drop(file);
            let mut log = SegmentLog::open(dir.path(), layout).unwrap();
            assert_eq!(log.events(), 2);
            assert_eq!(log.stream_version("a"), 1);
            if layout == Layout::Grow {
                assert_eq!(tail_len(dir.path()), tail);
            }
            let outcomes = log.commit_group(&[append("a", 1, 4)]).unwrap();
            assert_eq!(outcomes, vec![Ok(2)]);
            drop(log);
            let log = SegmentLog::open(dir.path(), layout).unwrap();
            assert_eq!(log.events(), 3);
            assert_eq!(log.read(3).unwrap().0, 4);
        }
    }

    /// Writes two one-event groups, overwrites `bytes` at byte `at` of the
    /// segment and reopens; returns where the second frame starts and the
    /// refusal.
    fn reopen_damaged(layout: Layout, at: u64, bytes: &[u8]) -> (u64, anyhow::Error) {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SegmentLog::open(dir.path(), layout).unwrap();
        log.commit_group(&[append("a", 0, 1)]).unwrap();
        let second = log.offset;
        log.commit_group(&[append("a", 1, 2)]).unwrap();
        drop(log);
        let mut file = OpenOptions::new()
            .write(true)
            .open(segment_path(dir.path(), 1))
            .unwrap();
        file.seek(SeekFrom::Start(at)).unwrap();
        file.write_all(bytes).unwrap();
        drop(file);
        (second, SegmentLog::open(dir.path(), layout).err().unwrap())
    }

    /// Damage a crash cannot explain is refused instead of dropping the
    /// acknowledged groups behind it: a bad body with data after it, and a
    /// bad header (no length to trust) with a whole frame after it.
    #[test]
    fn damage_before_the_tail_is_refused() {
        for layout in [Layout::Grow, Layout::Preallocated] {
            let (_, error) = reopen_damaged(layout, FRAME_HEADER as u64 + 20, &[0xff]);
            assert!(
                error
                    .to_string()
                    .contains("corrupt frame at byte 0: data follows it"),
                "{error}"
            );
            let (second, error) = reopen_damaged(layout, 0, &[0xff, 0xff]);
            let expected =
                format!("corrupt frame at byte 0: a whole frame follows at byte {second}");
            assert!(error.to_string().contains(&expected), "{error}");
        }
    }
}
