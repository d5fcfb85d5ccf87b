use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, SystemTime};

use golmok_runtime::{ASSERTION_KEY_FILE, Actor, TrustRoot};

use serde_json::{Value, json};

pub const GOLMOK: &str = env!("CARGO_BIN_EXE_golmok");

/// Each `golmok serve <service>` started: its base URL, the service and its
/// data directory (where its actor-assertion key is).
static SERVED: Mutex<Vec<(String, String, PathBuf)>> = Mutex::new(Vec::new());

/// The `x-golmok-actor` value the gateway would send with a call to `url`
/// as `actor`: signed with the key of the `golmok serve` process serving
/// `url`, for its service.
pub fn asserted(url: &str, actor: &Actor) -> String {
    let served = SERVED.lock().expect("the served list");
    let (_, service, data_dir) = served
        .iter()
        .rev()
        .find(|(base, _, _)| url.starts_with(base.as_str()))
        .unwrap_or_else(|| panic!("no `golmok serve` process serves {url}"));
    let key = TrustRoot::load_or_create(&data_dir.join(ASSERTION_KEY_FILE))
        .expect("the process's actor-assertion key")
        .key_for(service);
    key.sign(Some(actor), SystemTime::now())
        .to_str()
        .expect("an ASCII assertion")
        .to_owned()
}

/// A running `golmok` process serving HTTP; killed if a test fails before
/// it is stopped.
pub struct Golmok {
    child: Child,
    pub base: String,
    lines: mpsc::Receiver<String>,
}

impl Golmok {
    /// `golmok up` on `data_dir`, on a free port.
    pub fn up(data_dir: &Path) -> Golmok {
        Golmok::up_with(data_dir, &[])
    }

    /// `golmok up` on `data_dir`, on a free port, with `env` (settings).
    pub fn up_with(data_dir: &Path, env: &[(&str, &str)]) -> Golmok {
        Golmok::start(&["up"], data_dir, "127.0.0.1:0", env, "Golmok is up.")
    }

    /// `golmok up --config <config>` on `data_dir`, on a free port.
    pub fn up_configured(data_dir: &Path, config: &Path) -> Golmok {
        let config = config.to_str().expect("a UTF-8 path");
        let args = ["up", "--config", config];
        Golmok::start(&args, data_dir, "127.0.0.1:0", &[], "Golmok is up.")
    }

    /// `golmok serve <service> --config <config>` on `data_dir`, on a free port.
    pub fn serve_configured(service: &str, data_dir: &Path, config: &Path) -> Golmok {
        let config = config.to_str().expect("a UTF-8 path");
        let args = ["serve", service, "--config", config];
        Golmok::start(&args, data_dir, "127.0.0.1:0", &[], "Golmok ")
    }

    /// `golmok serve <service>` on `data_dir` and `listen`, with `env`.
    pub fn serve(service: &str, data_dir: &Path, listen: &str, env: &[(&str, &str)]) -> Golmok {
        Golmok::start(&["serve", service], data_dir, listen, env, "Golmok ")
    }

    /// `golmok serve <service> --bus kafka --brokers <brokers>` on `data_dir` and `listen`.
    pub fn serve_on_kafka(service: &str, data_dir: &Path, listen: &str, brokers: &str) -> Golmok {
        Golmok::serve_on_kafka_with(service, data_dir, listen, brokers, &[])
    }

    /// [`Golmok::serve_on_kafka`] with `env` (settings).
    pub fn serve_on_kafka_with(
        service: &str,
        data_dir: &Path,
        listen: &str,
        brokers: &str,
        env: &[(&str, &str)],
    ) -> Golmok {
        let args = ["serve", service, "--bus", "kafka", "--brokers", brokers];
        Golmok::start(&args, data_dir, listen, env, "Golmok ")
    }

    /// The names of the process's threads (`/proc/<pid>/task/*/comm`).
    pub fn thread_names(&self) -> Vec<String> {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id()))
            .expect("the process's threads");
        tasks
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .map(|name| name.trim_end().to_owned())
            .collect()
    }

    /// The process's peak resident set (VmHWM), in bytes.
    pub fn peak_resident_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the process's status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map(|kib| kib * 1024)
            .expect("VmHWM")
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub fn kill_9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("golmok exits");
    }

    /// Starts `golmok <args>` and waits for the line on stderr starting with
    /// `banner`, which names the address as `http://ADDR`. Stdout (the JSON
    /// log lines) is kept for [`Golmok::terminate`]; stderr is echoed.
    fn start(
        args: &[&str],
        data_dir: &Path,
        listen: &str,
        env: &[(&str, &str)],
        banner: &str,
    ) -> Golmok {
        let mut child = Command::new(GOLMOK)
            .args(args)
            .args(["--listen", listen, "--data-dir"])
            .arg(data_dir)
            .env("GOLMOK_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("golmok starts");
        let lines = forward_lines(child.stdout.take().expect("stdout is piped"), Echo::No);
        let terminal = forward_lines(child.stderr.take().expect("stderr is piped"), Echo::Yes);
        let banner = std::iter::from_fn(|| terminal.recv_timeout(Duration::from_secs(30)).ok())
            .find(|line| line.starts_with(banner))
            .expect("golmok prints where it serves within 30 s");
        let address = banner
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ' ']).next())
            .expect("the banner names the address");
        let base = format!("http://{address}");
        if let ["serve", service, ..] = args {
            SERVED.lock().expect("the served list").push((
                base.clone(),
                service.to_string(),
                data_dir.to_path_buf(),
            ));
        }
        Golmok { base, child, lines }
    }

    /// Sends SIGTERM and returns the exit status and every line printed on
    /// stdout since the start.
    pub fn terminate(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let mut printed = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(20)) {
            printed.push(line);
        }
        let status = self.child.wait().expect("golmok exits");
        (status, printed)
    }

    /// The data of a GraphQL call that must not fail.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.graphql_body(token, query, variables).await;
        assert_eq!(body.get("errors"), None, "{body}");
        body["data"].clone()
    }

    /// The whole response body of a GraphQL call (data and errors).
    pub async fn graphql_body(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", self.base))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the gateway answers");
        assert_eq!(response.status(), 200);
        response.json().await.expect("a JSON body")
    }

    /// `query`'s data, without errors, once `done` holds of it (asked every
    /// 100 ms, within `within`): the services follow each other's events a
    /// moment later.
    pub async fn data_once(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = std::time::Instant::now();
        loop {
            let body = self
                .graphql_body(Some(token), query, variables.clone())
                .await;
            assert!(body["errors"].is_null(), "{body}");
            if done(&body["data"]) {
                return body["data"].clone();
            }
            assert!(started.elapsed() < within, "{body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{}{path}", self.base))
            .await
            .expect("golmok answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    }
}

impl Drop for Golmok {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether forwarded lines are also shown on the test's stderr.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Echo {
    Yes,
    No,
}

/// Lines of `output` as they come; the channel closes when the process
/// exits. Lines nobody waits for any more are still read (and echoed).
fn forward_lines(output: impl Read + Send + 'static, echo: Echo) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines() {
            let Ok(line) = line else { break };
            if echo == Echo::Yes {
                eprintln!("{line}");
            }
            let _ = sender.send(line);
        }
    });
    receiver
}

/// `golmok token ...` on `data_dir`: (exit status, stdout, stderr).
pub fn token_command(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(GOLMOK)
        .arg("token")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("golmok token runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap().trim().to_owned(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

pub fn token(data_dir: &Path, role: &str) -> String {
    let (ok, token, stderr) = token_command(data_dir, &["--role", role]);
    assert!(ok, "{stderr}");
    token
}

/// A loopback address with a port that was free a moment ago.
pub fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").to_string()
}

/// A merchant signed up through `suite` with a fresh merchant token, and a
/// published 소금빵 at 3,500 won with `stock` units: (the token, the
/// merchant's global id, the product's global id).
pub async fn bakery_with_bread(
    suite: &Golmok,
    data_dir: &Path,
    n: u32,
    stock: u32,
) -> (String, Value, Value) {
    let merchant = token(data_dir, "merchant");
    let registered = suite
        .graphql(Some(&merchant), REGISTER, bakery(&business_number(n)))
        .await;
    assert_eq!(registered["registerMerchant"]["userErrors"], json!([]));
    let merchant_id = registered["registerMerchant"]["merchant"]["id"].clone();
    let created = suite
        .graphql(
            Some(&merchant),
            "mutation($m: ID!, $s: Int!) { createProduct(input: {merchantId: $m, name: \"소금빵\", price: 3500, stock: $s}) {
               product { id } userErrors { code } } }",
            json!({"m": merchant_id, "s": stock}),
        )
        .await;
    let product = created["createProduct"]["product"]["id"].clone();
    suite
        .graphql(
            Some(&merchant),
            "mutation($p: ID!) { publishProduct(input: {productId: $p}) { userErrors { code } } }",
            json!({"p": product}),
        )
        .await;
    (merchant, merchant_id, product)
}

pub const REGISTER: &str = "mutation($input: RegisterMerchantInput!) {
  registerMerchant(input: $input) { merchant { id name status } userErrors { field code } } }";

pub fn bakery(business_number: &str) -> Value {
    json!({"input": {
        "businessNumber": business_number, "name": "망원 빵집", "kind": "RETAILER",
        "category": "bakery", "district": "망원동", "foundedOn": "1990-03-01", "revenueTier": "MICRO"
    }})
}

/// The `n`th valid 사업자등록번호 of a test (check digit as the National Tax
/// Service computes it), unique per process and `n`.
pub fn business_number(n: u32) -> String {
    let serial = n + std::process::id() % 1000 * 10;
    let first_nine = format!("{:03}{:02}{:04}", 101 + serial % 800, 82, serial % 10_000);
    let digits: Vec<u32> = first_nine
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum += digits[8] * 5 / 10;
    format!("{first_nine}{}", (10 - sum % 10) % 10)
}

/// A voucher programme of 마포구 for bakeries, created by `official`, with
/// one face value and a subsidy budget: its global id.
pub async fn mapo_programme(suite: &Golmok, official: &str, face: i64, budget: i64) -> String {
    let created = suite
        .graphql(
            Some(official),
            "mutation($input: CreateVoucherProgrammeInput!) {
               createVoucherProgramme(input: $input) { programme { id } userErrors { code } } }",
            json!({"input": {
                "issuer": "서울특별시 마포구", "name": "마포사랑상품권", "region": "마포구",
                "districts": ["망원동"], "faceValues": [face], "discountBps": 1000,
                "monthlyCap": 300000, "validFrom": "2020-01-01", "validUntil": "2099-12-31",
                "categories": ["bakery"], "feeTiers": {"micro": 0, "small": 30, "medium": 50},
                "budget": budget,
            }}),
        )
        .await;
    created["createVoucherProgramme"]["programme"]["id"]
        .as_str()
        .expect("the programme is created")
        .to_owned()
}
