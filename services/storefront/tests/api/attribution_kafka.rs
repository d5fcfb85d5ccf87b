//! The storefront follows creator-media's events from Kafka, as `golmok serve
//! storefront` does: a stand-in creator-media log is relayed to a topic of
//! this test's own, and an order during its live is charged the live price.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use golmok_kafka::{KafkaSettings, KafkaSource, Relay, TopicSpec, events_topic, migrate};
use golmok_kernel::{EventLog, Tables};
use golmok_testkit::{Kafka, events};
use reqwest::StatusCode;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::helpers::{citizen, retailer, spawn_app};

#[tokio::test]
async fn over_kafka_an_order_during_a_live_is_charged_its_live_price() {
    let broker = tokio::task::spawn_blocking(Kafka::shared)
        .await
        .expect("the shared broker");
    let unique = Uuid::now_v7().simple().to_string();
    let kafka = KafkaSettings::new(broker.bootstrap_servers());
    let producer = format!("creator-media-attribution-{unique}");
    migrate(&kafka, &[TopicSpec::events(&producer, 3, None)])
        .await
        .expect("the topic");

    let app = spawn_app().await;
    let store = app.stand_in_store("creator-media");
    let log: Arc<dyn EventLog> = store.clone();
    let tables: Arc<dyn Tables> = store;
    let shutdown = CancellationToken::new();
    let _relay = Relay::new(&kafka, &producer, Arc::clone(&log), tables)
        .expect("a relay")
        .spawn(shutdown.child_token())
        .await
        .expect("the relay starts");
    let mut group = kafka.clone();
    group.properties.insert(
        "group.id".into(),
        format!("storefront-attribution-{unique}"),
    );
    let source = KafkaSource::new(&group, &[events_topic(&producer)]).expect("a source");
    app.follow("creator-media", source).await;

    let merchant = app.merchant(retailer()).await;
    let product = app.product(merchant, 5_000, 10).await;
    let (live, host) = (Uuid::now_v7(), Uuid::now_v7());
    let stream = format!("live-{live}");
    let scheduled = json!({
        "liveId": live, "merchantId": merchant, "hostCreatorId": host, "title": "라이브",
        "startsAt": Utc::now(), "products": [{"productId": product, "livePrice": 4_000}],
        "at": Utc::now(),
    });
    let started = json!({"liveId": live, "at": Utc::now()});
    events::append(
        log.as_ref(),
        "creator-media",
        &stream,
        "LiveScheduled",
        scheduled,
    )
    .await;
    events::append(
        log.as_ref(),
        "creator-media",
        &stream,
        "LiveStarted",
        started,
    )
    .await;

    let body = json!({
        "lines": [{"productId": product, "quantity": 2}], "payment": "CARD", "liveId": live,
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let placed = loop {
        let reply = app
            .post(
                &format!("/merchants/{merchant}/orders"),
                &citizen("kim"),
                body.clone(),
            )
            .await;
        if reply.status == StatusCode::CREATED {
            break reply.body;
        }
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert!(Instant::now() < deadline, "never followed: {}", reply.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(placed["lines"][0]["unitPrice"], 4_000);
    assert_eq!(placed["total"], 8_000);
    assert_eq!(
        placed["attribution"],
        json!({"creatorId": host, "liveId": live})
    );
    shutdown.cancel();
    app.stop().await;
}
