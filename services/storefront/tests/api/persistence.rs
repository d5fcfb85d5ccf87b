use std::sync::Arc;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{Consumer, EventLog, ScanOrder, Tables};
use reqwest::StatusCode;
use serde_json::{Value, json};
use storefront::app::projections::{handlers, tables::ALL_TABLES};
use storefront::startup::STORE_FILE;

use crate::helpers::*;

/// Some activity of every kind; returns the paths whose answers must survive.
async fn activity(app: &TestApp) -> Vec<(String, Option<golmok_runtime::Actor>)> {
    let a = app
        .merchant(registration(
            "MANUFACTURER",
            "1950-01-01",
            "을지로",
            "print",
        ))
        .await;
    let b = app.merchant(retailer()).await;
    app.post(
        &format!("/merchants/{a}/heritage"),
        &merchant_actor(a),
        json!({"badge": "CENTURY_STORE"}),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/merchants/{a}/heritage/approval"),
        &official(),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/merchants/{b}/diagnoses"),
        &expert(),
        json!({"marketability": 80, "onlineCapability": 20}),
    )
    .await
    .expect(StatusCode::OK);
    let p = app.product(a, 2_000, 9).await;
    let q = app.product(a, 7_000, 1).await;
    let placed = app
        .post(&format!("/merchants/{a}/orders"), &citizen("kim"), json!({"lines": [{"productId": p, "quantity": 4}, {"productId": q, "quantity": 1}], "payment": "VOUCHER"}))
        .await;
    let order = id_of(placed.expect(StatusCode::CREATED));
    let second = app
        .post(
            &format!("/merchants/{a}/orders"),
            &citizen("lee"),
            json!({"lines": [{"productId": p, "quantity": 1}], "payment": "CARD"}),
        )
        .await;
    let second = id_of(second.expect(StatusCode::CREATED));
    app.post(
        &format!("/merchants/{a}/orders/{second}/cancellation"),
        &citizen("lee"),
        json!({"reason": "변심"}),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/merchants/{b}/suspension"),
        &official(),
        json!({"reason": "조사"}),
    )
    .await
    .expect(StatusCode::OK);
    vec![
        (format!("/merchants/{a}"), None),
        (format!("/merchants/{b}"), None),
        ("/merchants?includeSuspended=true".into(), Some(official())),
        ("/merchants?heritage=CENTURY_STORE".into(), None),
        (format!("/merchants/{a}/products"), Some(merchant_actor(a))),
        (format!("/products/{p}"), None),
        (format!("/products/{q}"), None),
        (format!("/orders/{order}"), Some(operator())),
        (format!("/merchants/{a}/orders"), Some(merchant_actor(a))),
        ("/buyers/kim/orders".into(), Some(operator())),
        ("/buyers/lee/orders".into(), Some(operator())),
    ]
}

async fn answers(app: &TestApp, paths: &[(String, Option<golmok_runtime::Actor>)]) -> Vec<Value> {
    let mut bodies = Vec::new();
    for (path, actor) in paths {
        let reply = app.get(path, actor.as_ref()).await;
        bodies.push(reply.expect(StatusCode::OK).clone());
    }
    bodies
}

#[tokio::test]
async fn data_survives_rebuilding_the_application_on_the_same_directory() {
    let app = spawn_app().await;
    let paths = activity(&app).await;
    let before = answers(&app, &paths).await;
    let app = app.restart().await;
    assert_eq!(answers(&app, &paths).await, before);
    // The rebuilt service keeps deciding from the same history: 4 + 1 units of
    // the first product are gone or reserved, so 5 of 9 remain.
    let product = &before[5];
    let merchant = product["merchantId"].as_str().unwrap();
    let id = product["id"].as_str().unwrap();
    app.post(
        &format!("/merchants/{merchant}/orders"),
        &citizen("kim"),
        json!({"lines": [{"productId": id, "quantity": 6}], "payment": "CARD"}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "INSUFFICIENT_STOCK",
        Some("lines.0.quantity"),
    );
    app.post(
        &format!("/merchants/{merchant}/orders"),
        &citizen("kim"),
        json!({"lines": [{"productId": id, "quantity": 5}], "payment": "CARD"}),
    )
    .await
    .expect(StatusCode::CREATED);
}

/// Every read-model row of `tables` in the partitions the activity touched.
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
            for row in page.rows {
                all.push((
                    table.to_owned(),
                    partition.clone(),
                    row.clustering,
                    row.value,
                ));
            }
        }
    }
    all
}

#[tokio::test]
async fn projections_rebuilt_from_the_log_equal_the_live_ones() {
    let app = spawn_app().await;
    let paths = activity(&app).await;
    let bodies = answers(&app, &paths).await;
    let dir = app.stop().await;

    // Every partition key the activity produced.
    let mut partitions = vec![
        "all".to_owned(),
        "CENTURY_STORE".to_owned(),
        "kim".into(),
        "lee".into(),
    ];
    let mut collect = |view: &Value| {
        for key in ["id", "merchantId", "district", "category"] {
            if let Some(text) = view[key].as_str() {
                partitions.push(text.to_owned());
            }
        }
    };
    for body in &bodies {
        match body["items"].as_array() {
            Some(items) => items.iter().for_each(&mut collect),
            None => collect(body),
        }
    }
    partitions.sort();
    partitions.dedup();

    let live = EmbeddedStore::open(&dir.path().join(STORE_FILE)).unwrap();
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = EmbeddedStore::open(&fresh_dir.path().join("replay.redb")).unwrap();
    for handler in handlers() {
        let log: Arc<dyn EventLog> = live.clone();
        let consumer = Consumer::new(log, fresh.clone(), handler);
        assert_eq!(consumer.catch_up().await.unwrap(), *live.head().borrow());
    }
    let live_rows = rows(live.as_ref(), &partitions).await;
    assert!(live_rows.len() > 20, "the activity filled the read models");
    assert_eq!(rows(fresh.as_ref(), &partitions).await, live_rows);
}
