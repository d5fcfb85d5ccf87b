//! P8: rebuild of read models from the log (`golmok replay`), events/s.
//!
//! Writes `--events` storefront events (per merchant: registered, a product
//! added and published, then orders placed and confirmed; the wire payloads
//! of the committed schema samples with fresh ids) into an embedded store,
//! then measures in the same run:
//! - the raw sequential read of the log (`read_all` pages): the ceiling;
//! - the live consumers catching up from position 0 (the storefront's two
//!   projections side by side, each batch one write with its inbox entries);
//! - the rebuild of the same projections (`golmok_kernel::Rebuild`, as
//!   `golmok replay storefront` runs it), `--batch-size` events per write;
//!
//! and checks that the rebuilt tables hash equal to the caught-up ones.
//!
//! `cargo run --release -p load-tests --bin replay_bench` (`--events 200000
//! --orders-per-merchant 48 --batch-size 4096`). Instructions per event of
//! the rebuild: `valgrind --tool=callgrind --dump-before='*rebuild_starts*'
//! --dump-before='*rebuild_ends*' replay_bench --events 20000`, the second
//! dump's total divided by the events.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, ensure};
use clap::Parser;
use golmok_kernel::{
    AppendRequest, Consumer, DEFAULT_BATCH, Envelope, EventLog, ExpectedVersion, ReadModel,
    Rebuild, WholeTables, table_digest,
};
use golmok_runtime::{Blueprint, ServiceSettings, Storage, StorageSettings};
use storefront::app::projections::tables::ALL_TABLES;
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    /// Events written to the log (rounded to whole merchants).
    #[arg(long, default_value_t = 200_000)]
    events: u64,
    /// Orders per merchant (each placed and confirmed: two events).
    #[arg(long, default_value_t = 48)]
    orders_per_merchant: u64,
    /// Events per write transaction of the rebuild.
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    batch_size: usize,
}

/// The ids the committed samples use, replaced by fresh ones.
const SAMPLE_MERCHANT: &str = "01900c3e-8d4a-7b2e-9f10-000000000001";
const SAMPLE_PRODUCT: &str = "01900c3e-8d4a-7b2e-9f10-000000000002";
const SAMPLE_ORDER: &str = "01900c3e-8d4a-7b2e-9f10-000000000003";

/// The committed sample payload of a storefront event.
fn sample(name: &str) -> anyhow::Result<String> {
    let path = format!(
        "{}/../schemas/events/storefront/{name}.v1.sample.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))
}

struct Samples {
    registered: String,
    added: String,
    published: String,
    placed: String,
    confirmed: String,
}

fn envelope(name: &str, subject: &str, data: &str, ids: &[(&str, Uuid)]) -> Envelope {
    let mut data = data.to_owned();
    for (sample, id) in ids {
        data = data.replace(sample, &id.to_string());
    }
    let id = Uuid::now_v7();
    Envelope {
        id,
        source: "/golmok/storefront".to_owned(),
        event_type: format!("kr.golmok.storefront.{name}.v1"),
        subject: subject.to_owned(),
        time: chrono::Utc::now(),
        stream_version: 0,
        correlation_id: id,
        causation_id: id,
        traceparent: None,
        data: serde_json::from_str(&data).expect("a sample is JSON"),
    }
}

/// One merchant's story: two appends (its merchant stream, its shop stream).
fn merchant_story(samples: &Samples, orders: u64) -> Vec<AppendRequest> {
    let merchant = Uuid::now_v7();
    let product = Uuid::now_v7();
    let ids = [(SAMPLE_MERCHANT, merchant), (SAMPLE_PRODUCT, product)];
    let merchant_stream = format!("merchant-{merchant}");
    let shop = format!("shop-{merchant}");
    let mut shop_events = vec![
        envelope("ProductAdded", &shop, &samples.added, &ids),
        envelope("ProductPublished", &shop, &samples.published, &ids),
    ];
    for _ in 0..orders {
        let order = [ids[0], ids[1], (SAMPLE_ORDER, Uuid::now_v7())];
        shop_events.push(envelope("OrderPlaced", &shop, &samples.placed, &order));
        shop_events.push(envelope(
            "OrderConfirmed",
            &shop,
            &samples.confirmed,
            &order,
        ));
    }
    let request = |stream: String, events| AppendRequest {
        stream,
        expected: ExpectedVersion::NoStream,
        events,
        idempotency: None,
    };
    vec![
        request(
            merchant_stream.clone(),
            vec![envelope(
                "MerchantRegistered",
                &merchant_stream,
                &samples.registered,
                &ids,
            )],
        ),
        request(shop, shop_events),
    ]
}

async fn write_log(log: Arc<dyn EventLog>, args: &Args) -> anyhow::Result<u64> {
    let samples = Arc::new(Samples {
        registered: sample("MerchantRegistered")?,
        added: sample("ProductAdded")?,
        published: sample("ProductPublished")?,
        placed: sample("OrderPlaced")?,
        confirmed: sample("OrderConfirmed")?,
    });
    let per_merchant = 3 + 2 * args.orders_per_merchant;
    let merchants = args.events.div_ceil(per_merchant);
    let writers = 8;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (log, samples) = (Arc::clone(&log), Arc::clone(&samples));
        let orders = args.orders_per_merchant;
        tasks.push(tokio::spawn(async move {
            for _ in (w..merchants).step_by(writers as usize) {
                for request in merchant_story(&samples, orders) {
                    log.append(request).await?;
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(*log.head().borrow())
}

async fn raw_read(log: &dyn EventLog, head: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut next = 1;
    while next <= head {
        let page = log.read_all(next, DEFAULT_BATCH).await?;
        ensure!(!page.is_empty(), "the log ends before its head");
        next = page.last().map_or(next, |e| e.position + 1);
    }
    Ok(started.elapsed().as_secs_f64())
}

async fn digests(store: &dyn WholeTables) -> anyhow::Result<Vec<String>> {
    let mut hashes = Vec::new();
    for table in ALL_TABLES {
        hashes.push(table_digest(store, table).await?);
    }
    Ok(hashes)
}

/// Marks where the rebuild starts, for `valgrind --tool=callgrind
/// --dump-before=*rebuild_starts* --dump-before=*rebuild_ends*`: the second
/// dump then counts the instructions of the rebuild alone, every thread.
#[inline(never)]
fn rebuild_starts() {
    std::hint::black_box(1_u8);
}

/// Marks where the rebuild ends (see [`rebuild_starts`]).
#[inline(never)]
fn rebuild_ends() {
    std::hint::black_box(2_u8);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let settings = ServiceSettings::<storefront::config::StorefrontSection> {
        data_dir: dir.path().to_owned(),
        ..Default::default()
    };
    let storage = Storage::open("storefront", dir.path(), &StorageSettings::default()).await?;
    let whole = storage
        .whole
        .clone()
        .context("the embedded store lists whole tables")?;
    let log = Arc::clone(&storage.log);

    let started = Instant::now();
    let head = write_log(Arc::clone(&log), &args).await?;
    let write_seconds = started.elapsed().as_secs_f64();

    let read_seconds = raw_read(log.as_ref(), head).await?;

    let started = Instant::now();
    let mut catch_ups = Vec::new();
    for handler in storefront::app::projections::handlers() {
        let consumer = Consumer::new(Arc::clone(&log), Arc::clone(&storage.tables), handler);
        catch_ups.push(tokio::spawn(async move { consumer.catch_up().await }));
    }
    for catch_up in catch_ups {
        ensure!(catch_up.await?? == head, "a live consumer reaches the head");
    }
    let live_seconds = started.elapsed().as_secs_f64();
    let live = digests(whole.as_ref()).await?;

    let models: Vec<ReadModel> =
        <storefront::startup::Application as Blueprint>::read_models(&settings, &storage);
    let rebuild =
        Rebuild::new(Arc::clone(&log), Arc::clone(&whole), models).batch_size(args.batch_size);
    let started = Instant::now();
    rebuild_starts();
    let report = rebuild.run(|_| {}).await?;
    rebuild_ends();
    let rebuild_seconds = started.elapsed().as_secs_f64();
    ensure!(report.position == head && report.refused == 0, "{report:?}");
    ensure!(
        digests(whole.as_ref()).await? == live,
        "the rebuilt read models differ from the live ones"
    );

    let rate = |seconds: f64| head as f64 / seconds;
    let (read, live_rate, rebuilt) = (
        rate(read_seconds),
        rate(live_seconds),
        rate(rebuild_seconds),
    );
    println!(
        "P8 replay_bench: {head} storefront events ({} orders per merchant) written in {write_seconds:.1} s; \
         rebuild batch {} events; rebuilt tables hash equal to the live ones\n",
        args.orders_per_merchant, args.batch_size
    );
    println!("| measure | seconds | events/s | ÷ raw read | ÷ live catch-up | ÷ goal 200,000 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, seconds, events) in [
        (
            "raw sequential read of the log (ceiling)",
            read_seconds,
            read,
        ),
        (
            "live consumers catching up from 0 (2 projections)",
            live_seconds,
            live_rate,
        ),
        ("rebuild (golmok replay)", rebuild_seconds, rebuilt),
    ] {
        println!(
            "| {name} | {seconds:.2} | {events:.0} | {:.2} | {:.2} | {:.2} |",
            events / read,
            events / live_rate,
            events / 200_000.0
        );
    }
    Ok(())
}
