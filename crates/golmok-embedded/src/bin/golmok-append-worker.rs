//! Appends to an embedded store from several tasks until killed, printing the
//! id of every acknowledged event on its own line. The crash test kills it
//! with SIGKILL mid-append and checks the reopened store against its output.
//!
//! Usage: `golmok-append-worker <store file> <tasks> [max seconds]`. It stops
//! by itself after `max seconds` (default 60) or when stdout is closed.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use golmok_embedded::EmbeddedStore;
use golmok_kernel::sample_envelope;
use golmok_kernel::{AppendRequest, EventLog, ExpectedVersion, IdempotencyRecord};
use uuid::Uuid;

struct Args {
    path: PathBuf,
    tasks: usize,
    deadline: Duration,
}

fn args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: golmok-append-worker <store file> <tasks> [max seconds]";
    let path = args.next().ok_or(usage)?.into();
    let tasks = args
        .next()
        .ok_or(usage)?
        .parse()
        .map_err(|e| format!("tasks: {e}"))?;
    let deadline = match args.next() {
        Some(seconds) => {
            Duration::from_secs(seconds.parse().map_err(|e| format!("max seconds: {e}"))?)
        }
        None => Duration::from_secs(60),
    };
    Ok(Args {
        path,
        tasks,
        deadline,
    })
}

/// Appends batches of 1–3 events to its own stream, each with an idempotency
/// key, until the deadline or until stdout is gone.
async fn append_until_stopped(
    store: Arc<EmbeddedStore>,
    task: usize,
    until: Instant,
) -> Result<(), String> {
    let stream = format!("crash-{}-{task}", Uuid::now_v7());
    let mut version = 0;
    let mut n = 0_usize;
    while Instant::now() < until {
        let events: Vec<_> = (0..=n % 3)
            .map(|i| sample_envelope(&stream, &format!("{n}.{i}")))
            .collect();
        let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        let request = AppendRequest {
            stream: stream.clone(),
            expected: ExpectedVersion::from_loaded(version),
            events,
            idempotency: Some(IdempotencyRecord {
                key: format!("{stream}/{n}"),
                fingerprint: n.to_string(),
                response: Vec::new(),
            }),
        };
        let appended = store
            .append(request)
            .await
            .map_err(|e| format!("append failed: {e}"))?;
        version = appended.stream_version;
        let mut out = std::io::stdout().lock();
        for id in ids {
            writeln!(out, "{id}").map_err(|e| format!("stdout closed: {e}"))?;
        }
        out.flush().map_err(|e| format!("stdout closed: {e}"))?;
        n += 1;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let store = match EmbeddedStore::open(&args.path) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("cannot open {}: {error}", args.path.display());
            return ExitCode::FAILURE;
        }
    };
    let until = Instant::now() + args.deadline;
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..args.tasks {
        tasks.spawn(append_until_stopped(Arc::clone(&store), task, until));
    }
    let mut code = ExitCode::SUCCESS;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(message)) => {
                eprintln!("{message}");
                code = ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("append task failed: {error}");
                code = ExitCode::FAILURE;
            }
        }
    }
    code
}
