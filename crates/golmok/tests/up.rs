//! `golmok up` as a newcomer runs it: the real binary on a fresh data
//! directory, driven over HTTP the way the README tour does, stopped with
//! SIGTERM and started again on the same directory.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const GOLMOK: &str = env!("CARGO_BIN_EXE_golmok");

/// A running `golmok up`; killed if a test fails before it is stopped.
struct Suite {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
}

impl Suite {
    fn start(data_dir: &Path) -> Suite {
        let mut child = Command::new(GOLMOK)
            .args(["up", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("GOLMOK_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("golmok starts");
        let lines = forward_lines(child.stdout.take().expect("stdout is piped"));
        let banner = std::iter::from_fn(|| lines.recv_timeout(Duration::from_secs(30)).ok())
            .find(|line| line.starts_with("Golmok is up."))
            .expect("golmok prints where GraphiQL is within 30 s");
        let address = banner
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split("/graphql").next())
            .expect("the banner names the GraphiQL address");
        Suite {
            base: format!("http://{address}"),
            child,
            lines,
        }
    }

    /// Sends SIGTERM and returns the exit status and every line printed after.
    fn terminate(mut self) -> (std::process::ExitStatus, Vec<String>) {
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

    async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", self.base))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the gateway answers");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(body.get("errors"), None, "{body}");
        body["data"].clone()
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{}{path}", self.base))
            .await
            .expect("golmok answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    }
}

impl Drop for Suite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines of `stdout` as they come; the channel closes when the process exits.
fn forward_lines(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// `golmok token ...` on `data_dir`: (exit status, stdout, stderr).
fn token_command(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
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

fn token(data_dir: &Path, role: &str) -> String {
    let (ok, token, stderr) = token_command(data_dir, &["--role", role]);
    assert!(ok, "{stderr}");
    token
}

const REGISTER: &str = "mutation($input: RegisterMerchantInput!) {
  registerMerchant(input: $input) { merchant { id name status } userErrors { field code } } }";

fn bakery(business_number: &str) -> Value {
    json!({"input": {
        "businessNumber": business_number, "name": "망원 빵집", "kind": "RETAILER",
        "category": "bakery", "district": "망원동", "foundedOn": "1990-03-01", "revenueTier": "MICRO"
    }})
}

const STOCK: &str =
    "query($p: ID!) { product(id: $p) { name stock reserved available published } }";

#[tokio::test]
async fn the_readme_tour_works_and_its_data_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let suite = Suite::start(data.path());

    assert_eq!(suite.get("/livez").await.0, 200);
    assert_eq!(suite.get("/readyz").await, (200, "ready".to_owned()));
    let (status, graphiql) = suite.get("/graphql").await;
    assert_eq!(status, 200);
    assert!(graphiql.contains("graphiql"), "GraphiQL is served");
    assert!(
        !graphiql.contains("https://") && !graphiql.contains("http://"),
        "GraphiQL loads nothing from the internet"
    );

    // A merchant signs up with a fresh merchant token.
    let merchant = token(data.path(), "merchant");
    let refused = suite
        .graphql(Some(&merchant), REGISTER, bakery("220-81-62518"))
        .await;
    assert_eq!(
        refused["registerMerchant"],
        json!({"merchant": null, "userErrors": [
            {"field": ["input", "businessNumber"], "code": "BUSINESS_NUMBER_CHECKSUM_MISMATCH"}
        ]})
    );
    let registered = suite
        .graphql(Some(&merchant), REGISTER, bakery("220-81-62517"))
        .await;
    assert_eq!(registered["registerMerchant"]["userErrors"], json!([]));
    let merchant_id = registered["registerMerchant"]["merchant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // It lists and publishes a product.
    let created = suite
        .graphql(
            Some(&merchant),
            "mutation($m: ID!) { createProduct(input: {merchantId: $m, name: \"소금빵\", price: 3500, stock: 10}) {
               product { id } userErrors { code } } }",
            json!({"m": merchant_id}),
        )
        .await;
    let product = created["createProduct"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let published = suite
        .graphql(
            Some(&merchant),
            "mutation($p: ID!) { publishProduct(input: {productId: $p}) { product { published } userErrors { code } } }",
            json!({"p": product}),
        )
        .await;
    assert_eq!(
        published["publishProduct"],
        json!({"product": {"published": true}, "userErrors": []})
    );

    // A citizen orders two; an order for more than is left is refused whole.
    let citizen = token(data.path(), "citizen");
    let order = "mutation($m: ID!, $p: ID!, $n: Int!) {
      placeOrder(input: {merchantId: $m, lines: [{productId: $p, quantity: $n}], payment: VOUCHER}) {
        order { id total status } userErrors { code } } }";
    let placed = suite
        .graphql(
            Some(&citizen),
            order,
            json!({"m": merchant_id, "p": product, "n": 2}),
        )
        .await;
    assert_eq!(placed["placeOrder"]["userErrors"], json!([]));
    assert_eq!(placed["placeOrder"]["order"]["total"], 7_000);
    assert_eq!(placed["placeOrder"]["order"]["status"], "PLACED");
    let order_id = placed["placeOrder"]["order"]["id"].clone();
    let too_many = suite
        .graphql(
            Some(&citizen),
            order,
            json!({"m": merchant_id, "p": product, "n": 9}),
        )
        .await;
    assert_eq!(too_many["placeOrder"]["order"], Value::Null);
    assert_eq!(
        too_many["placeOrder"]["userErrors"][0]["code"],
        "INSUFFICIENT_STOCK"
    );
    let before = suite.graphql(None, STOCK, json!({"p": product})).await;
    assert_eq!(
        before["product"],
        json!({"name": "소금빵", "stock": 10, "reserved": 2, "available": 8, "published": true})
    );

    let (_, metrics) = suite.get("/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("http_requests_total{")
                && line.contains("route=\"/graphql\"")
                && line.contains("status=\"200\"")),
        "{metrics}"
    );

    let (status, printed) = suite.terminate();
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
    assert!(
        printed.iter().any(|line| line.contains("golmok stopped")),
        "{printed:?}"
    );
    for line in &printed {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|_| panic!("every log line is JSON: {line}"));
    }

    // Same directory, new process: the data, the key and its tokens hold.
    let suite = Suite::start(data.path());
    let after = suite.graphql(None, STOCK, json!({"p": product})).await;
    assert_eq!(after["product"], before["product"]);
    let mine = suite
        .graphql(
            Some(&citizen),
            "{ myOrders { edges { node { id total } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["myOrders"]["edges"],
        json!([{"node": {"id": order_id, "total": 7_000}}])
    );
    let newcomer = token(data.path(), "merchant");
    let again = suite
        .graphql(Some(&newcomer), REGISTER, bakery("220-81-62517"))
        .await;
    assert_eq!(
        again["registerMerchant"]["userErrors"][0]["code"],
        "BUSINESS_NUMBER_TAKEN"
    );
    let (status, _) = suite.terminate();
    assert!(status.success());
}

#[test]
fn token_names_the_roles_it_accepts() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = token_command(data.path(), &["--role", "mayor"]);
    assert!(!ok);
    assert!(stderr.contains("unknown role"), "{stderr}");
    let (ok, _, stderr) = token_command(
        data.path(),
        &[
            "--role",
            "citizen",
            "--merchant",
            "01a2260f-e8b9-7799-ba29-b455606b9b98",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("--merchant goes only with --role merchant"));
}

#[test]
fn tokens_are_signed_with_one_key_kept_private_in_the_data_dir() {
    let data = tempfile::tempdir().unwrap();
    let first = token(data.path(), "official");
    let second = token(data.path(), "official");
    let header = |token: &str| token.split('.').next().unwrap().to_owned();
    assert_eq!(header(&first), header(&second), "same key id");
    let key = data.path().join("jwt-signing.key");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
