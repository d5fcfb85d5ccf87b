//! One broker for every test process of a test run.
//!
//! nextest runs each test in a process of its own, so a broker kept in a
//! process-wide static would start once per test (5 to 15 s each on a
//! loaded 2-core machine). Instead the first test process of a run starts
//! the broker under a watchdog and writes its port to a file; later ones
//! find it there. The run is the test processes' parent (the nextest or
//! cargo process), which names the broker's directory.
//!
//! Locks (`flock`): `start.lock` lets one process at a time check for or
//! start the broker; every process using it holds `lease` shared for its
//! lifetime (the lock goes with the process). The watchdog kills the broker
//! and removes `ready` only while holding `lease` exclusively, so never
//! under a test: once the run's process is gone, or after a minute nobody
//! held a lease.

use std::fs::{self, File, OpenOptions};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::kafka::{Layout, Ports, kafka_libs, log_tail};

/// Holds the broker's `ready` file: `port`.
const READY: &str = "ready";
const PID: &str = "pid";
const START_LOCK: &str = "start.lock";
const LEASE: &str = "lease";
const STARTS: usize = 3;
/// Runs the broker (the arguments after the directory and the run's pid)
/// and kills it when the run ends or nobody used it for a minute.
const WATCHDOG: &str = r#"
dir=$1 run=$2
shift 2
"$@" >>"$dir/kafka.log" 2>&1 </dev/null &
broker=$!
echo "$broker" >"$dir/pid"
idle=0
while kill -0 "$broker" 2>/dev/null && kill -0 "$run" 2>/dev/null && [ "$idle" -lt 60 ]; do
  sleep 1
  if flock -xn "$dir/lease" true; then idle=$((idle + 1)); else idle=0; fi
done
if kill -0 "$broker" 2>/dev/null; then
  flock -x "$dir/lease" sh -c 'rm -f "$1/ready"; kill -9 "$2"' _ "$dir" "$broker"
fi
wait "$broker" 2>/dev/null
kill -0 "$run" 2>/dev/null || rm -rf "$dir"
"#;

static SHARED: OnceLock<SharedKafka> = OnceLock::new();

/// The broker shared by a test run (see [`crate::Kafka::shared`]).
pub struct SharedKafka {
    ports: Ports,
    dir: PathBuf,
    /// Held shared while this process lives: the broker stays up.
    _lease: File,
}

impl SharedKafka {
    /// `host:port` for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        self.ports.bootstrap_servers()
    }

    /// The last lines the broker wrote, for failure messages.
    pub fn log_tail(&self) -> String {
        log_tail(&self.dir.join("kafka.log"))
    }
}

pub(crate) fn get() -> &'static SharedKafka {
    SHARED.get_or_init(|| acquire().unwrap_or_else(|problem| panic!("{problem}")))
}

fn acquire() -> Result<SharedKafka, String> {
    let libs = kafka_libs();
    let run = std::os::unix::process::parent_id();
    let dir = std::env::temp_dir().join(format!("golmok-kafka-run-{run}"));
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let start = lock_file(&dir.join(START_LOCK))?;
    start
        .lock()
        .map_err(|e| format!("locking {START_LOCK}: {e}"))?;
    let lease = lock_file(&dir.join(LEASE))?;
    lease
        .lock_shared()
        .map_err(|e| format!("locking {LEASE}: {e}"))?;
    if let Some(ports) = running(&dir) {
        return Ok(SharedKafka {
            ports,
            dir,
            _lease: lease,
        });
    }
    let layout = Layout {
        libs: &libs,
        dir: &dir,
    };
    let mut failure = String::new();
    for _ in 0..STARTS {
        let ports = Ports::free();
        match launch(&layout, run, ports) {
            Ok(()) => {
                let ready = dir.join(READY);
                fs::write(&ready, ports.broker.to_string())
                    .and_then(|()| fs::write(dir.join("controller"), ports.controller.to_string()))
                    .map_err(|e| format!("writing {}: {e}", ready.display()))?;
                return Ok(SharedKafka {
                    ports,
                    dir,
                    _lease: lease,
                });
            }
            Err(problem) => failure = problem,
        }
    }
    Err(failure)
}

/// The ports of the run's broker when it is up.
fn running(dir: &Path) -> Option<Ports> {
    let read = |name: &str| -> Option<u16> {
        fs::read_to_string(dir.join(name)).ok()?.trim().parse().ok()
    };
    let ports = Ports {
        broker: read(READY)?,
        controller: read("controller")?,
    };
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, ports.broker));
    TcpStream::connect_timeout(&address, Duration::from_secs(1))
        .is_ok()
        .then_some(ports)
}

/// Starts the broker under the watchdog and waits until it is ready; kills
/// it when it is not.
fn launch(layout: &Layout<'_>, run: u32, ports: Ports) -> Result<(), String> {
    let _ = fs::remove_file(layout.dir.join(READY));
    let _ = fs::remove_file(layout.dir.join(PID));
    layout.prepare()?;
    layout.configure(ports)?;
    let broker = layout.broker_command();
    let mut watchdog: Child = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("golmok-kafka-watchdog")
        .arg(layout.dir)
        .arg(run.to_string())
        .arg(broker.get_program())
        .args(broker.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Out of the test's process group: a test that times out takes
        // down its own processes, not the run's broker.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("starting the broker's watchdog (sh) failed: {e}"))?;
    let ready = layout.wait_ready(ports, || matches!(watchdog.try_wait(), Ok(None)));
    if ready.is_err()
        && let Ok(pid) = fs::read_to_string(layout.dir.join(PID))
    {
        let _ = Command::new("kill").args(["-9", pid.trim()]).status();
        let _ = watchdog.wait();
    }
    ready
}

fn lock_file(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| format!("opening {}: {e}", path.display()))
}
