//! RELIABILITY 6: the read models (ledger, lists, reports, directory, fraud
//! memory) rebuilt from the logs equal the live ones, row for row.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use golmok_embedded::EmbeddedStore;
use golmok_kernel::{CommandHandler, Consumer, EventLog, ScanOrder, Tables};
use reqwest::StatusCode;
use serde_json::json;
use voucher::app::projections::tables::{ALL, ALL_TABLES, LEDGER_ACCOUNTS, pair};
use voucher::app::projections::{DirectoryProjection, handlers};
use voucher::domain::seoul_date;
use voucher::startup::STORE_FILE;

use crate::helpers::*;

async fn rows(
    tables: &dyn Tables,
    partitions: &[String],
) -> Vec<(String, String, String, Vec<u8>)> {
    let mut all = Vec::new();
    for table in ALL_TABLES {
        for partition in partitions {
            let page = tables
                .scan(table, partition, None, ScanOrder::Ascending, 10_000)
                .await
                .unwrap();
            assert!(page.next.is_none());
            all.extend(
                page.rows
                    .into_iter()
                    .map(|r| (table.to_owned(), partition.clone(), r.clustering, r.value)),
            );
        }
    }
    all
}

#[tokio::test]
async fn read_models_rebuilt_from_the_logs_equal_the_live_ones() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let mut wallets = Vec::new();
    for n in 0..5 {
        let who = citizen(&format!("citizen-{n}"));
        let wallet = app.buy(programme, &who, 50_000).await;
        app.redeem("payments", wallet, &who, merchant, 10_000)
            .await
            .expect(StatusCode::CREATED);
        wallets.push((who, wallet));
    }
    let (kim, wallet) = &wallets[0];
    let held = app.redeem("holds", *wallet, kim, merchant, 3_000).await;
    let hold = held.expect(StatusCode::CREATED)["redemption"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/wallets/{wallet}/redemptions/{hold}/void"),
        kim,
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    app.app
        .voucher()
        .settle(
            programme,
            seoul_date(Utc::now()),
            Utc::now() + TimeDelta::days(1),
        )
        .await
        .unwrap();
    app.until(&format!("/programmes/{programme}/cases"), |r| {
        r.body["items"].as_array().is_some_and(|i| !i.is_empty())
    })
    .await;
    let accounts = app
        .get(
            &format!("/programmes/{programme}/ledger/accounts"),
            &official(),
        )
        .await;
    let codes: Vec<String> = accounts
        .expect(StatusCode::OK)
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap().to_owned())
        .collect();
    let dir = app.halt().await;

    let mut partitions = vec![
        ALL.to_owned(),
        programme.to_string(),
        merchant.to_string(),
        pair(&programme, &merchant),
    ];
    partitions.extend(codes.iter().map(|code| format!("{programme}/{code}")));
    partitions.extend(wallets.iter().map(|(_, w)| w.to_string()));
    let live = EmbeddedStore::open(&dir.path().join("voucher").join(STORE_FILE)).unwrap();
    let storefront = EmbeddedStore::open(
        &dir.path()
            .join("storefront")
            .join(storefront::startup::STORE_FILE),
    )
    .unwrap();
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = EmbeddedStore::open(&fresh_dir.path().join("replay.redb")).unwrap();
    let log: Arc<dyn EventLog> = live.clone();
    let cases = Arc::new(CommandHandler::new(Arc::clone(&log)));
    for handler in handlers(cases, voucher::Settings::default().fraud.policy()) {
        let consumer = Consumer::new(Arc::clone(&log), fresh.clone(), handler);
        assert_eq!(consumer.catch_up().await.unwrap(), *live.head().borrow());
    }
    Consumer::new(
        storefront.clone(),
        fresh.clone(),
        Arc::new(DirectoryProjection),
    )
    .catch_up()
    .await
    .unwrap();
    let live_rows = rows(live.as_ref(), &partitions).await;
    assert!(
        live_rows.iter().any(|r| r.0 == LEDGER_ACCOUNTS),
        "the ledger was filled"
    );
    assert!(live_rows.len() > 40, "{} rows", live_rows.len());
    assert_eq!(rows(fresh.as_ref(), &partitions).await, live_rows);
}
