//! Orders with a creator's code or placed during a live session: the
//! storefront follows creator-media's creators and lives, whose events are
//! appended to a log in their published wire format
//! (schemas/events/creator-media/).

use std::sync::Arc;

use chrono::Utc;
use golmok_kernel::EventLog;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use golmok_testkit::events;

use crate::helpers::{Reply, TestApp, citizen, id_of, retailer, spawn_app};

/// Appends a creator-media event and waits until the storefront followed it.
async fn publish(app: &TestApp, log: &Arc<dyn EventLog>, stream: &str, name: &str, data: Value) {
    let (_, position) = events::append(log.as_ref(), "creator-media", stream, name, data).await;
    events::applied(app.tables().as_ref(), "storefront.creator-media", position).await;
}

async fn creator(app: &TestApp, log: &Arc<dyn EventLog>, handle: &str) -> Uuid {
    let id = Uuid::now_v7();
    let data = json!({
        "creatorId": id, "handle": handle, "displayName": "민지", "channels": [],
        "categories": ["food"], "region": "seoul-jung", "languages": ["ko"], "at": Utc::now(),
    });
    publish(
        app,
        log,
        &format!("creator-{id}"),
        "CreatorRegistered",
        data,
    )
    .await;
    id
}

/// A live of `merchant` hosted by `host`, tagging `product` at `live_price`.
async fn live(
    app: &TestApp,
    log: &Arc<dyn EventLog>,
    merchant: Uuid,
    host: Uuid,
    product: Uuid,
    live_price: i64,
) -> Uuid {
    let id = Uuid::now_v7();
    let data = json!({
        "liveId": id, "merchantId": merchant, "hostCreatorId": host, "title": "막걸리 라이브",
        "startsAt": Utc::now(), "products": [{"productId": product, "livePrice": live_price}],
        "at": Utc::now(),
    });
    publish(app, log, &format!("live-{id}"), "LiveScheduled", data).await;
    id
}

async fn moment(app: &TestApp, log: &Arc<dyn EventLog>, live: Uuid, name: &str) {
    let data = json!({"liveId": live, "at": Utc::now()});
    publish(app, log, &format!("live-{live}"), name, data).await;
}

fn orders(merchant: Uuid) -> String {
    format!("/merchants/{merchant}/orders")
}

async fn order(app: &TestApp, merchant: Uuid, body: Value, key: Option<&str>) -> Reply {
    app.call(
        Method::POST,
        &orders(merchant),
        Some(&citizen("kim")),
        key,
        Some(body),
    )
    .await
}

/// Places `body` as citizen kim; it must be accepted.
async fn placed(app: &TestApp, merchant: Uuid, body: Value) -> Value {
    let reply = order(app, merchant, body, None).await;
    reply.expect(StatusCode::CREATED).clone()
}

/// A merchant with two products: #0 at 5,000 won, #1 at 12,000 won.
async fn shop(app: &TestApp) -> (Uuid, [Uuid; 2]) {
    let merchant = app.merchant(retailer()).await;
    let a = app.product(merchant, 5_000, 10).await;
    let b = app.product(merchant, 12_000, 10).await;
    (merchant, [a, b])
}

async fn available(app: &TestApp, product: Uuid) -> i64 {
    let reply = app.get(&format!("/products/{product}"), None).await;
    reply.expect(StatusCode::OK)["available"]
        .as_i64()
        .expect("available units")
}

#[tokio::test]
async fn a_creator_code_credits_its_creator_whatever_its_case() {
    let app = spawn_app().await;
    let log = app.creator_media_log().await;
    let (merchant, [product, _]) = shop(&app).await;
    let minji = creator(&app, &log, "minji.eats").await;
    let body = json!({
        "lines": [{"productId": product, "quantity": 2}], "payment": "CARD",
        "creatorCode": "@Minji.Eats",
    });
    let placed = placed(&app, merchant, body).await;
    assert_eq!(
        placed["attribution"],
        json!({"creatorId": minji, "creatorCode": "@Minji.Eats"})
    );
    assert_eq!(
        placed["lines"][0]["unitPrice"], 5_000,
        "no live: usual price"
    );
    let read = app
        .get(
            &format!("/orders/{}", id_of(&placed)),
            Some(&citizen("kim")),
        )
        .await;
    assert_eq!(read.expect(StatusCode::OK), &placed);

    let plain = order(
        &app,
        merchant,
        json!({"lines": [{"productId": product, "quantity": 1}], "payment": "CARD"}),
        None,
    )
    .await;
    assert!(
        plain
            .expect(StatusCode::CREATED)
            .get("attribution")
            .is_none(),
        "an order without a code or a live has no attribution"
    );
}

#[tokio::test]
async fn an_unknown_code_is_refused_and_reserves_nothing() {
    let app = spawn_app().await;
    let log = app.creator_media_log().await;
    let (merchant, [product, _]) = shop(&app).await;
    creator(&app, &log, "minji.eats").await;
    let line = json!([{"productId": product, "quantity": 1}]);
    placed(
        &app,
        merchant,
        json!({"lines": line, "payment": "CARD", "creatorCode": "minji.eats"}),
    )
    .await;
    let before = available(&app, product).await;
    for unknown in ["nobody.here", "", "minji..eats", &"m".repeat(5_000)] {
        order(
            &app,
            merchant,
            json!({"lines": line, "payment": "CARD", "creatorCode": unknown}),
            None,
        )
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "CREATOR_CODE_UNKNOWN",
            Some("creatorCode"),
        );
    }
    assert_eq!(available(&app, product).await, before);
}

#[tokio::test]
async fn during_a_live_its_tagged_products_are_charged_the_live_price_and_the_voucher_asked_for_it()
{
    let app = spawn_app().await;
    let log = app.creator_media_log().await;
    let (merchant, [tagged, untagged]) = shop(&app).await;
    let host = creator(&app, &log, "host.live").await;
    let live = live(&app, &log, merchant, host, tagged, 3_000).await;
    let body = json!({
        "lines": [
            {"productId": tagged, "quantity": 2},
            {"productId": untagged, "quantity": 1},
        ],
        "payment": "VOUCHER",
        "liveId": live,
    });
    order(&app, merchant, body.clone(), None).await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "LIVE_NOT_ON_AIR",
        Some("liveId"),
    );
    assert_eq!(
        available(&app, tagged).await,
        10,
        "a refused order reserves nothing"
    );
    moment(&app, &log, live, "LiveStarted").await;
    let placed = placed(&app, merchant, body.clone()).await;
    let prices: Vec<&Value> = placed["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| &line["unitPrice"])
        .collect();
    assert_eq!(prices, [&json!(3_000), &json!(12_000)]);
    assert_eq!(placed["total"], 2 * 3_000 + 12_000);
    assert_eq!(
        placed["attribution"],
        json!({"creatorId": host, "liveId": live}),
        "credited to the live's host"
    );

    let pay = format!(
        "/merchants/{merchant}/orders/{}/voucher-payment",
        id_of(&placed)
    );
    app.post(
        &pay,
        &citizen("kim"),
        json!({"programmeId": Uuid::now_v7()}),
    )
    .await
    .expect(StatusCode::ACCEPTED);
    let events = app
        .event_log()
        .read_stream(&format!("shop-{merchant}"), 0, 1_000)
        .await
        .unwrap();
    let requested = events
        .iter()
        .find(|e| e.envelope.event_type == "kr.golmok.storefront.VoucherPaymentRequested.v1")
        .expect("the voucher payment was requested");
    assert_eq!(requested.envelope.data["amount"], 2 * 3_000 + 12_000);
}

#[tokio::test]
async fn once_the_live_ended_its_id_is_refused_but_a_replay_answers_the_first_order() {
    let app = spawn_app().await;
    let log = app.creator_media_log().await;
    let (merchant, [tagged, _]) = shop(&app).await;
    let host = creator(&app, &log, "host.live").await;
    let live = live(&app, &log, merchant, host, tagged, 3_000).await;
    moment(&app, &log, live, "LiveStarted").await;
    let body = json!({
        "lines": [{"productId": tagged, "quantity": 1}], "payment": "CARD", "liveId": live,
    });
    let first = order(&app, merchant, body.clone(), Some("live-order-1")).await;
    let first = first.expect(StatusCode::CREATED).clone();
    assert_eq!(first["total"], 3_000);

    moment(&app, &log, live, "LiveEnded").await;
    let before = available(&app, tagged).await;
    order(&app, merchant, body.clone(), None).await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "LIVE_NOT_ON_AIR",
        Some("liveId"),
    );
    let after = available(&app, tagged).await;
    let replay = order(&app, merchant, body, Some("live-order-1")).await;
    assert_eq!(replay.expect(StatusCode::CREATED), &first);
    assert_eq!(after, before, "the refused order reserved nothing");
    assert_eq!(
        available(&app, tagged).await,
        after,
        "the replay placed nothing"
    );
}

#[tokio::test]
async fn a_live_of_another_merchant_or_an_unknown_one_is_not_found() {
    let app = spawn_app().await;
    let log = app.creator_media_log().await;
    let (merchant, [product, _]) = shop(&app).await;
    let (other, [theirs, _]) = shop(&app).await;
    let host = creator(&app, &log, "host.live").await;
    let live = live(&app, &log, other, host, theirs, 1_000).await;
    moment(&app, &log, live, "LiveStarted").await;
    placed(
        &app,
        other,
        json!({"lines": [{"productId": theirs, "quantity": 1}], "payment": "CARD", "liveId": live}),
    )
    .await;
    for live in [live, Uuid::now_v7()] {
        order(
            &app,
            merchant,
            json!({"lines": [{"productId": product, "quantity": 1}], "payment": "CARD", "liveId": live}),
            None,
        )
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "LIVE_NOT_FOUND",
            Some("liveId"),
        );
    }
}
