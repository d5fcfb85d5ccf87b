//! What the benchmarks share.

use std::time::Duration;

/// Latency percentiles of one measurement, in milliseconds.
#[derive(Default)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(mut latencies: Vec<Duration>) -> Self {
        latencies.sort();
        let Some(max) = latencies.last() else {
            return Self::default();
        };
        let at =
            |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        Self {
            count: latencies.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: max.as_secs_f64() * 1e3,
        }
    }
}

/// A `golmok up` process under test, serving at `base` once it printed its banner.
pub struct GolmokUp {
    child: std::process::Child,
    /// `http://<address>`.
    pub base: String,
}

impl GolmokUp {
    /// Starts `golmok up <args> --listen <free port> --data-dir <data_dir>` with `env`
    /// and waits until it serves.
    pub fn start(
        golmok: &std::path::Path,
        args: &[&str],
        data_dir: &std::path::Path,
        env: &[(&str, String)],
    ) -> anyhow::Result<GolmokUp> {
        use std::io::BufRead;

        use anyhow::Context;

        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let listen = listener.local_addr()?.to_string();
        drop(listener);
        let mut child = std::process::Command::new(golmok)
            .arg("up")
            .args(args)
            .args(["--listen", &listen, "--data-dir"])
            .arg(data_dir)
            .env("GOLMOK_LOG", "warn")
            .envs(env.iter().map(|(key, value)| (key, value)))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", golmok.display()))?;
        let stderr = child.stderr.take().context("stderr")?;
        let mut lines = std::io::BufReader::new(stderr).lines();
        loop {
            let Some(line) = lines.next() else {
                anyhow::bail!("golmok up exited before serving");
            };
            if line?.starts_with("Golmok is up.") {
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        Ok(GolmokUp {
            child,
            base: format!("http://{listen}"),
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then SIGKILL and an error if it has not exited `within`.
    pub fn stop(mut self, within: Duration) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()?;
        let deadline = std::time::Instant::now() + within;
        while self.child.try_wait()?.is_none() {
            if std::time::Instant::now() >= deadline {
                self.child.kill()?;
                self.child.wait()?;
                anyhow::bail!(
                    "golmok up (pid {pid}) did not exit within {within:?} of SIGTERM; killed"
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for GolmokUp {
    /// A bench that fails part way leaves no `golmok up` behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
