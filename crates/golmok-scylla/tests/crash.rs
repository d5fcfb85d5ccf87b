//! Real-process crash test on Cassandra: a worker process appends through the
//! CQL adapter from 8 tasks and prints every acknowledged event id; the test
//! SIGKILLs it mid-append (possibly mid conditional batch), opens the keyspace
//! again and checks that nothing acknowledged was lost, positions are
//! contiguous and no event is torn. Five crashes in a row on one keyspace.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::str::FromStr;

use golmok_kernel::conformance::{CrashCheck, verify_after_crash};
use golmok_scylla::{CqlStore, Settings, migrate};
use golmok_testkit::Cassandra;
use uuid::Uuid;

const CRASHES: usize = 5;
const WORKER_TASKS: &str = "8";

fn crash_worker(contact_point: &str, keyspace: &str, kill_after: usize) -> Vec<Uuid> {
    let mut worker = Command::new(env!("CARGO_BIN_EXE_golmok-cql-append-worker"))
        .args([contact_point, keyspace, WORKER_TASKS, "120"])
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
    for line in lines {
        let line = line.expect("read worker output");
        if let Ok(id) = Uuid::from_str(&line) {
            acknowledged.push(id);
        }
    }
    let status = worker.wait().expect("reap the worker");
    assert_eq!(status.signal(), Some(9), "not killed by SIGKILL: {status}");
    acknowledged
}

#[test]
fn acknowledged_appends_survive_sigkill_of_the_appending_process() {
    let node = Cassandra::shared();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let keyspace = format!("crash_{}", Uuid::now_v7().simple());
    let settings = Settings::new(vec![node.contact_point()], &keyspace);
    runtime.block_on(migrate(&settings)).expect("migrate");
    let mut acknowledged = Vec::new();
    let mut previous = 0;
    for crash in 0..CRASHES {
        let kill_after = 100 + crash * 137;
        acknowledged.extend(crash_worker(&node.contact_point(), &keyspace, kill_after));
        let check: CrashCheck = runtime.block_on(async {
            let store = CqlStore::open(settings.clone())
                .await
                .unwrap_or_else(|e| panic!("reopen after crash {crash} failed: {e}"));
            verify_after_crash(store, &acknowledged).await
        });
        eprintln!("after crash {crash}: {check:?}");
        assert!(
            check.events > previous,
            "crash {crash}: the log did not grow"
        );
        assert_eq!(
            check.acknowledged,
            acknowledged.len(),
            "an id was acknowledged twice"
        );
        previous = check.events;
    }
}

/// `kill -9` of the Cassandra node itself (commit log in `batch` mode) and a
/// restart on the same storage: every acknowledged append is still there, in
/// order, and the log goes on from the same head.
#[test]
fn acknowledged_appends_survive_kill_9_of_the_node() {
    let mut node = Cassandra::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let keyspace = format!("nodekill_{}", Uuid::now_v7().simple());
    let settings = Settings::new(vec![node.contact_point()], &keyspace);
    let acknowledged: Vec<Uuid> = runtime.block_on(async {
        migrate(&settings).await.expect("migrate");
        let store = CqlStore::open(settings.clone()).await.expect("open");
        let mut ids = Vec::new();
        for n in 0..50 {
            let event = golmok_kernel::conformance::sample_envelope("node-kill", &n.to_string());
            ids.push(event.id);
            golmok_kernel::EventLog::append(
                store.as_ref(),
                golmok_kernel::AppendRequest {
                    stream: "node-kill".to_owned(),
                    expected: golmok_kernel::ExpectedVersion::Exact(n),
                    events: vec![event],
                    idempotency: None,
                },
            )
            .await
            .expect("append");
        }
        ids
    });
    node.restart();
    eprintln!(
        "Cassandra restarted after kill -9 in {:.1}s",
        node.startup_time().as_secs_f64()
    );
    let check = runtime.block_on(async {
        let store = CqlStore::open(settings.clone())
            .await
            .expect("reopen after the node's restart");
        verify_after_crash(store, &acknowledged).await
    });
    assert_eq!(
        check.events, 50,
        "events after the node's kill -9: {check:?}"
    );
    assert_eq!(check.unacknowledged, 0);
}
