//! An order placed during a live session through the gateway, over the real
//! creator-media and storefront services: the storefront follows the live
//! from creator-media's events and charges its live price while it is on air.

use std::time::{Duration, Instant};

use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{open_shop, stock_product, uuid_of};
use crate::lives::register_host;
use crate::support::{TestApp, spawn_app};

const PLACE: &str = "mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { total lines { unitPrice lineTotal product { name } }
            attribution { creatorCode creatorId creator { handle } liveId live { title } } }
    userErrors { field code }
  }
}";

async fn place(app: &TestApp, token: &str, input: Value) -> Value {
    app.data(Some(token), PLACE, json!({"input": input})).await["placeOrder"].clone()
}

/// Places `input` until the storefront has followed the live's last event
/// (refused with `waiting` until then).
async fn place_once_followed(app: &TestApp, token: &str, input: Value, waiting: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let payload = place(app, token, input.clone()).await;
        if payload["userErrors"] != json!([{"field": ["input", "liveId"], "code": waiting}]) {
            return payload;
        }
        assert!(Instant::now() < deadline, "never followed: {payload}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn live_mutation(app: &TestApp, token: &str, field: &str, input_type: &str, input: Value) {
    let query = format!(
        "mutation($input: {input_type}!) {{ {field}(input: $input) {{ liveSession {{ status }} userErrors {{ code }} }} }}"
    );
    let data = app.data(Some(token), &query, json!({"input": input})).await;
    assert_eq!(data[field]["userErrors"], json!([]), "{data}");
}

#[tokio::test]
async fn an_order_placed_during_a_live_is_charged_its_live_price_and_credited_to_its_host() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let bread = stock_product(&app, &shop, "소금빵", 4_000, 50).await;
    let cake = stock_product(&app, &shop, "카스텔라", 12_000, 10).await;
    let (host_token, host) = register_host(&app).await;
    let scheduled = app
        .data(
            Some(&shop.token),
            "mutation($input: ScheduleLiveInput!) { scheduleLive(input: $input) { liveSession { id } userErrors { code } } }",
            json!({"input": {"merchantId": shop.id, "hostCreatorId": host, "title": "소금빵 라이브",
                "startsAt": chrono::Utc::now() + chrono::Duration::hours(1),
                "products": [{"productId": bread, "livePrice": 3_000}, {"productId": cake}]}}),
        )
        .await;
    let live = scheduled["scheduleLive"]["liveSession"]["id"].clone();
    assert!(live.is_string(), "{scheduled}");
    let citizen = app.token_for("citizen-kim", Role::Citizen, None);
    let input = json!({
        "merchantId": shop.id, "payment": "CARD", "liveId": live,
        "lines": [{"productId": bread, "quantity": 2}, {"productId": cake, "quantity": 1}],
    });
    let refused = place_once_followed(&app, &citizen, input.clone(), "LIVE_NOT_FOUND").await;
    assert_eq!(
        refused["userErrors"],
        json!([{"field": ["input", "liveId"], "code": "LIVE_NOT_ON_AIR"}]),
        "scheduled, not on air: {refused}"
    );

    live_mutation(
        &app,
        &host_token,
        "startLive",
        "LiveSessionInput",
        json!({"liveId": live}),
    )
    .await;
    let placed = place_once_followed(&app, &citizen, input, "LIVE_NOT_ON_AIR").await;
    assert_eq!(placed["userErrors"], json!([]), "{placed}");
    let order = &placed["order"];
    assert_eq!(
        order["lines"],
        json!([
            {"unitPrice": 3_000, "lineTotal": 6_000, "product": {"name": "소금빵"}},
            {"unitPrice": 12_000, "lineTotal": 12_000, "product": {"name": "카스텔라"}},
        ])
    );
    assert_eq!(order["total"], 18_000);
    assert_eq!(
        order["attribution"],
        json!({"creatorCode": null, "creatorId": host, "creator": {"handle": "live.host"},
               "liveId": live, "live": {"title": "소금빵 라이브"}})
    );

    // The live's plain UUID names it too, and a creator code takes the credit.
    let by_uuid = place(
        &app,
        &citizen,
        json!({"merchantId": shop.id, "payment": "CARD", "creatorCode": "@Live.Host",
               "liveId": uuid_of(live.as_str().unwrap()).to_string(),
               "lines": [{"productId": bread, "quantity": 1}]}),
    )
    .await;
    assert_eq!(by_uuid["userErrors"], json!([]), "{by_uuid}");
    assert_eq!(by_uuid["order"]["total"], 3_000);
    assert_eq!(by_uuid["order"]["attribution"]["creatorCode"], "@Live.Host");
    let unknown = place(
        &app,
        &citizen,
        json!({"merchantId": shop.id, "payment": "CARD", "creatorCode": "nobody.here",
               "lines": [{"productId": bread, "quantity": 1}]}),
    )
    .await;
    assert_eq!(
        unknown["userErrors"],
        json!([{"field": ["input", "creatorCode"], "code": "CREATOR_CODE_UNKNOWN"}])
    );
    let not_a_live = place(
        &app,
        &citizen,
        json!({"merchantId": shop.id, "payment": "CARD", "liveId": shop.id,
               "lines": [{"productId": bread, "quantity": 1}]}),
    )
    .await;
    assert_eq!(
        not_a_live["userErrors"][0]["field"],
        json!(["input", "liveId"]),
        "{not_a_live}"
    );
}
