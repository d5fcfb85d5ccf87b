//! Real-process crash test: a worker process appends concurrently and prints
//! every acknowledged event id; the test SIGKILLs it mid-append, reopens the
//! store and checks that nothing acknowledged was lost and nothing is torn.
//! Five crashes in a row on the same file, each recovered by the next open.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::conformance::{CrashCheck, verify_after_crash};
use uuid::Uuid;

const CRASHES: usize = 5;
const WORKER_TASKS: &str = "8";

/// Runs the worker on `path` until it has acknowledged at least `kill_after`
/// events, kills it with SIGKILL and returns every id it acknowledged.
fn crash_worker(path: &Path, kill_after: usize) -> Vec<Uuid> {
    let mut worker = Command::new(env!("CARGO_BIN_EXE_golmok-append-worker"))
        .arg(path)
        .arg(WORKER_TASKS)
        .arg("120")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the append worker");
    let stdout = worker.stdout.take().expect("worker stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut acknowledged = Vec::new();
    while acknowledged.len() < kill_after {
        match lines.next() {
            Some(line) => {
                let line = line.expect("read worker output");
                acknowledged.push(Uuid::from_str(&line).expect("an event id per line"));
            }
            None => {
                let status = worker.wait().expect("wait for the worker");
                panic!(
                    "the worker exited ({status}) after {} acknowledgements, before the kill",
                    acknowledged.len()
                );
            }
        }
    }
    assert!(
        worker.try_wait().expect("poll the worker").is_none(),
        "the worker stopped before it was killed"
    );
    worker.kill().expect("SIGKILL the worker");
    // Acknowledgements printed before the kill are still in the pipe.
    for line in lines {
        let line = line.expect("read worker output");
        if let Ok(id) = Uuid::from_str(&line) {
            acknowledged.push(id);
        }
    }
    let status = worker.wait().expect("reap the worker");
    assert_eq!(
        status.signal(),
        Some(9),
        "the worker was not killed by SIGKILL: {status}"
    );
    acknowledged
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("golmok.redb");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut acknowledged = Vec::new();
    let mut previous = 0;
    for crash in 0..CRASHES {
        let kill_after = 100 + crash * 137;
        acknowledged.extend(crash_worker(&path, kill_after));
        let store = EmbeddedStore::open(&path)
            .unwrap_or_else(|e| panic!("reopen after crash {crash} failed: {e}"));
        let check: CrashCheck = runtime.block_on(verify_after_crash(store, &acknowledged));
        eprintln!("after crash {crash}: {check:?}");
        assert!(
            check.events > previous,
            "crash {crash}: the log did not grow ({} events)",
            check.events
        );
        assert_eq!(
            check.acknowledged,
            acknowledged.len(),
            "an id was acknowledged twice"
        );
        previous = check.events;
    }
}
