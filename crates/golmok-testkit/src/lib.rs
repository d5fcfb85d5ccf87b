//! Test support for integration tests against real processes.
//!
//! [`Tansu`] runs a Kafka-compatible Tansu broker for the test that starts
//! it: a free loopback port, the durable `sqlite://` storage engine in a
//! temporary directory, `kill -9` and restart on the same port and storage,
//! killed when dropped. The broker binary comes from `GOLMOK_TANSU`, which
//! `scripts/test` sets after installing Tansu; without it the test fails
//! and says so, it is never skipped.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod cassandra;
pub use cassandra::{CASSANDRA_LIBS_ENV, Cassandra, cassandra_libs};

/// The environment variable naming the Tansu binary.
pub const TANSU_ENV: &str = "GOLMOK_TANSU";
const LOG_FILE: &str = "tansu.log";
const STORE: &str = "sqlite://tansu.db";
const STARTUP: Duration = Duration::from_secs(30);
/// Attempts to start on a fresh free port.
const STARTS: usize = 3;

/// A Tansu broker process owned by a test.
pub struct Tansu {
    binary: PathBuf,
    dir: TempDir,
    port: u16,
    child: Option<Child>,
}

/// The Tansu binary from [`TANSU_ENV`]; panics with what to do when it is
/// missing.
pub fn tansu_binary() -> PathBuf {
    locate(std::env::var_os(TANSU_ENV)).unwrap_or_else(|problem| panic!("{problem}"))
}

fn locate(setting: Option<OsString>) -> Result<PathBuf, String> {
    let hint = "the Kafka tests run against a real Tansu broker: run scripts/test, \
                which installs it (cargo install tansu --features dynostore,libsql) into \
                $GOLMOK_CACHE/tansu and exports GOLMOK_TANSU=$GOLMOK_CACHE/tansu/bin/tansu";
    let Some(path) = setting else {
        return Err(format!("{TANSU_ENV} is not set: {hint}"));
    };
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(format!(
            "{TANSU_ENV}={} does not exist: {hint}",
            path.display()
        ));
    }
    Ok(path)
}

impl Tansu {
    /// Starts a broker with fresh durable storage and waits until it
    /// accepts connections. Blocks the calling thread for that (about 100 ms).
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("golmok-tansu-")
            .tempdir()
            .expect("a temporary directory for the broker");
        let mut broker = Self {
            binary: tansu_binary(),
            dir,
            port: 0,
            child: None,
        };
        // Another process may take the free port before the broker binds it.
        let mut failure = String::new();
        for _ in 0..STARTS {
            broker.port = free_port();
            match broker.spawn() {
                Ok(()) => return broker,
                Err(problem) => failure = problem,
            }
        }
        panic!("{failure}");
    }

    /// `host:port` for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The directory holding the broker's storage and log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Kills the broker with SIGKILL (`kill -9`), as a crash would, and
    /// waits for the process to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Child::kill sends SIGKILL on Unix.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the broker if it runs and starts it again on the same port and
    /// storage, waiting until it accepts connections.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn().unwrap_or_else(|problem| panic!("{problem}"));
    }

    /// Whether the broker process is alive.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// The last lines the broker wrote, for failure messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(self.dir.path().join(LOG_FILE)) {
            let length = file.metadata().map_or(0, |m| m.len());
            let _ = file.seek(SeekFrom::Start(length.saturating_sub(4_000)));
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(LOG_FILE))
            .expect("the broker's log file");
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let child = Command::new(&self.binary)
            .arg("broker")
            .args(["--listener-url", &url])
            .args(["--advertised-listener-url", &url])
            // The sqlite path is relative to the working directory.
            .args(["--storage-engine", STORE])
            .current_dir(self.dir.path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the broker's log file"))
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {} failed: {e}", self.binary.display()))?;
        self.child = Some(child);
        let accepting = self.wait_until_accepting();
        if accepting.is_err() {
            self.kill();
        }
        accepting
    }

    fn wait_until_accepting(&mut self) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + STARTUP;
        loop {
            if !self.is_running() {
                return Err(format!(
                    "the Tansu broker on port {} exited at startup:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the Tansu broker did not accept connections on port {} within {STARTUP:?}:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_broker_tells_the_user_to_run_scripts_test() {
        for setting in [None, Some(OsString::from("/nonexistent/tansu"))] {
            let problem = locate(setting).expect_err("no broker binary");
            assert!(problem.contains(TANSU_ENV), "{problem}");
            assert!(problem.contains("scripts/test"), "{problem}");
        }
    }
}
