//! Process and async-runtime figures, sampled when `/metrics` is scraped:
//! memory, file descriptors, CPU time and uptime from `/proc/self` (Linux;
//! elsewhere those series are absent), and the tokio runtime's stable metrics.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use metrics::gauge;

/// Clock ticks per second of `/proc/<pid>/stat` times: `USER_HZ`, 100 on
/// every Linux ABI Golmok runs on.
const USER_HZ: f64 = 100.0;

/// When the process started, for `process_start_time_seconds` and uptime.
pub(crate) struct Started {
    at: Instant,
    unix_seconds: f64,
}

impl Started {
    pub(crate) fn now() -> Self {
        Self {
            at: Instant::now(),
            unix_seconds: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |since| since.as_secs_f64()),
        }
    }
}

/// The figures at this moment, set as gauges on the installed recorder.
pub(crate) struct ProcessFigures {
    pub resident_bytes: Option<f64>,
    pub virtual_bytes: Option<f64>,
    pub open_fds: Option<f64>,
    pub max_fds: Option<f64>,
    pub cpu_seconds: Option<f64>,
    pub threads: Option<f64>,
}

impl ProcessFigures {
    /// Reads `/proc/self`; a figure that cannot be read is `None`.
    pub(crate) fn sample() -> Self {
        let status = std::fs::read_to_string("/proc/self/status").ok();
        let field = |name: &str| {
            status
                .as_deref()
                .and_then(|status| status_field(status, name))
        };
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        #[allow(clippy::cast_precision_loss)]
        Self {
            resident_bytes: field("VmRSS:").map(|kb| kb * 1024.0),
            virtual_bytes: field("VmSize:").map(|kb| kb * 1024.0),
            threads: field("Threads:"),
            open_fds: std::fs::read_dir("/proc/self/fd")
                .ok()
                .map(|entries| entries.count() as f64),
            max_fds: std::fs::read_to_string("/proc/self/limits")
                .ok()
                .and_then(|limits| max_open_files(&limits)),
            cpu_seconds: stat.as_deref().and_then(cpu_seconds),
        }
    }

    pub(crate) fn emit(&self, started: &Started) {
        for (name, value) in [
            ("process_resident_memory_bytes", self.resident_bytes),
            ("process_virtual_memory_bytes", self.virtual_bytes),
            ("process_open_fds", self.open_fds),
            ("process_max_fds", self.max_fds),
            ("process_cpu_seconds_total", self.cpu_seconds),
            ("process_threads", self.threads),
        ] {
            if let Some(value) = value {
                gauge!(name).set(value);
            }
        }
        gauge!("process_start_time_seconds").set(started.unix_seconds);
        gauge!("process_uptime_seconds").set(started.at.elapsed().as_secs_f64());
        runtime_figures();
    }
}

/// The tokio runtime serving the scrape: workers, alive tasks, the global
/// queue and the time workers spent busy (stable tokio metrics only).
#[allow(clippy::cast_precision_loss)]
fn runtime_figures() {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let metrics = runtime.metrics();
    let workers = metrics.num_workers();
    gauge!("tokio_workers").set(workers as f64);
    gauge!("tokio_alive_tasks").set(metrics.num_alive_tasks() as f64);
    gauge!("tokio_global_queue_depth").set(metrics.global_queue_depth() as f64);
    #[cfg(target_has_atomic = "64")]
    {
        let busy: f64 = (0..workers)
            .map(|worker| metrics.worker_total_busy_duration(worker).as_secs_f64())
            .sum();
        gauge!("tokio_workers_busy_seconds_total").set(busy);
    }
}

/// A `Name:   value kB` line of `/proc/<pid>/status`, as a number.
fn status_field(status: &str, name: &str) -> Option<f64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The soft limit on open files from `/proc/<pid>/limits`.
fn max_open_files(limits: &str) -> Option<f64> {
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// User plus system CPU time from `/proc/<pid>/stat` (fields 14 and 15; the
/// command name in field 2 may hold spaces, so count after its `)`).
fn cpu_seconds(stat: &str) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / USER_HZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_parsed_field_by_field() {
        let status = "Name:\tgolmok\nVmSize:\t  123456 kB\nVmRSS:\t   20480 kB\nThreads:\t7\n";
        assert_eq!(status_field(status, "VmRSS:"), Some(20480.0));
        assert_eq!(status_field(status, "Threads:"), Some(7.0));
        assert_eq!(status_field(status, "VmSwap:"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(max_open_files(limits), Some(1024.0));
        let stat = "4242 (golmok up (x)) S 1 4242 4242 0 -1 4194560 2000 0 0 0 250 50 0 0 20 0 7 0";
        assert_eq!(cpu_seconds(stat), Some(3.0));
    }

    #[test]
    fn this_process_has_memory_and_open_files() {
        let figures = ProcessFigures::sample();
        if cfg!(target_os = "linux") {
            assert!(figures.resident_bytes.is_some_and(|rss| rss > 0.0));
            assert!(figures.open_fds.is_some_and(|fds| fds >= 3.0));
            assert!(figures.max_fds.is_some_and(|max| max >= 3.0));
            assert!(figures.cpu_seconds.is_some());
        }
    }
}
