//! P1 and P2: one GraphQL query through the gateway, side by side with a
//! plain axum handler returning the same bytes, and with the storefront
//! in-process against the storefront over HTTP. All three servers run in this
//! process on loopback and are driven by the same client loop, one after the
//! other, so the ratios compare like with like. Run in release mode:
//!
//! `cargo run --release -p load-tests --bin gateway_bench`

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use axum::Router;
use axum::routing::post;
use clap::Parser;
use gateway::auth::{Claims, SigningKey};
use gateway::{ServiceClient, Upstreams};
use golmok_runtime::{Role, Service};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "GraphQL gateway benchmark (PERFORMANCE.md P1, P2)")]
struct Args {
    /// Seconds each target is driven.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// For instruction counts (callgrind) instead of the timed runs: send
    /// this many requests, one at a time, to `--target` only, then exit.
    #[arg(long)]
    requests: Option<usize>,
    /// The target `--requests` drives.
    #[arg(long, value_enum, default_value_t = Target::InProcess)]
    target: Target,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    /// The plain axum handler answering the same bytes.
    Plain,
    /// The gateway with the storefront in-process.
    InProcess,
    /// The gateway calling the storefront over HTTP.
    OverHttp,
}

const QUERY: &str = "query($id: ID!) { product(id: $id) { id name price stock available published merchant { name district } } }";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    // One actor-assertion key for the gateway and the storefront, as `golmok up` has.
    let assertion_key = dir.path().join(golmok_runtime::ASSERTION_KEY_FILE);
    let storefront = storefront::Application::build(storefront::Settings {
        data_dir: dir.path().join("storefront"),
        assertion_key_file: Some(assertion_key.clone()),
        ..storefront::Settings::default()
    })
    .await?;
    let settings = gateway::Settings {
        auth: gateway::AuthSettings {
            signing_key_file: dir.path().join("jwt.key"),
            assertion_key_file: assertion_key,
            ..gateway::AuthSettings::default()
        },
        ..gateway::Settings::default()
    };
    // Each gateway keeps its feeds in a store of its own.
    let in_process = gateway::Application::build(
        gateway::Settings {
            data_dir: dir.path().join("gateway-in-process"),
            ..settings.clone()
        },
        // This benchmark's queries call only the storefront.
        Upstreams::default()
            .with("storefront", ServiceClient::in_process(storefront.router()))
            .with("voucher", ServiceClient::in_process(Router::new()))
            .with("creator-media", ServiceClient::in_process(Router::new())),
    )
    .await?;
    let storefront_address = spawn_server(storefront.router()).await?;
    let over_http = gateway::Application::build(
        gateway::Settings {
            data_dir: dir.path().join("gateway-over-http"),
            ..settings.clone()
        },
        Upstreams::default()
            .with(
                "storefront",
                ServiceClient::http(format!("http://{storefront_address}")),
            )
            .with("voucher", ServiceClient::in_process(Router::new()))
            .with("creator-media", ServiceClient::in_process(Router::new())),
    )
    .await?;
    let in_process_address = spawn_server(in_process.router()).await?;
    let over_http_address = spawn_server(over_http.router()).await?;

    let client = reqwest::Client::new();
    let key = SigningKey::load_or_create(&settings.auth.signing_key_file)?;
    let product = seed(&client, in_process_address, &key, &settings.auth).await?;
    let body = json!({"query": QUERY, "variables": {"id": product}});
    let expected = post_graphql(&client, in_process_address, &body).await?;
    ensure!(
        expected["data"]["product"]["name"] == "소금빵",
        "{expected}"
    );
    let canned = expected.to_string();
    let baseline = spawn_server(Router::new().route(
        "/graphql",
        post(move || {
            let canned = canned.clone();
            async move { ([("content-type", "application/json")], canned) }
        }),
    ))
    .await?;
    ensure!(post_graphql(&client, over_http_address, &body).await? == expected);
    ensure!(post_graphql(&client, baseline, &body).await? == expected);

    if let Some(requests) = args.requests {
        let address = match args.target {
            Target::Plain => baseline,
            Target::InProcess => in_process_address,
            Target::OverHttp => over_http_address,
        };
        for _ in 0..requests {
            ensure!(post_graphql(&client, address, &body).await? == expected);
        }
        println!("gateway_bench: {requests} requests answered as expected");
        return Ok(());
    }
    let duration = Duration::from_secs(args.seconds);
    println!(
        "gateway_bench: {} clients, {} s per target, {} cores; query: product by id with its merchant",
        args.clients,
        args.seconds,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let plain = drive(&client, baseline, &body, args.clients, duration).await?;
    let gateway = drive(&client, in_process_address, &body, args.clients, duration).await?;
    let http = drive(&client, over_http_address, &body, args.clients, duration).await?;
    // One request at a time: what the hop itself adds, without the queueing
    // that `clients` requests on two cores add to every path alike.
    let gateway_alone = drive(&client, in_process_address, &body, 1, duration).await?;
    let http_alone = drive(&client, over_http_address, &body, 1, duration).await?;
    println!();
    println!("| target | requests/s | p50 ms | p99 ms | ratio | goal |");
    println!("|---|---:|---:|---:|---|---|");
    plain.row("plain axum handler, same bytes (baseline)", "1.00×", "");
    gateway.row(
        "gateway, storefront in-process",
        &format!("{:.2}× baseline req/s", gateway.rate / plain.rate),
        "P1 ≥ 0.5×",
    );
    http.row(
        "gateway, storefront over HTTP",
        &format!(
            "{:+.2} ms p99 vs in-process; {:.2}× its req/s",
            http.p99_ms - gateway.p99_ms,
            http.rate / gateway.rate
        ),
        "P2 ≤ +1 ms",
    );
    gateway_alone.row("gateway, storefront in-process, 1 client", "", "");
    http_alone.row(
        "gateway, storefront over HTTP, 1 client",
        &format!(
            "{:+.2} ms p99, {:+.2} ms p50 vs in-process, 1 client",
            http_alone.p99_ms - gateway_alone.p99_ms,
            http_alone.p50_ms - gateway_alone.p50_ms
        ),
        "P2 ≤ +1 ms",
    );
    Ok(())
}

async fn spawn_server(router: Router) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(address)
}

async fn post_graphql(
    client: &reqwest::Client,
    address: SocketAddr,
    body: &Value,
) -> anyhow::Result<Value> {
    let response = client
        .post(format!("http://{address}/graphql"))
        .json(body)
        .send()
        .await?;
    ensure!(response.status() == 200, "status {}", response.status());
    Ok(response.json().await?)
}

/// A merchant with one published product; returns the product's global id.
async fn seed(
    client: &reqwest::Client,
    address: SocketAddr,
    key: &SigningKey,
    auth: &gateway::AuthSettings,
) -> anyhow::Result<String> {
    let merchant = uuid::Uuid::now_v7();
    let day = Duration::from_secs(86_400);
    let token = key.mint(&Claims::new(
        "bench".to_owned(),
        Role::Merchant,
        Some(merchant),
        day,
        auth,
    ));
    let call = |query: &str, variables: Value| {
        client
            .post(format!("http://{address}/graphql"))
            .bearer_auth(&token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
    };
    let registered: Value = call(
        "mutation { registerMerchant(input: {businessNumber: \"220-81-62517\", name: \"망원 빵집\", kind: RETAILER,
           category: \"bakery\", district: \"망원동\", foundedOn: \"1990-03-01\", revenueTier: MICRO}) { merchant { id } } }",
        json!({}),
    )
    .await?
    .json()
    .await?;
    let merchant_id = registered["data"]["registerMerchant"]["merchant"]["id"].clone();
    let created: Value = call(
        "mutation($m: ID!) { createProduct(input: {merchantId: $m, name: \"소금빵\", price: 3500, stock: 10}) { product { id } } }",
        json!({"m": merchant_id}),
    )
    .await?
    .json()
    .await?;
    let product = created["data"]["createProduct"]["product"]["id"]
        .as_str()
        .with_context(|| format!("seeding failed: {created}"))?
        .to_owned();
    call(
        "mutation($p: ID!) { publishProduct(input: {productId: $p}) { product { id } } }",
        json!({"p": product}),
    )
    .await?;
    Ok(product)
}

struct Measured {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Measured {
    fn row(&self, target: &str, ratio: &str, goal: &str) {
        println!(
            "| {target} | {:.0} | {:.2} | {:.2} | {ratio} | {goal} |",
            self.rate, self.p50_ms, self.p99_ms
        );
    }
}

/// `clients` loops posting `body` for `duration`; every answer is checked.
async fn drive(
    client: &reqwest::Client,
    address: SocketAddr,
    body: &Value,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, body) = (client.clone(), body.to_string());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < duration {
                let sent = Instant::now();
                let response = client
                    .post(format!("http://{address}/graphql"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                ensure!(response.status() == 200);
                let answer = response.bytes().await?;
                ensure!(!answer.is_empty());
                latencies.push(sent.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    Ok(Measured {
        rate: latencies.len() as f64 / elapsed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    })
}
