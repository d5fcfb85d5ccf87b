//! `golmok replay <service> [--projection NAME]`: rebuilds a service's read
//! models from event 0 of its log into fresh tables and swaps them in
//! (`golmok_kernel::Rebuild`; docs/operations.md, "Rebuilding read models").
//! It opens the service's store itself, so the service must be stopped (an
//! embedded store's file lock enforces it; a CQL keyspace has no lock: the
//! operator stops the service first).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use golmok_kernel::{DEFAULT_BATCH, Progress, Rebuild, RebuildError, select_read_models};
use golmok_runtime::{StartupError, StorageSettings};

use super::Common;
use crate::registry;
use crate::settings::SuiteSettings;

#[derive(Args)]
pub struct ReplayArgs {
    /// The service whose read models are rebuilt (storefront, voucher, …).
    service: String,
    /// Only this projection (its consumer name, e.g. `storefront.shop`) and
    /// any other that shares a table with it.
    #[arg(long)]
    projection: Option<String>,
    #[command(flatten)]
    common: Common,
    /// Events per write transaction (default: 4096 on an embedded store,
    /// 256 on CQL, whose large writes go through one intent row).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Without a terminal: milliseconds between progress lines (0: a line
    /// after every write).
    #[arg(long, default_value_t = 1_000)]
    progress_ms: u64,
}

/// Why a replay failed: a stable code and the process's exit status.
struct Failure {
    code: &'static str,
    exit: u8,
    message: String,
}

impl Failure {
    fn new(code: &'static str, exit: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            exit,
            message: message.into(),
        }
    }
}

/// Events per write transaction on a CQL store: a batch's rows and progress
/// larger than one logged batch are committed as one intent row (a single
/// mutation, which the cluster caps at half its commit log segment), so
/// batches stay well below that.
const CQL_BATCH: usize = 256;

/// Exit statuses: 0 done; 1 storage failure; 2 bad arguments (unknown
/// service or projection, invalid settings); 3 the store is in use or cannot
/// be rebuilt (locked, no read models, another rebuild unfinished).
pub async fn run(args: ReplayArgs) -> anyhow::Result<()> {
    // The store is closed when `replay` returns, before the process exits.
    if let Err(failure) = replay(args).await {
        eprintln!("error: {}: {}", failure.code, failure.message);
        std::process::exit(i32::from(failure.exit));
    }
    Ok(())
}

async fn replay(args: ReplayArgs) -> Result<(), Failure> {
    let settings = SuiteSettings::load(&args.common, None)
        .map_err(|e| Failure::new("INVALID_SETTINGS", 2, format!("{e:#}")))?;
    let Some((factory, service_settings)) = settings
        .services
        .into_iter()
        .find(|(factory, _)| factory.name() == args.service)
    else {
        let services = registry::names().join(", ");
        return Err(Failure::new(
            "UNKNOWN_SERVICE",
            2,
            format!("no service {}; the services are {services}", args.service),
        ));
    };
    let service = factory.name();
    let batch_size = args.batch_size.unwrap_or(match service_settings.storage {
        StorageSettings::Scylla(_) => CQL_BATCH,
        StorageSettings::Embedded { .. } => DEFAULT_BATCH,
    });
    let (storage, models) = factory
        .open_read_models(service_settings)
        .await
        .map_err(|e| opening_failed(service, e))?;
    if models.is_empty() {
        return Err(Failure::new(
            "NO_READ_MODELS",
            3,
            format!("{service} declares no read models to rebuild"),
        ));
    }
    let models = select_read_models(models, args.projection.as_deref()).map_err(|names| {
        Failure::new(
            "UNKNOWN_PROJECTION",
            2,
            format!(
                "{service} has no projection {}; its projections are {}",
                args.projection.as_deref().unwrap_or_default(),
                names.join(", ")
            ),
        )
    })?;
    let whole = storage
        .whole
        .clone()
        .ok_or_else(|| Failure::new("STORAGE_FAILED", 1, "the store cannot list whole tables"))?;
    let names: Vec<&str> = models.iter().map(|m| m.name()).collect();
    eprintln!("rebuilding {} of {service}", names.join(", "));
    let rebuild = Rebuild::new(Arc::clone(&storage.log), whole, models).batch_size(batch_size);
    let mut reporter = Reporter::new(args.progress_ms);
    let report = rebuild.run(|p| reporter.show(p)).await;
    reporter.finish();
    let report = report.map_err(|e| match e {
        RebuildError::InProgress(_) => Failure::new("REBUILD_IN_PROGRESS", 3, strip_code(&e)),
        RebuildError::UndeclaredTable { .. } => Failure::new("UNDECLARED_TABLE", 1, strip_code(&e)),
        RebuildError::Corrupt(_) | RebuildError::Storage(_) => {
            Failure::new("STORAGE_FAILED", 1, e.to_string())
        }
    })?;
    if report.already_swapped {
        println!(
            "{service}: the rebuild of {} had already finished at position {}; its old tables are now deleted",
            report.consumers.join(", "),
            report.position
        );
    } else {
        println!(
            "{service}: rebuilt {} at position {} ({} events applied by this run{}, {} refused as live refuses them); {} tables swapped",
            report.consumers.join(", "),
            report.position,
            report.events,
            if report.resumed_from > 0 {
                format!(", resumed after position {}", report.resumed_from)
            } else {
                String::new()
            },
            report.refused,
            report.generations.len(),
        );
    }
    Ok(())
}

/// The message of an error whose text starts with its code.
fn strip_code(error: &RebuildError) -> String {
    let text = error.to_string();
    match text.split_once(": ") {
        Some((_, message)) => message.to_owned(),
        None => text,
    }
}

fn opening_failed(service: &str, error: StartupError) -> Failure {
    let text = error.to_string();
    if text.contains("already open in another process") {
        Failure::new(
            "STORE_LOCKED",
            3,
            format!(
                "the store of {service} is open in another process; stop {service} (golmok up / serve) first"
            ),
        )
    } else if matches!(error, StartupError::Settings(_)) {
        Failure::new("INVALID_SETTINGS", 2, text)
    } else {
        Failure::new("STORAGE_FAILED", 1, text)
    }
}

/// Progress on stderr: a bar redrawn in place on a terminal, plain lines
/// otherwise.
struct Reporter {
    terminal: bool,
    every: Duration,
    last: Option<Instant>,
    drawn: bool,
}

impl Reporter {
    fn new(progress_ms: u64) -> Self {
        let terminal = std::io::stderr().is_terminal();
        Self {
            terminal,
            every: if terminal {
                Duration::from_millis(100)
            } else {
                Duration::from_millis(progress_ms)
            },
            last: None,
            drawn: false,
        }
    }

    fn show(&mut self, progress: &Progress) {
        let done = progress.position >= progress.head;
        if !done && self.last.is_some_and(|last| last.elapsed() < self.every) {
            return;
        }
        self.last = Some(Instant::now());
        let rate = if progress.seconds > 0.0 {
            progress.events as f64 / progress.seconds
        } else {
            0.0
        };
        let left = progress.head.saturating_sub(progress.position);
        let eta = if rate > 0.0 { left as f64 / rate } else { 0.0 };
        let share = if progress.head == 0 {
            1.0
        } else {
            progress.position as f64 / progress.head as f64
        };
        let mut err = std::io::stderr().lock();
        if self.terminal {
            const WIDTH: usize = 30;
            let filled = ((share * WIDTH as f64) as usize).min(WIDTH);
            let _ = write!(
                err,
                "\r[{}{}] {:>5.1}% {}/{} events  {:.0} events/s  ETA {:.0}s ",
                "#".repeat(filled),
                "-".repeat(WIDTH - filled),
                share * 100.0,
                progress.position,
                progress.head,
                rate,
                eta
            );
            self.drawn = true;
        } else {
            let _ = writeln!(
                err,
                "replay: position {}/{} ({:.1}%), {:.0} events/s, ETA {:.0}s",
                progress.position,
                progress.head,
                share * 100.0,
                rate,
                eta
            );
        }
        let _ = err.flush();
    }

    fn finish(&mut self) {
        if self.drawn {
            eprintln!();
        }
    }
}
