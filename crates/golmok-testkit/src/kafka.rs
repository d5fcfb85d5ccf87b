//! A single-node Apache Kafka broker (KRaft) run from the jars in
//! [`KAFKA_LIBS_ENV`].

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use tempfile::TempDir;

/// The environment variable naming the directory of the broker's jars.
pub const KAFKA_LIBS_ENV: &str = "GOLMOK_KAFKA_LIBS";
/// The cluster id every test broker is formatted with (each broker is its
/// own one-node cluster).
const CLUSTER_ID: &str = "R29sbW9rVGVzdEthZmthMQ";
const SERVER_PROPERTIES: &str = "server.properties";
const LOG4J: &str = "log4j2.properties";
const LOG_FILE: &str = "kafka.log";
const DATA: &str = "data";
/// How long a broker may take to answer metadata requests (a loaded 2-core
/// machine needs 5 to 15 s).
const STARTUP: Duration = Duration::from_secs(90);
/// Attempts to start on fresh free ports.
const STARTS: usize = 3;
/// A small broker: capped heap, serial GC, no C2 compiler (faster startup,
/// less CPU on a shared 2-core machine).
const JVM_OPTIONS: &[&str] = &[
    "-Xms64m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
];
/// Warnings and errors, and the line saying the broker started.
const LOG4J_CONFIG: &str = "\
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
";

/// The directory of the broker's jars from [`KAFKA_LIBS_ENV`]; panics with
/// what to do when it is missing.
pub fn kafka_libs() -> PathBuf {
    locate(std::env::var_os(KAFKA_LIBS_ENV)).unwrap_or_else(|problem| panic!("{problem}"))
}

fn locate(setting: Option<OsString>) -> Result<PathBuf, String> {
    let hint = "the Kafka tests run against a real Apache Kafka broker: run scripts/test, \
                which resolves its jars with Maven into $GOLMOK_CACHE/kafka/<version>/libs \
                and exports GOLMOK_KAFKA_LIBS";
    let Some(path) = setting else {
        return Err(format!("{KAFKA_LIBS_ENV} is not set: {hint}"));
    };
    let path = PathBuf::from(path);
    let has_broker = fs::read_dir(&path).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("kafka_2.13-")
        })
    });
    if !has_broker {
        return Err(format!(
            "{KAFKA_LIBS_ENV}={} holds no Kafka broker jar (kafka_2.13-*.jar): {hint}",
            path.display()
        ));
    }
    Ok(path)
}

/// The broker's and the controller's loopback ports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ports {
    pub broker: u16,
    pub controller: u16,
}

impl Ports {
    pub fn free() -> Self {
        Self {
            broker: free_port(),
            controller: free_port(),
        }
    }

    pub fn bootstrap_servers(self) -> String {
        format!("127.0.0.1:{}", self.broker)
    }
}

/// A broker's directory: configuration, storage (`data/`) and log.
pub(crate) struct Layout<'a> {
    pub libs: &'a Path,
    pub dir: &'a Path,
}

impl Layout<'_> {
    /// Fresh formatted storage (a copy of the machine's formatted template:
    /// formatting takes a JVM start of its own) and the log configuration.
    pub fn prepare(&self) -> Result<(), String> {
        let data = self.dir.join(DATA);
        if data.exists() {
            fs::remove_dir_all(&data).map_err(|e| format!("clearing {}: {e}", data.display()))?;
        }
        fs::create_dir_all(&data).map_err(|e| format!("creating {}: {e}", data.display()))?;
        let template = formatted_template(self.libs)?;
        for entry in fs::read_dir(&template).map_err(|e| format!("reading the template: {e}"))? {
            let entry = entry.map_err(|e| format!("reading the template: {e}"))?;
            fs::copy(entry.path(), data.join(entry.file_name()))
                .map_err(|e| format!("copying the formatted storage: {e}"))?;
        }
        fs::write(self.dir.join(LOG4J), LOG4J_CONFIG)
            .map_err(|e| format!("writing the log configuration: {e}"))
    }

    /// Writes the broker's configuration for `ports`.
    pub fn configure(&self, ports: Ports) -> Result<(), String> {
        let properties = server_properties(&self.dir.join(DATA), ports);
        fs::write(self.dir.join(SERVER_PROPERTIES), properties)
            .map_err(|e| format!("writing the broker configuration: {e}"))
    }

    /// The command running the broker in the foreground.
    pub fn broker_command(&self) -> Command {
        let mut command = java(self.libs, self.dir);
        command
            .arg("kafka.Kafka")
            .arg(self.dir.join(SERVER_PROPERTIES));
        command
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join(LOG_FILE)
    }

    pub fn log_tail(&self) -> String {
        log_tail(&self.log_path())
    }

    /// Waits until the broker answers metadata requests and lists itself
    /// (it is registered and unfenced); fails early when `alive` says the
    /// process is gone.
    pub fn wait_ready(&self, ports: Ports, mut alive: impl FnMut() -> bool) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, ports.broker));
        let deadline = Instant::now() + STARTUP;
        loop {
            if !alive() {
                return Err(format!(
                    "the Kafka broker on port {} exited at startup:\n{}",
                    ports.broker,
                    self.log_tail()
                ));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok()
                && answers_metadata(&ports.bootstrap_servers())
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the Kafka broker on port {} was not ready within {STARTUP:?}:\n{}",
                    ports.broker,
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A Kafka broker process owned by a test.
pub struct Kafka {
    libs: PathBuf,
    dir: TempDir,
    ports: Ports,
    child: Option<Child>,
}

impl Kafka {
    /// Starts a broker with fresh storage and waits until it answers
    /// metadata requests. Blocks the calling thread for that (5 to 15 s).
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("golmok-kafka-")
            .tempdir()
            .expect("a temporary directory for the broker");
        let mut broker = Self {
            libs: kafka_libs(),
            dir,
            ports: Ports::free(),
            child: None,
        };
        // Another process may take a free port before the broker binds it.
        let mut failure = String::new();
        for _ in 0..STARTS {
            broker.ports = Ports::free();
            let started = broker
                .layout()
                .prepare()
                .and_then(|()| broker.layout().configure(broker.ports))
                .and_then(|()| broker.spawn());
            match started {
                Ok(()) => return broker,
                Err(problem) => failure = problem,
            }
        }
        panic!("{failure}");
    }

    /// The broker every test process of this test run shares, started by
    /// the first that asks. Tests using it must use unique topic names and
    /// group ids, and must not stop it.
    pub fn shared() -> &'static crate::SharedKafka {
        crate::shared::get()
    }

    /// `host:port` for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        self.ports.bootstrap_servers()
    }

    /// The directory holding the broker's storage, configuration and log.
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

    /// Kills the broker if it runs and starts it again on the same ports
    /// and storage, waiting until it answers metadata requests.
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
        self.layout().log_tail()
    }

    fn layout(&self) -> Layout<'_> {
        Layout {
            libs: &self.libs,
            dir: self.dir.path(),
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let layout = self.layout();
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(layout.log_path())
            .map_err(|e| format!("opening the broker's log: {e}"))?;
        let stderr = log
            .try_clone()
            .map_err(|e| format!("opening the broker's log: {e}"))?;
        let child = layout
            .broker_command()
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("starting java (Java 17 or newer) failed: {e}"))?;
        self.child = Some(child);
        let ports = self.ports;
        let ready = {
            let child = &mut self.child;
            let layout = Layout {
                libs: &self.libs,
                dir: self.dir.path(),
            };
            layout.wait_ready(ports, || {
                child
                    .as_mut()
                    .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
            })
        };
        if ready.is_err() {
            self.kill();
        }
        ready
    }
}

impl Drop for Kafka {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `java` with the broker's classpath and JVM options, logging as
/// configured in `dir`.
fn java(libs: &Path, dir: &Path) -> Command {
    let java = std::env::var_os("JAVA_HOME").map_or_else(
        || PathBuf::from("java"),
        |home| Path::new(&home).join("bin/java"),
    );
    let mut command = Command::new(java);
    command
        .args(JVM_OPTIONS)
        .arg(format!(
            "-Dlog4j2.configurationFile={}",
            dir.join(LOG4J).display()
        ))
        // The JVM expands the wildcard to every jar of the directory.
        .arg("-cp")
        .arg(libs.join("*"));
    command
}

fn server_properties(data: &Path, ports: Ports) -> String {
    let Ports { broker, controller } = ports;
    format!(
        "\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller}
listeners=PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=PLAINTEXT://127.0.0.1:{broker}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={data}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=4194304
",
        data = data.display()
    )
}

/// Formatted storage (`meta.properties`, `bootstrap.checkpoint`) made once
/// per machine next to the jars with `kafka.tools.StorageTool format`, and
/// copied into each broker's directory.
fn formatted_template(libs: &Path) -> Result<PathBuf, String> {
    let home = libs.parent().unwrap_or(libs);
    let template = home.join("formatted");
    if template.join("meta.properties").is_file() {
        return Ok(template);
    }
    let work = tempfile::Builder::new()
        .prefix("formatting-")
        .tempdir_in(home)
        .map_err(|e| format!("a directory to format Kafka storage in: {e}"))?;
    let data = work.path().join(DATA);
    let ports = Ports::free();
    fs::write(work.path().join(LOG4J), LOG4J_CONFIG)
        .map_err(|e| format!("writing the log configuration: {e}"))?;
    fs::write(
        work.path().join(SERVER_PROPERTIES),
        server_properties(&data, ports),
    )
    .map_err(|e| format!("writing the broker configuration: {e}"))?;
    let output = java(libs, work.path())
        .arg("kafka.tools.StorageTool")
        .args(["format", "--cluster-id", CLUSTER_ID, "--config"])
        .arg(work.path().join(SERVER_PROPERTIES))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("starting java (Java 17 or newer) failed: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "formatting Kafka storage failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    // Another process may have made it meanwhile: either copy is good.
    if fs::rename(&data, &template).is_err() && !template.join("meta.properties").is_file() {
        return Err(format!(
            "could not keep the formatted storage in {}",
            template.display()
        ));
    }
    Ok(template)
}

/// Whether the broker at `bootstrap` answers a metadata request listing a
/// broker (a fenced broker lists none).
fn answers_metadata(bootstrap: &str) -> bool {
    let client: Result<BaseConsumer, _> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .create();
    client.is_ok_and(|client| {
        client
            .fetch_metadata(None, Duration::from_secs(2))
            .is_ok_and(|metadata| !metadata.brokers().is_empty())
    })
}

/// The last 4,000 bytes of the log at `path`.
pub(crate) fn log_tail(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let length = file.metadata().map_or(0, |m| m.len());
        let _ = file.seek(SeekFrom::Start(length.saturating_sub(4_000)));
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
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
    fn missing_jars_tell_the_user_to_run_scripts_test() {
        let empty = tempfile::tempdir().expect("a temporary directory");
        for setting in [
            None,
            Some(OsString::from("/nonexistent/kafka/libs")),
            Some(empty.path().as_os_str().to_owned()),
        ] {
            let problem = locate(setting).expect_err("no broker jars");
            assert!(problem.contains(KAFKA_LIBS_ENV), "{problem}");
            assert!(problem.contains("scripts/test"), "{problem}");
        }
    }
}
