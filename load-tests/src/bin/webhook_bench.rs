//! Partner webhook deliveries per second to a local receiver (issue 10).
//! The creator-media service runs in this process on embedded storage in a
//! temp dir with its delivery worker; the receiver is the testkit's real
//! HTTP receiver on loopback. Each round registers `webhooks` endpoints for
//! one tie-in, appends `items` promotions to the service's log (as the
//! promotion commands write them) and times from the first append to the
//! last delivery the receiver got, every body signed and checked. The
//! baseline in the same run is the same number of signed POSTs sent
//! straight to the receiver by one reqwest client at the worker's
//! concurrency: the worker's ratio to it is what its queue (a durable row
//! per delivery and per attempt) costs. Run in release mode:
//!
//! `cargo run --release -p load-tests --bin webhook_bench`

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use chrono::Utc;
use clap::Parser;
use creator_media::config::WebhookSettings;
use creator_media::{Application, Settings};
use futures::future::join_all;
use golmok_contracts::creator_media::{OfferV1, PromotionPublishedV1, TieInCreatedV1};
use golmok_runtime::{Actor, Role, Service};
use golmok_testkit::events;
use golmok_testkit::service::{TestService, test_settings};
use golmok_testkit::webhook::Receiver;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[derive(Parser)]
#[command(about = "Partner webhook deliveries per second to a local receiver")]
struct Args {
    /// Promotions appended per round.
    #[arg(long, default_value_t = 2_000)]
    items: usize,
    /// Webhooks registered for the tie-in (comma separated, one round each).
    #[arg(long, value_delimiter = ',', default_values_t = [1, 4])]
    webhooks: Vec<usize>,
    /// Deliveries the worker attempts at a time (the `concurrency` setting).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!(
        "webhook deliveries: {} promotions per round, worker concurrency {}",
        args.items, args.concurrency
    );
    println!();
    println!("| webhooks | deliveries | worker deliveries/s | direct POSTs/s | ratio |");
    println!("|---:|---:|---:|---:|---:|");
    for &webhooks in &args.webhooks {
        let deliveries = args.items * webhooks;
        let worker = worker_round(args.items, webhooks, args.concurrency).await?;
        let direct = direct_round(deliveries, args.concurrency).await?;
        println!(
            "| {webhooks} | {deliveries} | {worker:.0} | {direct:.0} | {:.2} |",
            worker / direct
        );
    }
    Ok(())
}

fn partner() -> Actor {
    Actor {
        subject: "mama".into(),
        role: Role::Partner,
        merchant_id: None,
    }
}

fn promotion() -> PromotionPublishedV1 {
    PromotionPublishedV1 {
        promotion_id: Uuid::now_v7(),
        merchant_id: Uuid::now_v7(),
        collaboration_id: None,
        title: "응원봉 10% 할인".into(),
        products: vec![Uuid::now_v7()],
        offer: OfferV1::PercentOff { bps: 1_000 },
        starts: Utc::now(),
        ends: Utc::now() + chrono::TimeDelta::days(7),
        tags: vec!["kpop".into()],
        categories: vec!["goods".into()],
        region: "Seoul Mapo-gu".into(),
        tie_in: None,
        at: Utc::now(),
    }
}

/// Deliveries per second through the service's queue and worker.
async fn worker_round(items: usize, webhooks: usize, concurrency: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let mut settings = test_settings(dir.path(), Settings::default());
    settings.own.webhooks = WebhookSettings {
        poll_ms: 5,
        concurrency,
        ..WebhookSettings::default()
    };
    let app = TestService::<Application>::spawn(dir, settings).await;
    let storage = &app.service.hosted().storage;
    let receiver = Receiver::start(0).await;

    let tie_in = Uuid::now_v7();
    let created = TieInCreatedV1 {
        tie_in_id: tie_in,
        name: "MAMA 2026".into(),
        partner: "mama".into(),
        starts: Utc::now(),
        ends: Utc::now() + chrono::TimeDelta::days(30),
        tags: vec!["kpop".into()],
        categories: vec![],
        regions: vec![],
        at: Utc::now(),
    };
    let stream = format!("tie-in-{tie_in}");
    let data = serde_json::to_value(created)?;
    let (_, position) = events::append(
        storage.log.as_ref(),
        "creator-media",
        &stream,
        "TieInCreated",
        data,
    )
    .await;
    events::applied(storage.tables.as_ref(), "creator-media.webhooks", position).await;
    let mut secrets = Vec::new();
    for _ in 0..webhooks {
        let body = json!({"tieIn": tie_in, "url": receiver.url});
        let reply = app.client.post("/webhooks", &partner(), body).await;
        let registered = reply.expect(StatusCode::CREATED);
        secrets.push(
            registered["secret"]
                .as_str()
                .context("a secret")?
                .to_owned(),
        );
    }

    let started = Instant::now();
    for chunk in (0..items).collect::<Vec<_>>().chunks(64) {
        join_all(chunk.iter().map(|_| async {
            let promotion = promotion();
            let stream = format!("promotion-{}", promotion.promotion_id);
            let data = serde_json::to_value(promotion).expect("a promotion serializes");
            let log = storage.log.as_ref();
            events::append(log, "creator-media", &stream, "PromotionPublished", data).await
        }))
        .await;
    }
    let expected = items * webhooks;
    let deadline = Instant::now() + Duration::from_secs(600);
    while receiver.hits().len() < expected {
        ensure!(Instant::now() < deadline, "deliveries did not all arrive");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let hits = receiver.hits();
    ensure!(
        hits.len() == expected,
        "{} deliveries, {expected} expected",
        hits.len()
    );
    ensure!(
        hits.iter()
            .all(|hit| secrets.iter().any(|secret| hit.signed_with(secret))),
        "a delivery was not signed with a webhook's secret"
    );
    app.stop().await;
    Ok(f64::from(u32::try_from(expected)?) / elapsed)
}

/// Signed POSTs per second sent straight to the receiver.
async fn direct_round(posts: usize, concurrency: usize) -> anyhow::Result<f64> {
    let receiver = Receiver::start(0).await;
    let client = reqwest::Client::new();
    let body = serde_json::to_string(&json!({"promotion": promotion()}))?;
    let secret = "a-secret";
    let started = Instant::now();
    let per_task = posts.div_ceil(concurrency);
    let tasks = (0..concurrency).map(|task| {
        let (client, body, url) = (client.clone(), body.clone(), receiver.url.clone());
        async move {
            let count = per_task.min(posts.saturating_sub(task * per_task));
            for _ in 0..count {
                let timestamp = Utc::now().timestamp();
                let signature = creator_media::app::webhooks::signature(secret, timestamp, &body);
                let answer = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("golmok-webhook-id", Uuid::now_v7().to_string())
                    .header("golmok-webhook-timestamp", timestamp.to_string())
                    .header("golmok-webhook-signature", signature)
                    .body(body.clone())
                    .send()
                    .await?;
                ensure!(answer.status().is_success(), "the receiver refused");
            }
            anyhow::Ok(())
        }
    });
    for done in join_all(tasks).await {
        done?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    ensure!(receiver.hits().len() == posts, "the receiver missed POSTs");
    Ok(f64::from(u32::try_from(posts)?) / elapsed)
}
