//! P9 after use: the resident memory of a real `golmok up` idle, then after
//! 100,000 storefront orders and 100,000 voucher payments through its
//! gateway (GraphQL), against the 100 MiB goal. Every answer is checked: an
//! order must be placed, a payment captured for its amount. Run in release
//! mode:
//!
//! `cargo build --release -p golmok --bin golmok -p load-tests --bin mem_bench && target/release/mem_bench`
//!
//! `--cache-mib 128,16,8` runs the whole bench once per page-cache size of the
//! embedded stores (`[<service>.storage] cache_mib`, every store of `golmok
//! up`: storefront, voucher, creator-media, gateway), each on a fresh `golmok
//! up`, and ends with a table of each against the first: memory after use
//! and orders/s, payments/s. Without it, `golmok up` runs on its defaults
//! (also for a build without the setting).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use clap::Parser;
use futures::future::try_join_all;
use load_tests::{GolmokUp, business_number, golmok_token as token};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    about = "golmok up resident memory idle and after orders and payments (PERFORMANCE.md P9)"
)]
struct Args {
    /// Storefront orders placed through the gateway.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Voucher payments made through the gateway.
    #[arg(long, default_value_t = 100_000)]
    payments: usize,
    /// Concurrent clients (each with its own merchant, product and wallet).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Seconds the process is left idle before each reading.
    #[arg(long, default_value_t = 3)]
    settle: u64,
    /// The `golmok` binary; by default the one beside this bench.
    #[arg(long)]
    golmok: Option<PathBuf>,
    /// Page caches of the embedded stores to compare, in MiB (comma
    /// separated, the first is the baseline); by default `golmok up`'s own.
    #[arg(long, value_delimiter = ',')]
    cache_mib: Vec<u32>,
}

/// The embedded stores of `golmok up`, each given the page cache compared.
const STORES: [&str; 4] = ["storefront", "voucher", "creator-media", "gateway"];

/// P9 goal for `golmok up` idle, in MiB.
const GOAL_MIB: f64 = 100.0;
/// Each wallet's one voucher: enough for every payment of its client.
const FACE: i64 = 100_000_000;

const REGISTER: &str = "mutation($input: RegisterMerchantInput!) {
  registerMerchant(input: $input) { merchant { id } userErrors { code } } }";
const CREATE: &str = "mutation($m: ID!, $s: Int!) {
  createProduct(input: {merchantId: $m, name: \"소금빵\", price: 3500, stock: $s}) { product { id } userErrors { code } } }";
const PUBLISH: &str =
    "mutation($p: ID!) { publishProduct(input: {productId: $p}) { userErrors { code } } }";
const ORDER: &str = "mutation($m: ID!, $p: ID!, $k: String!) { placeOrder(input: {merchantId: $m,
  lines: [{productId: $p, quantity: 1}], payment: CARD, idempotencyKey: $k}) { order { id total } userErrors { code } } }";
const PROGRAMME: &str = "mutation($input: CreateVoucherProgrammeInput!) {
  createVoucherProgramme(input: $input) { programme { id } userErrors { code } } }";
const PURCHASE: &str = "mutation($p: ID!, $f: Won!) {
  purchaseVoucher(input: {programmeId: $p, faceValue: $f}) { wallet { id balance } userErrors { code } } }";
const PAY: &str = "mutation($in: RedeemVoucherInput!) {
  payWithVoucher(input: $in) { redemption { status amount } userErrors { code } } }";

/// One reading of the process's memory, from `/proc/<pid>/status`.
struct Memory {
    resident: u64,
    peak: u64,
}

impl Memory {
    fn of(pid: u32) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kib| kib * 1024)
                .with_context(|| format!("no {name} in /proc/{pid}/status"))
        };
        Ok(Memory {
            resident: field("VmRSS:")?,
            peak: field("VmHWM:")?,
        })
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A client's merchant (with its product) and citizen.
struct Client {
    merchant: Value,
    product: Value,
    citizen: String,
}

/// What one run measured.
struct Run {
    idle: Memory,
    after_orders: Memory,
    after: Memory,
    orders_per_second: f64,
    payments_per_second: f64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.clients > 0);
    let golmok = match &args.golmok {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("golmok"),
    };
    if args.cache_mib.is_empty() {
        measure(&args, &golmok, None).await?;
        return Ok(());
    }
    let mut runs = Vec::new();
    for &cache in &args.cache_mib {
        println!("mem_bench: page cache {cache} MiB per store");
        runs.push((cache, measure(&args, &golmok, Some(cache)).await?));
        println!();
    }
    let (base_cache, base) = &runs[0];
    println!(
        "| cache per store | idle MiB | after orders MiB | after orders and payments MiB | ÷ {base_cache} MiB cache's | ÷ goal 100 MiB | orders/s | ÷ | payments/s | ÷ |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (cache, run) in &runs {
        println!(
            "| {cache} MiB | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.0} | {:.2} | {:.0} | {:.2} |",
            mib(run.idle.resident),
            mib(run.after_orders.resident),
            mib(run.after.resident),
            run.after.resident as f64 / base.after.resident as f64,
            mib(run.after.resident) / GOAL_MIB,
            run.orders_per_second,
            run.orders_per_second / base.orders_per_second,
            run.payments_per_second,
            run.payments_per_second / base.payments_per_second,
        );
    }
    Ok(())
}

/// One run of the bench on a fresh `golmok up`, its stores given `cache` MiB
/// of page cache each (its defaults for `None`); prints its own table.
async fn measure(args: &Args, golmok: &Path, cache: Option<u32>) -> anyhow::Result<Run> {
    let data = tempfile::tempdir()?;
    let config = data.path().join("mem_bench.toml");
    let mut up_args = Vec::new();
    if let Some(cache) = cache {
        let sections: String = STORES
            .iter()
            .map(|store| format!("[{store}.storage]\nkind = \"embedded\"\ncache_mib = {cache}\n"))
            .collect();
        std::fs::write(&config, sections)?;
        up_args = vec!["--config", config.to_str().context("a UTF-8 temp path")?];
    }
    let up = GolmokUp::start(golmok, &up_args, data.path(), &[])?;
    let pid = up.pid();
    let settle = Duration::from_secs(args.settle);
    tokio::time::sleep(settle).await;
    let idle = Memory::of(pid)?;
    println!(
        "mem_bench: golmok up (pid {pid}) idle: RSS {:.1} MiB",
        mib(idle.resident)
    );

    let http = reqwest::Client::new();
    let base = up.base.clone();
    let gql = Graphql {
        http: http.clone(),
        base: base.clone(),
    };
    let official = token(golmok, data.path(), &["--role", "official"])?;
    let per_client = args.orders.div_ceil(args.clients);
    let clients = try_join_all((0..args.clients).map(|n| {
        let (gql, dir) = (&gql, data.path());
        async move {
            let merchant_token = token(golmok, dir, &["--role", "merchant"])?;
            let registered = gql
                .call(&merchant_token, REGISTER, bakery(n))
                .await
                .context("registerMerchant")?;
            let merchant = registered["registerMerchant"]["merchant"]["id"].clone();
            ensure!(merchant.is_string(), "registerMerchant: {registered}");
            let stock = i32::try_from(per_client + 10)?;
            let created = gql
                .call(&merchant_token, CREATE, json!({"m": merchant, "s": stock}))
                .await?;
            let product = created["createProduct"]["product"]["id"].clone();
            ensure!(product.is_string(), "createProduct: {created}");
            let published = gql
                .call(&merchant_token, PUBLISH, json!({"p": product}))
                .await?;
            ensure!(
                published["publishProduct"]["userErrors"] == json!([]),
                "publishProduct: {published}"
            );
            let citizen = token(
                golmok,
                dir,
                &["--role", "citizen", "--subject", &format!("citizen-{n}")],
            )?;
            anyhow::Ok(Client {
                merchant,
                product,
                citizen,
            })
        }
    }))
    .await?;

    let started = Instant::now();
    let placed = run(&clients, args.orders, |_, client, n| {
        let gql = &gql;
        async move {
            let variables =
                json!({"m": client.merchant, "p": client.product, "k": format!("order-{n}")});
            let data = gql.call(&client.citizen, ORDER, variables).await?;
            let order = &data["placeOrder"];
            ensure!(
                order["userErrors"] == json!([]) && order["order"]["total"] == 3500,
                "placeOrder: {data}"
            );
            Ok(())
        }
    })
    .await?;
    let orders_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let after_orders = Memory::of(pid)?;
    println!(
        "{placed} orders in {orders_seconds:.0} s ({:.0}/s): RSS {:.1} MiB",
        placed as f64 / orders_seconds,
        mib(after_orders.resident)
    );

    let programme = gql
        .call(&official, PROGRAMME, programme_input())
        .await?["createVoucherProgramme"]["programme"]["id"]
        .clone();
    ensure!(programme.is_string(), "no programme created");
    let wallets = try_join_all(clients.iter().enumerate().map(|(index, client)| {
        let gql = &gql;
        let programme = programme.clone();
        async move {
            let bought = gql
                .call(
                    &client.citizen,
                    PURCHASE,
                    json!({"p": programme, "f": FACE}),
                )
                .await?;
            let wallet = bought["purchaseVoucher"]["wallet"]["id"].clone();
            ensure!(wallet.is_string(), "purchaseVoucher: {bought}");
            // The voucher service learns of the shop from the storefront's events.
            let probe = json!({"walletId": wallet, "merchantId": client.merchant, "amount": 1,
                               "idempotencyKey": format!("probe-{index}")});
            for _ in 0..400 {
                let paid = gql.call(&client.citizen, PAY, json!({"in": probe})).await?;
                match paid["payWithVoucher"]["userErrors"][0]["code"].as_str() {
                    Some("MERCHANT_NOT_FOUND") => {
                        tokio::time::sleep(Duration::from_millis(50)).await
                    }
                    None => return anyhow::Ok(wallet),
                    Some(code) => anyhow::bail!("probe payment refused: {code}"),
                }
            }
            anyhow::bail!("the voucher service never learnt of the merchant")
        }
    }))
    .await?;
    let started = Instant::now();
    let paid = run(&clients, args.payments, |index, client, n| {
        let (gql, wallet) = (&gql, &wallets[index]);
        async move {
            let amount = 1_000 + (n % 10) as i64 * 130 + 7;
            let input = json!({"walletId": wallet, "merchantId": client.merchant,
                               "amount": amount, "idempotencyKey": format!("pay-{n}")});
            let data = gql.call(&client.citizen, PAY, json!({"in": input})).await?;
            let redemption = &data["payWithVoucher"]["redemption"];
            ensure!(
                redemption["status"] == "CAPTURED" && redemption["amount"] == amount,
                "payWithVoucher: {data}"
            );
            Ok(())
        }
    })
    .await?;
    let payments_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let after = Memory::of(pid)?;
    println!(
        "{paid} payments in {payments_seconds:.0} s ({:.0}/s): RSS {:.1} MiB",
        paid as f64 / payments_seconds,
        mib(after.resident)
    );
    up.stop(Duration::from_secs(30))?;

    println!();
    println!("| `golmok up` | RSS MiB | ÷ idle | ÷ goal 100 MiB | peak (VmHWM) MiB |");
    println!("|---|---:|---:|---:|---:|");
    for (label, memory) in [
        ("idle, after start".to_owned(), &idle),
        (format!("after {placed} orders"), &after_orders),
        (format!("after {placed} orders and {paid} payments"), &after),
    ] {
        println!(
            "| {label} | {:.1} | {:.2} | {:.2} | {:.1} |",
            mib(memory.resident),
            memory.resident as f64 / idle.resident as f64,
            mib(memory.resident) / GOAL_MIB,
            mib(memory.peak)
        );
    }
    Ok(Run {
        idle,
        after_orders,
        after,
        orders_per_second: placed as f64 / orders_seconds,
        payments_per_second: paid as f64 / payments_seconds,
    })
}

/// `total` calls of `call` (client index, client, call number), spread over
/// the clients, each client's one after the other; answers how many were made.
async fn run<'a, F, Fut>(clients: &'a [Client], total: usize, call: F) -> anyhow::Result<usize>
where
    F: Fn(usize, &'a Client, usize) -> Fut + Copy,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let count = clients.len();
    try_join_all(
        clients
            .iter()
            .enumerate()
            .map(|(index, client)| async move {
                let mut made = 0;
                for n in (index..total).step_by(count) {
                    call(index, client, n).await?;
                    made += 1;
                }
                anyhow::Ok(made)
            }),
    )
    .await
    .map(|made| made.into_iter().sum())
}

struct Graphql {
    http: reqwest::Client,
    base: String,
}

impl Graphql {
    /// `query`'s data; an error for a GraphQL error.
    async fn call(&self, token: &str, query: &str, variables: Value) -> anyhow::Result<Value> {
        load_tests::graphql(&self.http, &self.base, token, query, variables).await
    }
}

fn programme_input() -> Value {
    json!({"input": {
        "issuer": "서울특별시 마포구", "name": "마포사랑상품권 (mem_bench)", "region": "마포구",
        "districts": ["망원동"], "faceValues": [FACE], "discountBps": 1000,
        "monthlyCap": 1_000_000_000_000_i64, "validFrom": "2020-01-01", "validUntil": "2099-12-31",
        "categories": ["bakery"], "feeTiers": {"micro": 0, "small": 30, "medium": 50},
        "budget": 10_000_000_000_000_i64,
    }})
}

/// Bakery `n` of 망원동 with a valid 사업자등록번호.
fn bakery(n: usize) -> Value {
    json!({"input": {
        "businessNumber": business_number(n), "name": format!("망원 빵집 {n}"), "kind": "RETAILER",
        "category": "bakery", "district": "망원동", "foundedOn": "1990-03-01", "revenueTier": "MICRO"
    }})
}
