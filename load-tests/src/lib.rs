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

/// The `n`th valid 사업자등록번호 (the National Tax Service's check digit).
pub fn business_number(n: usize) -> String {
    let first_nine = format!("{:03}{:02}{:04}", 101 + n % 800, 82, n % 10_000);
    let digits: Vec<usize> = first_nine
        .chars()
        .filter_map(|c| c.to_digit(10).map(|d| d as usize))
        .collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: usize = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum += digits[8] * 5 / 10;
    format!("{first_nine}{}", (10 - sum % 10) % 10)
}

/// `golmok token <args>` on `data_dir`: the token it prints.
pub fn golmok_token(
    golmok: &std::path::Path,
    data_dir: &std::path::Path,
    args: &[&str],
) -> anyhow::Result<String> {
    let output = std::process::Command::new(golmok)
        .arg("token")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()?;
    anyhow::ensure!(output.status.success(), "golmok token failed");
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// `query`'s data from the GraphQL endpoint at `base` as `token`'s bearer; an
/// error for a GraphQL error.
pub async fn graphql(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    variables: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let body: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&serde_json::json!({"query": query, "variables": variables}))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(body.get("errors").is_none(), "{body}");
    Ok(body["data"].clone())
}
