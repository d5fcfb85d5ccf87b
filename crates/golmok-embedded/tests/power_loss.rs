//! Storage crash consistency (RELIABILITY.md test 7): the store's two files,
//! the redb file and its write-ahead log, run on a fault-injecting disk that
//! keeps what a disk would keep. At a seeded fsync (of either file, counted
//! together) the power goes out: in each file every synced write survives,
//! each un-synced write survives or not at random, and the last surviving one
//! may be torn at a sector boundary. Other seeds first fail an fsync and keep
//! going. Checkpoints run every 1 to 8 log frames, so both files' syncs are
//! hit. The images are then reopened from real files. Must hold: it opens,
//! no acknowledged event is lost, positions are contiguous, nothing is torn.
//!
//! Derived writes (a projection's rows with its checkpoint, committed without
//! a sync of their own) run beside the appends in a second test: after the
//! power loss each batch is there whole or not at all, never ahead of its
//! checkpoint, and every batch written before an acknowledged append is there.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use golmok_embedded::{EmbeddedStore, Tuning};
use golmok_kernel::conformance::{sample_envelope, verify_after_crash};
use golmok_kernel::{AppendRequest, EventLog, ExpectedVersion, Mutation, ScanOrder, Tables};
use redb::StorageBackend;
use uuid::Uuid;

/// What a redb backend returns: `std::io::Error` with the `std` feature.
type BackendIoError = io::Error;

const SEEDS: u64 = 24;
const SECTOR: usize = 512;

/// xorshift64*: enough randomness to pick crash points, reproducibly.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

#[derive(Debug)]
enum Write {
    Data { offset: u64, bytes: Vec<u8> },
    Len(u64),
}

fn apply(image: &mut Vec<u8>, write: &Write) {
    match write {
        Write::Data { offset, bytes } => {
            let start = usize::try_from(*offset).expect("offset fits");
            if image.len() < start + bytes.len() {
                image.resize(start + bytes.len(), 0);
            }
            image[start..start + bytes.len()].copy_from_slice(bytes);
        }
        Write::Len(len) => image.resize(usize::try_from(*len).expect("length fits"), 0),
    }
}

/// One file of the disk: what the process sees and what a power loss keeps.
#[derive(Debug, Default)]
struct File {
    /// What the process reads: every write so far.
    volatile: Vec<u8>,
    /// What survives a power loss for sure: the state at the last good fsync.
    durable: Vec<u8>,
    /// Writes since the last good fsync, in order.
    pending: Vec<Write>,
}

impl File {
    /// The durable state plus a random subset of the pending writes, the
    /// last of them possibly torn at a sector boundary.
    fn after_power_loss(&self, rng: &mut Rng) -> Vec<u8> {
        let mut image = self.durable.clone();
        let survivors: Vec<&Write> = self.pending.iter().filter(|_| rng.below(2) == 0).collect();
        let tear = rng.below(2) == 0;
        for (index, write) in survivors.iter().enumerate() {
            match write {
                Write::Data { offset, bytes } if tear && index + 1 == survivors.len() => {
                    let sectors = bytes.len().div_ceil(SECTOR) as u64;
                    let kept = (rng.below(sectors) as usize * SECTOR).min(bytes.len());
                    apply(
                        &mut image,
                        &Write::Data {
                            offset: *offset,
                            bytes: bytes[..kept].to_vec(),
                        },
                    );
                }
                _ => apply(&mut image, write),
            }
        }
        image
    }
}

/// The store's two files, [`TABLES`] and [`LOG`], on one disk with one
/// power supply and one fault plan, counted over the syncs of both.
#[derive(Debug)]
struct Disk {
    files: [File; 2],
    /// fsyncs since the fault plan was armed (0 = not armed).
    syncs: u64,
    armed: bool,
    fail_sync_at: Option<u64>,
    power_loss_at: u64,
    rng: Rng,
    /// The images of both files left after the power loss.
    after_power_loss: Option<[Vec<u8>; 2]>,
}

/// Which file of the [`Disk`]: the store file and its write-ahead log.
const TABLES: usize = 0;
const LOG: usize = 1;

impl Disk {
    /// Cuts the power: each file keeps its durable state plus a random
    /// subset of its pending writes.
    fn lose_power(&mut self) {
        if self.after_power_loss.is_some() {
            return;
        }
        let rng = &mut self.rng;
        let images = [TABLES, LOG].map(|file| self.files[file].after_power_loss(rng));
        self.after_power_loss = Some(images);
    }
}

/// A fault-injecting disk holding one store; [`Self::file`] gives the backend
/// of each of its files.
#[derive(Debug, Clone)]
struct FaultyDisk(Arc<Mutex<Disk>>);

impl FaultyDisk {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let power_loss_at = 2 + rng.below(40);
        let fail_sync_at = seed
            .is_multiple_of(3)
            .then(|| 1 + rng.below(power_loss_at - 1));
        Self(Arc::new(Mutex::new(Disk {
            files: [File::default(), File::default()],
            syncs: 0,
            armed: false,
            fail_sync_at,
            power_loss_at,
            rng,
            after_power_loss: None,
        })))
    }

    fn disk(&self) -> MutexGuard<'_, Disk> {
        self.0.lock().expect("disk lock")
    }

    fn file(&self, file: usize) -> FaultyBackend {
        FaultyBackend {
            disk: self.clone(),
            file,
        }
    }

    /// Opens the store on this disk; checkpoints every `checkpoint_frames`.
    fn open(&self, checkpoint_frames: u64) -> Arc<EmbeddedStore> {
        EmbeddedStore::open_with_backends(
            self.file(TABLES),
            self.file(LOG),
            Tuning { checkpoint_frames },
        )
        .expect("open on the faulty disk")
    }

    /// Cuts the power now, if the run has not already; returns whether it
    /// had gone during the run, and the images of both files left.
    fn power_cut(&self) -> (bool, [Vec<u8>; 2]) {
        let mut disk = self.disk();
        let during_the_run = disk.after_power_loss.is_some();
        disk.lose_power();
        let images = disk
            .after_power_loss
            .clone()
            .expect("images after the power loss");
        (during_the_run, images)
    }

    fn alive(&self) -> Result<MutexGuard<'_, Disk>, BackendIoError> {
        let disk = self.disk();
        if disk.after_power_loss.is_some() {
            return Err(io::Error::other("power lost"));
        }
        Ok(disk)
    }
}

/// One file of a [`FaultyDisk`], as a redb backend.
#[derive(Debug)]
struct FaultyBackend {
    disk: FaultyDisk,
    file: usize,
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> Result<u64, BackendIoError> {
        Ok(self.disk.alive()?.files[self.file].volatile.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), BackendIoError> {
        let disk = self.disk.alive()?;
        let start = usize::try_from(offset).expect("offset fits");
        let bytes = disk.files[self.file]
            .volatile
            .get(start..start + out.len())
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end"))?;
        out.copy_from_slice(bytes);
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), BackendIoError> {
        let mut disk = self.disk.alive()?;
        let file = &mut disk.files[self.file];
        let write = Write::Len(len);
        apply(&mut file.volatile, &write);
        file.pending.push(write);
        Ok(())
    }

    fn sync_data(&self) -> Result<(), BackendIoError> {
        let mut disk = self.disk.alive()?;
        if disk.armed {
            disk.syncs += 1;
            if disk.syncs == disk.power_loss_at {
                disk.lose_power();
                return Err(io::Error::other("power lost during fsync"));
            }
            if Some(disk.syncs) == disk.fail_sync_at {
                // Like Linux after a failed fsync: the pending writes may or may not reach the disk.
                return Err(io::Error::other("injected fsync failure"));
            }
        }
        let file = &mut disk.files[self.file];
        let pending = std::mem::take(&mut file.pending);
        for write in &pending {
            apply(&mut file.durable, write);
        }
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), BackendIoError> {
        let mut disk = self.disk.alive()?;
        let file = &mut disk.files[self.file];
        let write = Write::Data {
            offset,
            bytes: data.to_vec(),
        };
        apply(&mut file.volatile, &write);
        file.pending.push(write);
        Ok(())
    }
}

/// Opens the images of both files from real files at `path` (the store
/// file) and `<path>-wal`, as after a reboot.
fn reopen_image(path: &Path, [tables, log]: [Vec<u8>; 2], seed: u64) -> Arc<EmbeddedStore> {
    std::fs::write(path, tables).expect("write the store file's image");
    let mut log_path = path.as_os_str().to_owned();
    log_path.push("-wal");
    std::fs::write(log_path, log).expect("write the log's image");
    EmbeddedStore::open(path)
        .unwrap_or_else(|e| panic!("seed {seed}: the store does not reopen after power loss: {e}"))
}

/// Checkpoints every 1 to 8 frames, so that the power loss and the failed
/// fsync hit the store file's syncs as well as the log's.
fn checkpoint_frames(seed: u64) -> u64 {
    1 + seed % 8
}

/// Appends from 4 tasks until the power goes; returns the acknowledged ids
/// and how many appends failed.
async fn append_until_power_loss(store: Arc<EmbeddedStore>) -> (Vec<Uuid>, usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..4 {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            let stream = format!("power-{task}");
            let (mut acknowledged, mut failed) = (Vec::new(), 0);
            for n in 0..400_usize {
                let events: Vec<_> = (0..=n % 3)
                    .map(|i| sample_envelope(&stream, &format!("{n}.{i}")))
                    .collect();
                let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
                let request = AppendRequest {
                    stream: stream.clone(),
                    expected: ExpectedVersion::Any,
                    events,
                    idempotency: None,
                };
                match store.append(request).await {
                    Ok(_) => acknowledged.extend(ids),
                    Err(_) => {
                        failed += 1;
                        if failed > 20 {
                            break;
                        }
                    }
                }
            }
            (acknowledged, failed)
        });
    }
    let mut acknowledged = Vec::new();
    let mut failed = 0;
    while let Some(joined) = tasks.join_next().await {
        let (ids, failures) = joined.expect("append task");
        acknowledged.extend(ids);
        failed += failures;
    }
    (acknowledged, failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_appends_survive_power_loss_and_fsync_failures() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut lost_power, mut checkpoints) = (0, 0);
    for seed in 1..=SEEDS {
        let backend = FaultyDisk::new(seed);
        let store = backend.open(checkpoint_frames(seed));
        backend.disk().armed = true;
        let (acknowledged, failed) = tokio::time::timeout(
            Duration::from_secs(60),
            append_until_power_loss(Arc::clone(&store)),
        )
        .await
        .unwrap_or_else(|_| panic!("seed {seed}: appends hung"));
        checkpoints += store.stats().checkpoints;
        let (during_the_run, image) = backend.power_cut();
        if during_the_run {
            lost_power += 1;
        }
        drop(store);

        let reopened = reopen_image(&dir.path().join(format!("seed-{seed}.redb")), image, seed);
        let check = verify_after_crash(reopened, &acknowledged).await;
        eprintln!("seed {seed}: {failed} failed appends, {check:?}");
        assert!(failed > 0, "seed {seed}: no append saw the fault");
    }
    assert!(
        lost_power > SEEDS as usize / 2,
        "only {lost_power} seeds cut the power mid-run"
    );
    assert!(
        checkpoints > SEEDS,
        "only {checkpoints} checkpoints in {SEEDS} runs: the faults missed the store file's syncs"
    );
}

const DERIVED: &str = "derived";
const DERIVED_CHECKPOINT: &str = "derived_checkpoint";
const ROWS_PER_BATCH: u64 = 3;

/// One projection batch: its rows and its checkpoint `k`, as a consumer writes them.
fn derived_batch(k: u64) -> Vec<Mutation> {
    let mut batch: Vec<Mutation> = (0..ROWS_PER_BATCH)
        .map(|row| {
            Mutation::put(
                DERIVED,
                "p",
                &format!("{k:06}.{row}"),
                k.to_be_bytes().to_vec(),
            )
        })
        .collect();
    batch.push(Mutation::put(
        DERIVED_CHECKPOINT,
        "p",
        "",
        k.to_be_bytes().to_vec(),
    ));
    batch
}

/// Writes derived batches 1, 2, … as a consumer does (a failed batch is
/// written again), every second one followed by an append. Returns the last
/// batch an acknowledged append followed: it must have been made durable
/// with it.
async fn derive_until_power_loss(store: Arc<EmbeddedStore>) -> u64 {
    let (mut sealed, mut failed, mut k) = (0, 0, 1);
    while k <= 400 && failed <= 20 {
        if store.write_derived(derived_batch(k)).await.is_err() {
            failed += 1;
            continue;
        }
        let written = k;
        k += 1;
        if written % 2 == 1 {
            continue;
        }
        let seal = AppendRequest {
            stream: "seal".into(),
            expected: ExpectedVersion::Any,
            events: vec![sample_envelope("seal", &written.to_string())],
            idempotency: None,
        };
        match store.append(seal).await {
            Ok(_) => sealed = written,
            Err(_) => failed += 1,
        }
    }
    sealed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_writes_are_whole_and_never_behind_a_later_append_after_power_loss() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (mut kept_some, mut derived_commits) = (0, 0);
    for seed in 1..=SEEDS {
        let backend = FaultyDisk::new(seed);
        let store = backend.open(checkpoint_frames(seed));
        backend.disk().armed = true;
        let ((acknowledged, _), sealed) = tokio::time::timeout(Duration::from_secs(60), async {
            tokio::join!(
                append_until_power_loss(Arc::clone(&store)),
                derive_until_power_loss(Arc::clone(&store))
            )
        })
        .await
        .unwrap_or_else(|_| panic!("seed {seed}: writes hung"));
        derived_commits += store.stats().derived_commits;
        let (_, image) = backend.power_cut();
        drop(store);

        let reopened = reopen_image(
            &dir.path().join(format!("derived-{seed}.redb")),
            image,
            seed,
        );
        let check = verify_after_crash(reopened.clone(), &acknowledged).await;
        let checkpoint = reopened
            .get(DERIVED_CHECKPOINT, "p", "")
            .await
            .expect("read the checkpoint")
            .map_or(0, |bytes| {
                u64::from_be_bytes(bytes.try_into().expect("8 bytes"))
            });
        let rows = reopened
            .scan(DERIVED, "p", None, ScanOrder::Ascending, usize::MAX)
            .await
            .expect("scan the derived rows")
            .rows;
        let expected: Vec<String> = (1..=checkpoint)
            .flat_map(|k| (0..ROWS_PER_BATCH).map(move |row| format!("{k:06}.{row}")))
            .collect();
        let found: Vec<String> = rows.into_iter().map(|row| row.clustering).collect();
        eprintln!("seed {seed}: {check:?}, derived checkpoint {checkpoint}, sealed {sealed}");
        assert_eq!(
            found, expected,
            "seed {seed}: the derived rows are not exactly the batches up to checkpoint {checkpoint}"
        );
        assert!(
            checkpoint >= sealed,
            "seed {seed}: batch {sealed} was followed by an acknowledged append but the checkpoint is {checkpoint}"
        );
        if checkpoint > 0 {
            kept_some += 1;
        }
    }
    assert!(
        kept_some > SEEDS as usize / 2,
        "only {kept_some} seeds kept any derived batch"
    );
    assert!(
        derived_commits > 0,
        "no derived batch was ever committed without a sync: the test missed that path"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_writes_are_synced_soon_when_nothing_else_is_written() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let backend = FaultyDisk::new(1);
    let store = backend.open(Tuning::default().checkpoint_frames);
    let before = store.stats();
    store
        .write_derived(derived_batch(1))
        .await
        .expect("write a derived batch");
    assert_eq!(
        store.stats().derived_commits,
        before.derived_commits + 1,
        "the derived batch was not committed on its own without a sync"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while store.stats().commits == before.commits {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no sync followed the derived batch within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Only what the last fsync made durable: the power goes out now.
    let images = backend
        .disk()
        .files
        .each_ref()
        .map(|file| file.durable.clone());
    let reopened = reopen_image(&dir.path().join("synced.redb"), images, 1);
    assert_eq!(
        reopened
            .get(DERIVED_CHECKPOINT, "p", "")
            .await
            .expect("read the checkpoint"),
        Some(1_u64.to_be_bytes().to_vec()),
        "the derived batch was not durable after its sync"
    );
}
