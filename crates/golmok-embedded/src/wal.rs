//! The write-ahead log in front of the store file (ADR 0010): each durable
//! group of the writer is ONE frame written at the log's tail and made
//! durable with one `fdatasync`; redb then commits the same writes without a
//! sync of its own, so the store file's copy-on-write pages are synced only
//! at checkpoints. A checkpoint is a durable redb commit: every frame so far
//! is then durable in the store file too, and the log starts again from its
//! first byte, overwriting blocks the file already has.
//!
//! Frame: `seq u64 | body_len u32 | crc32(body) u32 | crc32(the 16 bytes
//! before) u32 | body`, little-endian; the body is the group's [`Op`]s in
//! order. Sequence numbers go on across restarts of the log: the store file
//! records the last one it holds (`META.applied_frame`).
//!
//! Recovery ([`recover`]) reads the frames from the first byte while each
//! checks out and carries the next sequence number. Frames the store file
//! already holds are skipped; the rest are handed back to be applied. Each
//! frame is synced before the next is written, so a crash can tear only the
//! last one, whose group was never acknowledged: the first frame that fails
//! its checks ends the log. Unless a crash cannot explain it: a whole frame
//! (both CRCs right) numbered after the store file's last one, at any byte
//! after that point, means an acknowledged frame was damaged, and the log is
//! refused as corrupt. Frames left from before the last checkpoint carry
//! numbers the store file already holds, so they neither count as the log
//! nor as such evidence. A header that fails its own CRC has no length to
//! trust, hence the search at every byte; it runs only after a crash, since a
//! clean close empties the log. Damage that hits the very last acknowledged
//! frame with nothing after it cannot be told from a torn write: that group is
//! lost like a torn one (see the ADR).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use redb::StorageBackend;

/// Bytes of a frame header.
const HEADER: usize = 20;
/// The log file grows by at least this much at a time, zeros written, so
/// most frames' syncs overwrite allocated blocks and commit no new size.
const GROW: u64 = 1 << 20;
/// How far past the next expected number a whole frame found after the end
/// still counts as evidence of damage (a real log never gets that far ahead).
const SEARCH_AHEAD: u64 = 1 << 40;

/// One write of a durable group, as the frame records it and as it is
/// applied to the store file (live and on recovery, by the same code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op<'a> {
    /// An event at its global position, the `version`-th of `stream`.
    Event {
        position: u64,
        stream: &'a str,
        version: u64,
        id: u128,
        bytes: &'a [u8],
    },
    /// An append's idempotency record.
    Idempotency {
        key: &'a str,
        fingerprint: &'a str,
        response: &'a [u8],
    },
    /// A row put by the table port.
    Put {
        table: &'a str,
        partition: &'a str,
        clustering: &'a str,
        value: &'a [u8],
    },
    /// A row deleted by the table port.
    Delete {
        table: &'a str,
        partition: &'a str,
        clustering: &'a str,
    },
}

const EVENT: u8 = 1;
const IDEMPOTENCY: u8 = 2;
const PUT: u8 = 3;
const DELETE: u8 = 4;

impl Op<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Op::Event {
                position,
                stream,
                version,
                id,
                bytes,
            } => {
                out.push(EVENT);
                out.extend_from_slice(&position.to_le_bytes());
                out.extend_from_slice(&version.to_le_bytes());
                out.extend_from_slice(&id.to_le_bytes());
                put_bytes(out, stream.as_bytes());
                put_bytes(out, bytes);
            }
            Op::Idempotency {
                key,
                fingerprint,
                response,
            } => {
                out.push(IDEMPOTENCY);
                put_bytes(out, key.as_bytes());
                put_bytes(out, fingerprint.as_bytes());
                put_bytes(out, response);
            }
            Op::Put {
                table,
                partition,
                clustering,
                value,
            } => {
                out.push(PUT);
                put_bytes(out, table.as_bytes());
                put_bytes(out, partition.as_bytes());
                put_bytes(out, clustering.as_bytes());
                put_bytes(out, value);
            }
            Op::Delete {
                table,
                partition,
                clustering,
            } => {
                out.push(DELETE);
                put_bytes(out, table.as_bytes());
                put_bytes(out, partition.as_bytes());
                put_bytes(out, clustering.as_bytes());
            }
        }
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    // Anything above 4 GiB makes the body larger still: `Wal::commit` refuses it.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Reads the ops of a frame body back. The body passed its CRC, so a
/// malformed one means this build cannot read what another one wrote.
pub(crate) fn decode(body: &[u8]) -> Result<Vec<Op<'_>>, String> {
    let mut reader = Reader { body, at: 0 };
    let mut ops = Vec::new();
    while reader.at < body.len() {
        let op = match reader.take(1)?[0] {
            EVENT => Op::Event {
                position: reader.u64()?,
                version: reader.u64()?,
                id: u128::from_le_bytes(reader.array()?),
                stream: reader.text()?,
                bytes: reader.bytes()?,
            },
            IDEMPOTENCY => Op::Idempotency {
                key: reader.text()?,
                fingerprint: reader.text()?,
                response: reader.bytes()?,
            },
            PUT => Op::Put {
                table: reader.text()?,
                partition: reader.text()?,
                clustering: reader.text()?,
                value: reader.bytes()?,
            },
            DELETE => Op::Delete {
                table: reader.text()?,
                partition: reader.text()?,
                clustering: reader.text()?,
            },
            other => return Err(format!("unknown op {other} at byte {}", reader.at - 1)),
        };
        ops.push(op);
    }
    Ok(ops)
}

struct Reader<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let taken = self
            .at
            .checked_add(len)
            .and_then(|end| self.body.get(self.at..end))
            .ok_or_else(|| format!("an op is cut short at byte {}", self.at))?;
        self.at += len;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        self.take(len)
    }

    fn text(&mut self) -> Result<&'a str, String> {
        let at = self.at;
        std::str::from_utf8(self.bytes()?).map_err(|e| format!("op text at byte {at}: {e}"))
    }
}

/// The log's file: the tail where the next frame goes and the frame being
/// assembled. Only the writer thread touches it.
pub(crate) struct Wal {
    file: Box<dyn StorageBackend>,
    /// The file's length.
    len: u64,
    tail: u64,
    /// The number of the last frame written (or the store file's last).
    last: u64,
    /// Frames written since the last checkpoint.
    since_checkpoint: u64,
    /// The frame being assembled: its header, then the derived writes
    /// committed since the last frame or checkpoint (`derived` bytes of
    /// ops), then the group in hand's ops.
    frame: Vec<u8>,
    derived: usize,
}

impl fmt::Debug for Wal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wal")
            .field("tail", &self.tail)
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl Wal {
    /// A log whose frames are all in the store file (`last` is the store
    /// file's `applied_frame`): the next frame goes to the first byte.
    pub(crate) fn new(file: Box<dyn StorageBackend>, last: u64) -> io::Result<Self> {
        Ok(Self {
            len: file.len()?,
            file,
            tail: 0,
            last,
            since_checkpoint: 0,
            frame: vec![0; HEADER],
            derived: 0,
        })
    }

    /// Starts the next group's ops, after the derived writes kept.
    pub(crate) fn begin(&mut self) {
        self.frame.truncate(HEADER + self.derived);
    }

    /// Keeps the ops of a group of derived writes just committed without a
    /// frame: the next frame carries them first, so that replaying it
    /// repeats every commit up to it, in order (a checkpoint drops them).
    pub(crate) fn keep_derived(&mut self) {
        self.derived = self.frame.len() - HEADER;
    }

    pub(crate) fn push(&mut self, op: &Op<'_>) {
        op.encode(&mut self.frame);
    }

    /// Whether the group in hand wrote anything.
    pub(crate) fn has_ops(&self) -> bool {
        self.frame.len() > HEADER + self.derived
    }

    /// The number the frame in hand gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.last + 1
    }

    /// Writes the frame in hand at the tail and syncs it. After an error the
    /// log's tail is unknown: the caller must stop writing (see the writer).
    pub(crate) fn commit(&mut self) -> io::Result<u64> {
        let seq = self.next_seq();
        let body_len = u32::try_from(self.frame.len() - HEADER)
            .map_err(|_| io::Error::other("a group larger than 4 GiB"))?;
        let body_crc = crc32fast::hash(&self.frame[HEADER..]);
        self.frame[..8].copy_from_slice(&seq.to_le_bytes());
        self.frame[8..12].copy_from_slice(&body_len.to_le_bytes());
        self.frame[12..16].copy_from_slice(&body_crc.to_le_bytes());
        let header_crc = crc32fast::hash(&self.frame[..16]);
        self.frame[16..20].copy_from_slice(&header_crc.to_le_bytes());
        let end = self.tail + self.frame.len() as u64;
        if end > self.len {
            self.grow(end.max(self.len + GROW))?;
        }
        self.file.write(self.tail, &self.frame)?;
        self.file.sync_data()?;
        self.tail += self.frame.len() as u64;
        self.last = seq;
        self.since_checkpoint += 1;
        self.derived = 0;
        self.frame.truncate(HEADER);
        Ok(seq)
    }

    /// Extends the file to `len` bytes and writes zeros over the new part,
    /// so its blocks are allocated once (synced with the next frame) and
    /// later frames' syncs overwrite them without committing a new size.
    fn grow(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)?;
        let zeros = vec![0; usize::try_from(len - self.len).unwrap_or(usize::MAX)];
        self.file.write(self.len, &zeros)?;
        self.len = len;
        Ok(())
    }

    /// Bytes (written or kept) and frames since the last checkpoint.
    pub(crate) fn since_checkpoint(&self) -> (u64, u64) {
        (self.tail + self.derived as u64, self.since_checkpoint)
    }

    /// After a durable commit of the store file holding every commit so far:
    /// the next frame overwrites the log from its first byte.
    pub(crate) fn checkpointed(&mut self) {
        self.tail = 0;
        self.since_checkpoint = 0;
        self.derived = 0;
        self.frame.truncate(HEADER);
    }

    /// Empties the file (at a clean close, after the last checkpoint), so the
    /// next open reads nothing.
    pub(crate) fn truncate(&mut self) -> io::Result<()> {
        self.tail = 0;
        self.file.set_len(0)?;
        self.len = 0;
        self.file.sync_data()
    }
}

/// A frame recovered from the log that the store file does not hold yet.
pub(crate) struct Frame {
    pub(crate) seq: u64,
    pub(crate) body: Vec<u8>,
}

/// Reads `file` and returns the frames after `applied` (the store file's
/// last), in order; an error (its reason) when the log is damaged in a way a
/// crash cannot explain or skips a frame.
pub(crate) fn recover(file: &dyn StorageBackend, applied: u64) -> Result<Vec<Frame>, String> {
    let len = file
        .len()
        .map_err(|e| format!("cannot read the log's length: {e}"))?;
    let len = usize::try_from(len).map_err(|_| format!("a log of {len} bytes"))?;
    let mut bytes = vec![0; len];
    file.read(0, &mut bytes)
        .map_err(|e| format!("cannot read the log: {e}"))?;
    let mut frames = Vec::new();
    let mut offset = 0;
    // The number the next frame must carry, once the first one is read.
    let mut expected = None;
    while let Some((seq, body)) = frame_at(&bytes, offset) {
        if expected.is_some_and(|next| seq != next) {
            break;
        }
        if expected.is_none() && seq > applied + 1 {
            return Err(format!(
                "the log starts at frame {seq} but the store file holds frames up to {applied}"
            ));
        }
        if seq > applied {
            frames.push(Frame {
                seq,
                body: body.to_vec(),
            });
        }
        expected = Some(seq + 1);
        offset += HEADER + body.len();
    }
    let floor = expected.unwrap_or(0).max(applied + 1);
    let later = (offset..bytes.len().saturating_sub(HEADER - 1)).find(|&at| {
        seq_at(&bytes, at).is_some_and(|seq| seq >= floor && seq - floor < SEARCH_AHEAD)
            && frame_at(&bytes, at).is_some()
    });
    match later {
        Some(at) => Err(format!(
            "the log ends at byte {offset} but a later frame follows at byte {at}: \
             an acknowledged frame is damaged or missing"
        )),
        None => Ok(frames),
    }
}

fn seq_at(bytes: &[u8], at: usize) -> Option<u64> {
    let word = bytes.get(at..at + 8)?;
    Some(u64::from_le_bytes(word.try_into().ok()?))
}

/// The frame at `at` when its header and body check out: its number and body.
fn frame_at(bytes: &[u8], at: usize) -> Option<(u64, &[u8])> {
    let header = bytes.get(at..at.checked_add(HEADER)?)?;
    let word = |from: usize| u32::from_le_bytes([0, 1, 2, 3].map(|i| header[from + i]));
    if crc32fast::hash(&header[..16]) != word(16) {
        return None;
    }
    let start = at + HEADER;
    let body = bytes.get(start..start.checked_add(word(8) as usize)?)?;
    (crc32fast::hash(body) == word(12)).then(|| (seq_at(header, 0).unwrap_or(0), body))
}

/// The log file of a store kept in a file: `<store file>-wal`.
#[derive(Debug)]
pub(crate) struct LogFile(File);

impl LogFile {
    /// Opens (creating) the log next to the store file at `store`. A new log
    /// file is synced with its directory, so it cannot vanish in a power loss
    /// with frames in it.
    pub(crate) fn open(store: &Path) -> io::Result<(Self, String)> {
        let mut name = store.as_os_str().to_owned();
        name.push("-wal");
        let path = Path::new(&name);
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        if !existed {
            file.sync_all()?;
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            File::open(parent)?.sync_all()?;
        }
        Ok((Self(file), format!("log file {}", path.display())))
    }
}

impl StorageBackend for LogFile {
    fn len(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.0.read_exact_at(out, offset)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }

    fn sync_data(&self) -> io::Result<()> {
        self.0.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.0.write_all_at(data, offset)
    }
}

#[cfg(test)]
mod tests {
    use redb::backends::InMemoryBackend;

    use super::*;

    fn op(n: u64) -> Vec<u8> {
        n.to_le_bytes().to_vec()
    }

    /// Writes frames `applied + 1 ..= applied + count`, one put each.
    fn write_frames(wal: &mut Wal, count: u64) {
        for _ in 0..count {
            let value = op(wal.next_seq());
            wal.begin();
            wal.push(&Op::Put {
                table: "t",
                partition: "p",
                clustering: "c",
                value: &value,
            });
            wal.commit().expect("write a frame");
        }
    }

    fn image(wal: &Wal) -> InMemoryBackend {
        let len = wal.file.len().unwrap();
        let mut bytes = vec![0; usize::try_from(len).unwrap()];
        wal.file.read(0, &mut bytes).unwrap();
        let copy = InMemoryBackend::new();
        copy.set_len(len).unwrap();
        copy.write(0, &bytes).unwrap();
        copy
    }

    fn seqs(frames: &[Frame]) -> Vec<u64> {
        frames.iter().map(|f| f.seq).collect()
    }

    #[test]
    fn every_op_reads_back_as_written() {
        let ops = [
            Op::Event {
                position: 7,
                stream: "shop-1",
                version: 3,
                id: u128::MAX - 5,
                bytes: b"{\"a\":1}",
            },
            Op::Idempotency {
                key: "k",
                fingerprint: "f",
                response: b"",
            },
            Op::Put {
                table: "views",
                partition: "",
                clustering: "한글",
                value: &[0, 1, 2],
            },
            Op::Delete {
                table: "views",
                partition: "p",
                clustering: "c",
            },
        ];
        let mut body = Vec::new();
        for op in &ops {
            op.encode(&mut body);
        }
        assert_eq!(decode(&body).unwrap(), ops);
        assert!(decode(&body[..body.len() - 1]).is_err());
    }

    #[test]
    fn frames_after_the_store_files_last_are_recovered_in_order() {
        let mut wal = Wal::new(Box::new(InMemoryBackend::new()), 10).unwrap();
        write_frames(&mut wal, 4);
        assert_eq!(seqs(&recover(&image(&wal), 10).unwrap()), [11, 12, 13, 14]);
        assert_eq!(seqs(&recover(&image(&wal), 12).unwrap()), [13, 14]);
        assert!(recover(&image(&wal), 14).unwrap().is_empty());
        let gap = recover(&image(&wal), 9).err().unwrap();
        assert!(gap.contains("starts at frame 11"), "{gap}");
    }

    #[test]
    fn frames_left_from_before_a_checkpoint_are_not_read_as_the_log() {
        let mut wal = Wal::new(Box::new(InMemoryBackend::new()), 0).unwrap();
        write_frames(&mut wal, 5);
        wal.checkpointed();
        write_frames(&mut wal, 2);
        // Frames 3..=5 of the earlier round still lie after frames 6 and 7.
        assert_eq!(seqs(&recover(&image(&wal), 5).unwrap()), [6, 7]);
        assert_eq!(seqs(&recover(&image(&wal), 6).unwrap()), [7]);
        wal.checkpointed();
        assert!(recover(&image(&wal), 7).unwrap().is_empty());
    }

    #[test]
    fn a_torn_last_frame_is_cut_and_damage_before_a_whole_frame_is_refused() {
        let mut wal = Wal::new(Box::new(InMemoryBackend::new()), 0).unwrap();
        write_frames(&mut wal, 3);
        let frame = wal.since_checkpoint().0 / 3;
        // A crash tears the last write: any prefix of it survives.
        for kept in [0, 1, 19, 20, 21, frame - 1] {
            let torn = image(&wal);
            torn.set_len(2 * frame + kept).unwrap();
            assert_eq!(seqs(&recover(&torn, 0).unwrap()), [1, 2], "kept {kept}");
        }
        // Damage to an earlier frame, header or body, with a whole frame after.
        for at in [frame + 3, frame + 17, frame + 25] {
            let damaged = image(&wal);
            let mut byte = [0];
            damaged.read(at, &mut byte).unwrap();
            damaged.write(at, &[byte[0] ^ 0x40]).unwrap();
            let error = recover(&damaged, 0).err().unwrap();
            assert!(
                error.contains("a later frame follows"),
                "byte {at}: {error}"
            );
            // Once the store file holds every frame, the bytes are stale.
            assert!(recover(&damaged, 3).unwrap().is_empty());
        }
    }
}
