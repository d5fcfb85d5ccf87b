//! Damaged and foreign files are refused with a clear `Corrupt` error, never
//! opened, never a panic.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use golmok_embedded::EmbeddedStore;
use golmok_kernel::conformance::sample_envelope;
use golmok_kernel::{AppendRequest, EventLog, ExpectedVersion, StorageError};
use tempfile::TempDir;

fn store_path() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("golmok.redb");
    (dir, path)
}

/// A store holding `events` events, closed again.
async fn written_store(path: &Path, events: usize) {
    let store = EmbeddedStore::open(path).expect("open a new store");
    for n in 0..events {
        let stream = format!("stream-{}", n % 7);
        let mut event = sample_envelope(&stream, &"x".repeat(200));
        event.data = serde_json::json!({ "n": n, "padding": "골목".repeat(100) });
        store
            .append(AppendRequest {
                stream,
                expected: ExpectedVersion::Any,
                events: vec![event],
                idempotency: None,
            })
            .await
            .expect("append");
    }
}

fn assert_corrupt(path: &Path, what: &str) -> String {
    match EmbeddedStore::open(path) {
        Err(StorageError::Corrupt(reason)) => {
            assert!(
                reason.contains(&path.display().to_string()),
                "{what}: the error does not name the file: {reason}"
            );
            reason
        }
        Err(other) => panic!("{what}: expected Corrupt, got {other:?}"),
        Ok(_) => panic!("{what}: a damaged file was opened and would be served"),
    }
}

#[test]
fn garbage_bytes_are_refused() {
    let (_dir, path) = store_path();
    let garbage: Vec<u8> = (0..64 * 1024_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, garbage).expect("write garbage");
    assert_corrupt(&path, "garbage bytes");
}

#[test]
fn a_short_garbage_file_is_refused() {
    let (_dir, path) = store_path();
    std::fs::write(&path, b"not a database").expect("write garbage");
    assert_corrupt(&path, "a short garbage file");
}

#[tokio::test]
async fn a_truncated_store_is_refused() {
    let (_dir, path) = store_path();
    written_store(&path, 300).await;
    let len = std::fs::metadata(&path).expect("file size").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open file");
    file.set_len(len / 2).expect("truncate");
    drop(file);
    assert_corrupt(&path, "a store truncated to half");
}

#[tokio::test]
async fn flipped_bytes_in_the_data_are_refused() {
    let (_dir, path) = store_path();
    written_store(&path, 300).await;
    let bytes = std::fs::read(&path).expect("read store");
    let marker = "골목".repeat(100);
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker.as_bytes())
        .expect("an event payload in the file");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open file");
    file.seek(SeekFrom::Start(at as u64 + 10)).expect("seek");
    file.write_all(b"TORN").expect("flip bytes");
    drop(file);
    assert_corrupt(&path, "flipped bytes in an event");
}

#[test]
fn another_redb_file_is_refused() {
    let (_dir, path) = store_path();
    let db = redb::Database::create(&path).expect("create a plain redb file");
    let txn = db.begin_write().expect("write");
    {
        let definition: redb::TableDefinition<&str, u64> =
            redb::TableDefinition::new("someone-else");
        txn.open_table(definition)
            .expect("table")
            .insert("k", 1)
            .expect("insert");
    }
    txn.commit().expect("commit");
    drop(db);
    let reason = assert_corrupt(&path, "a foreign redb file");
    assert!(
        reason.contains("not a Golmok store"),
        "unclear reason: {reason}"
    );
}

#[tokio::test]
async fn a_newer_format_is_refused() {
    let (_dir, path) = store_path();
    written_store(&path, 1).await;
    let db = redb::Database::create(&path).expect("open as plain redb");
    let txn = db.begin_write().expect("write");
    {
        let meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
        txn.open_table(meta)
            .expect("meta")
            .insert("format", 99)
            .expect("insert");
    }
    txn.commit().expect("commit");
    drop(db);
    let reason = assert_corrupt(&path, "a newer format");
    assert!(
        reason.contains("format version 99"),
        "unclear reason: {reason}"
    );
}

#[tokio::test]
async fn an_intact_store_reopens() {
    let (_dir, path) = store_path();
    written_store(&path, 20).await;
    let store = EmbeddedStore::open(&path).expect("reopen an intact store");
    assert_eq!(*store.head().borrow(), 20);
    assert_eq!(store.read_all(1, 100).await.expect("read").len(), 20);
}
