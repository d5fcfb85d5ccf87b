//! A real Apache Cassandra 5.0 node for the CQL adapter's tests.
//!
//! [`Cassandra`] starts a single node from the jars `scripts/cassandra/install`
//! resolved from Maven Central (`GOLMOK_CASSANDRA_LIBS`, set by
//! `scripts/test`; without it the test fails and says so, it is never
//! skipped) on free loopback ports, from a generated `cassandra.yaml` in a
//! temporary directory, and waits until CQL answers. Fast-start settings: one
//! token, no bootstrap, `skip_wait_for_gossip_to_settle=0`, a short ring
//! delay. The commit log syncs in `batch` mode: a write is acknowledged only
//! after its commit log entry is fsynced, so `kill -9` of the node loses
//! nothing acknowledged. It can be killed (`kill -9`) and restarted on the
//! same storage, frozen (`SIGSTOP`) and thawed, and is killed when dropped; a watchdog shell also kills it
//! when the test process exits and removes its directory, so [`Cassandra::shared`]
//! nodes (statics are never dropped) leak neither a process nor disk.

use std::ffi::OsString;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The environment variable naming the directory of Cassandra's jars.
pub const CASSANDRA_LIBS_ENV: &str = "GOLMOK_CASSANDRA_LIBS";
const STARTUP: Duration = Duration::from_secs(180);
const LOG_FILE: &str = "cassandra.log";
const JAVA_PID: &str = "java.pid";

/// The `--add-exports`/`--add-opens` options of Cassandra 5.0's
/// `conf/jvm17-server.options`, which Java 17 needs to run the server.
const JVM17_OPTIONS: &[&str] = &[
    "-Djdk.attach.allowAttachSelf=true",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports=java.sql/java.sql=ALL-UNNAMED",
    "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.math=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
];

/// A single-node Cassandra owned by a test (or shared by a test binary).
pub struct Cassandra {
    libs: PathBuf,
    dir: TempDir,
    cql_port: u16,
    storage_port: u16,
    jmx_port: u16,
    child: Option<Child>,
    startup: Duration,
}

/// The jar directory from [`CASSANDRA_LIBS_ENV`]; panics with what to do when missing.
pub fn cassandra_libs() -> PathBuf {
    locate(std::env::var_os(CASSANDRA_LIBS_ENV)).unwrap_or_else(|problem| panic!("{problem}"))
}

fn locate(setting: Option<OsString>) -> Result<PathBuf, String> {
    let hint = "the CQL adapter's tests run against a real Apache Cassandra node: run \
                scripts/test, which resolves its jars with scripts/cassandra/install into \
                $GOLMOK_CACHE/cassandra/<version>/libs and exports GOLMOK_CASSANDRA_LIBS";
    let Some(path) = setting else {
        return Err(format!("{CASSANDRA_LIBS_ENV} is not set: {hint}"));
    };
    let path = PathBuf::from(path);
    let has_server = fs::read_dir(&path).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cassandra-all-")
        })
    });
    if !has_server {
        return Err(format!(
            "{CASSANDRA_LIBS_ENV}={} holds no cassandra-all jar: {hint}",
            path.display()
        ));
    }
    Ok(path)
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

impl Cassandra {
    /// Starts a fresh node and waits until CQL answers; panics with the node's log tail otherwise.
    pub fn start() -> Self {
        let libs = cassandra_libs();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let mut node = Self {
            libs,
            dir,
            cql_port: free_port(),
            storage_port: free_port(),
            jmx_port: free_port(),
            child: None,
            startup: Duration::ZERO,
        };
        node.write_config();
        node.launch();
        node
    }

    /// One node per test binary process, started on first use. Tests sharing
    /// it isolate themselves by a unique keyspace; tests that kill the node
    /// start their own.
    pub fn shared() -> &'static Self {
        static NODE: OnceLock<Cassandra> = OnceLock::new();
        NODE.get_or_init(Self::start)
    }

    /// `127.0.0.1:<port>` of the CQL native transport.
    pub fn contact_point(&self) -> String {
        format!("127.0.0.1:{}", self.cql_port)
    }

    /// How long the last start took until CQL answered.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// The node's data directory (kept across kill and restart).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn write_config(&self) {
        let d = self.dir.path();
        for sub in [
            "data",
            "commitlog",
            "hints",
            "saved_caches",
            "cdc_raw",
            "logs",
        ] {
            fs::create_dir_all(d.join(sub)).unwrap_or_else(|e| panic!("create {sub}: {e}"));
        }
        let p = |sub: &str| d.join(sub).display().to_string();
        let yaml = format!(
            "cluster_name: golmok-test\n\
             num_tokens: 1\n\
             initial_token: 0\n\
             partitioner: org.apache.cassandra.dht.Murmur3Partitioner\n\
             data_file_directories: [{data}]\n\
             commitlog_directory: {commitlog}\n\
             hints_directory: {hints}\n\
             saved_caches_directory: {caches}\n\
             cdc_raw_directory: {cdc}\n\
             # Tests: acknowledge a write only after its commit log entry is fsynced.\n\
             commitlog_sync: batch\n\
             commitlog_segment_size: 8MiB\n\
             seed_provider:\n  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n    parameters:\n      - seeds: \"127.0.0.1:{storage}\"\n\
             listen_address: 127.0.0.1\n\
             rpc_address: 127.0.0.1\n\
             storage_port: {storage}\n\
             native_transport_port: {cql}\n\
             start_native_transport: true\n\
             endpoint_snitch: SimpleSnitch\n\
             dynamic_snitch: false\n\
             auto_bootstrap: false\n\
             # Group commit puts up to 64 events (about 130 rows) in one conditional batch.\n\
             batch_size_warn_threshold: 512KiB\n\
             batch_size_fail_threshold: 2048KiB\n\
             # Several stores contend on one sequencer partition in the tests.\n\
             cas_contention_timeout: 5000ms\n\
             write_request_timeout: 5000ms\n\
             concurrent_reads: 8\n\
             concurrent_writes: 8\n",
            data = p("data"),
            commitlog = p("commitlog"),
            hints = p("hints"),
            caches = p("saved_caches"),
            cdc = p("cdc_raw"),
            storage = self.storage_port,
            cql = self.cql_port,
        );
        fs::write(d.join("cassandra.yaml"), yaml)
            .unwrap_or_else(|e| panic!("write cassandra.yaml: {e}"));
    }

    fn java_command(&self) -> Vec<String> {
        let d = self.dir.path();
        let mut args: Vec<String> = vec![
            "java".into(),
            "-Xms256m".into(),
            "-Xmx1g".into(),
            "-Xss512k".into(),
            "-XX:+UseG1GC".into(),
            "-XX:ActiveProcessorCount=2".into(),
        ];
        args.extend(JVM17_OPTIONS.iter().map(|o| (*o).to_owned()));
        args.extend([
            format!(
                "-Dcassandra.config=file://{}",
                d.join("cassandra.yaml").display()
            ),
            format!("-Dcassandra.storagedir={}", d.display()),
            format!("-Dcassandra.logdir={}", d.join("logs").display()),
            "-Dcassandra.skip_wait_for_gossip_to_settle=0".into(),
            "-Dcassandra.ring_delay_ms=100".into(),
            "-Dcassandra.superuser_setup_delay_ms=0".into(),
            format!("-Dcassandra.jmx.local.port={}", self.jmx_port),
            "-Dcassandra-foreground=yes".into(),
            "-cp".into(),
            format!("{}/*", self.libs.display()),
            "org.apache.cassandra.service.CassandraDaemon".into(),
        ]);
        args
    }

    fn launch(&mut self) {
        let started = Instant::now();
        let d = self.dir.path();
        let quoted: Vec<String> = self
            .java_command()
            .iter()
            .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
            .collect();
        // The watchdog: runs the JVM and kills it when the test process is gone.
        let script = format!(
            "{java} >>'{log}' 2>&1 & jpid=$!; echo $jpid > '{pidfile}'; \
             while kill -0 {parent} 2>/dev/null && kill -0 $jpid 2>/dev/null; do sleep 1; done; \
             kill -9 $jpid 2>/dev/null; wait $jpid; \
             if ! kill -0 {parent} 2>/dev/null; then rm -rf '{dir}'; fi",
            java = quoted.join(" "),
            log = d.join(LOG_FILE).display(),
            pidfile = d.join(JAVA_PID).display(),
            parent = std::process::id(),
            dir = d.display(),
        );
        let _ = fs::remove_file(d.join(JAVA_PID));
        // The log is appended to across restarts: count this start's line only.
        let listened_before = self.cql_listens();
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start Cassandra (java on PATH?): {e}"));
        self.child = Some(child);
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.cql_port));
        loop {
            // The port alone could be answered by another process that took it
            // between its choice and the node's bind: the node's own log says
            // when it listens.
            if self.cql_listens() > listened_before
                && TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
            {
                break;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "Cassandra exited ({status}) before CQL answered; log tail:\n{}",
                    self.log_tail()
                );
            }
            if started.elapsed() > STARTUP {
                panic!(
                    "Cassandra did not answer CQL on {address} within {STARTUP:?}; log tail:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        self.startup = started.elapsed();
        eprintln!(
            "Cassandra answered CQL on {address} after {:.1}s",
            self.startup.as_secs_f64()
        );
    }

    /// How many times the node's output says it started listening for CQL
    /// clients (once per start).
    fn cql_listens(&self) -> usize {
        fs::read_to_string(self.dir.path().join(LOG_FILE)).map_or(0, |log| {
            log.matches("Starting listening for CQL clients").count()
        })
    }

    /// The last lines of the node's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(self.dir.path().join(LOG_FILE)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn java_pid(&self) -> Option<String> {
        fs::read_to_string(self.dir.path().join(JAVA_PID))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// `kill -9` of the node's JVM; waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(pid) = self.java_pid() {
            let _ = Command::new("kill").arg("-9").arg(&pid).status();
            let _ = fs::remove_file(self.dir.path().join(JAVA_PID));
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// Kills the node with `kill -9` (unless it is already gone) and starts
    /// it again on the same ports and storage; waits until CQL answers.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// `SIGSTOP` of the node's JVM: it keeps its connections open but answers
    /// nothing, as a node in a long GC pause or on a partitioned host.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// `SIGCONT` of a [frozen](Cassandra::freeze) node: it answers again,
    /// requests that waited included.
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self
            .java_pid()
            .unwrap_or_else(|| panic!("the Cassandra node is not running"));
        let sent = Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap_or_else(|e| panic!("kill {signal} {pid}: {e}"));
        assert!(sent.success(), "kill {signal} {pid} failed");
    }
}

impl Drop for Cassandra {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_libs_says_to_run_scripts_test() {
        let problem = locate(None).expect_err("no setting must fail");
        assert!(
            problem.contains("GOLMOK_CASSANDRA_LIBS is not set"),
            "{problem}"
        );
        assert!(problem.contains("scripts/test"), "{problem}");
        let dir = tempfile::tempdir().expect("temporary directory");
        let problem = locate(Some(dir.path().as_os_str().to_owned())).expect_err("empty dir");
        assert!(problem.contains("holds no cassandra-all jar"), "{problem}");
    }
}
