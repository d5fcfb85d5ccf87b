//! Live sessions through the gateway over the real creator-media and
//! storefront services: a merchant schedules a live of its products with a
//! live-only price and a host creator, who runs it.

use chrono::{Duration, Utc};
use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{open_shop, stock_product};
use crate::support::{TestApp, spawn_app};

const LIVE_FIELDS: &str = "liveSession { id title status host { handle } merchant { name }
  products { product { name price } livePrice } pinnedProduct { name } startedAt endedAt }
  userErrors { field code }";

async fn mutate(app: &TestApp, token: &str, field: &str, input: Value) -> Value {
    let name = field[..1].to_uppercase() + &field[1..];
    let input_type = match field {
        "startLive" | "endLive" | "cancelLive" => "LiveSessionInput".to_owned(),
        _ => format!("{name}Input"),
    };
    let query =
        format!("mutation($input: {input_type}!) {{ {field}(input: $input) {{ {LIVE_FIELDS} }} }}");
    let data = app.data(Some(token), &query, json!({"input": input})).await;
    data[field].clone()
}

/// The creator `live.host` registers itself; answers its token and global id.
pub(crate) async fn register_host(app: &TestApp) -> (String, String) {
    let host_token = app.token_for("creator-host", Role::Creator, None);
    let data = app
        .data(
            Some(&host_token),
            "mutation($input: RegisterCreatorInput!) { registerCreator(input: $input) { creator { id } userErrors { code } } }",
            json!({"input": {"handle": "live.host", "displayName": "라이브 호스트",
                "channels": [{"platform": "YOUTUBE", "url": "https://youtube.com/@live.host", "audience": 50_000}],
                "categories": ["bakery"], "region": "망원동", "languages": ["ko"]}}),
        )
        .await;
    let host = data["registerCreator"]["creator"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (host_token, host)
}

#[tokio::test]
async fn a_merchant_schedules_a_live_its_host_creator_runs_it() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let bread = stock_product(&app, &shop, "소금빵", 4_000, 50).await;
    let cake = stock_product(&app, &shop, "카스텔라", 12_000, 10).await;
    let (host_token, host) = register_host(&app).await;

    let starts_at = Utc::now() + Duration::hours(3);
    let scheduled = mutate(
        &app,
        &shop.token,
        "scheduleLive",
        json!({"merchantId": shop.id, "hostCreatorId": host, "title": "소금빵 라이브", "startsAt": starts_at,
               "products": [{"productId": bread, "livePrice": 3_000}, {"productId": cake}]}),
    )
    .await;
    assert_eq!(scheduled["userErrors"], json!([]), "{scheduled}");
    let live = &scheduled["liveSession"];
    assert_eq!(live["status"], "SCHEDULED");
    assert_eq!(live["host"], json!({"handle": "live.host"}));
    assert_eq!(live["merchant"], json!({"name": "망원 빵집"}));
    assert_eq!(
        live["products"],
        json!([
            {"product": {"name": "소금빵", "price": 4_000}, "livePrice": 3_000},
            {"product": {"name": "카스텔라", "price": 12_000}, "livePrice": null},
        ])
    );
    let id = live["id"].clone();

    let started = mutate(&app, &host_token, "startLive", json!({"liveId": id})).await;
    assert_eq!(started["liveSession"]["status"], "LIVE", "{started}");
    let pinned = mutate(
        &app,
        &host_token,
        "pinLiveProduct",
        json!({"liveId": id, "productId": bread}),
    )
    .await;
    assert_eq!(
        pinned["liveSession"]["pinnedProduct"],
        json!({"name": "소금빵"})
    );
    // A product of the merchant that is not tagged in the live.
    let other = stock_product(&app, &shop, "바게트", 5_000, 5).await;
    let refused = mutate(
        &app,
        &host_token,
        "pinLiveProduct",
        json!({"liveId": id, "productId": other}),
    )
    .await;
    assert_eq!(
        refused["userErrors"],
        json!([{"field": ["input", "productId"], "code": "PRODUCT_NOT_TAGGED"}])
    );
    // Someone else's creator token may not run it.
    let stranger = app.token_for("creator-stranger", Role::Creator, None);
    let refused = mutate(&app, &stranger, "endLive", json!({"liveId": id})).await;
    assert_eq!(refused["userErrors"][0]["code"], "FORBIDDEN", "{refused}");

    let ended = mutate(&app, &host_token, "endLive", json!({"liveId": id})).await;
    assert_eq!(ended["liveSession"]["status"], "ENDED");
    assert_eq!(ended["liveSession"]["pinnedProduct"], Value::Null);

    // Anyone reads it, by id and in the merchant's list; it is a node.
    let citizen = app.token(Role::Citizen, None);
    let read = app
        .data(
            Some(&citizen),
            "query($id: ID!, $m: ID!) {
               liveSession(id: $id) { status title }
               liveSessions(merchantId: $m, first: 5) { nodes { id status } }
               node(id: $id) { ... on LiveSession { title } }
             }",
            json!({"id": id, "m": shop.id}),
        )
        .await;
    assert_eq!(
        read["liveSession"],
        json!({"status": "ENDED", "title": "소금빵 라이브"})
    );
    assert_eq!(
        read["liveSessions"]["nodes"],
        json!([{"id": id, "status": "ENDED"}])
    );
    assert_eq!(read["node"], json!({"title": "소금빵 라이브"}));
}

#[tokio::test]
async fn only_the_merchant_schedules_its_lives_and_bad_input_names_the_field() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let bread = stock_product(&app, &shop, "소금빵", 4_000, 50).await;
    let input = |price: i64| {
        json!({"merchantId": shop.id, "title": "라이브", "startsAt": Utc::now() + Duration::hours(1),
               "products": [{"productId": bread, "livePrice": price}]})
    };
    let other = open_shop(&app, "옆집").await;
    let refused = mutate(&app, &other.token, "scheduleLive", input(3_000)).await;
    assert_eq!(refused["userErrors"][0]["code"], "FORBIDDEN", "{refused}");
    let refused = mutate(&app, &shop.token, "scheduleLive", input(0)).await;
    assert_eq!(
        refused["userErrors"],
        json!([{"field": ["input", "products"], "code": "LIVE_PRICE_INVALID"}])
    );
    let listed = app
        .data(
            Some(&shop.token),
            "query($m: ID!) { liveSessions(merchantId: $m) { nodes { id } } }",
            json!({"m": shop.id}),
        )
        .await;
    assert_eq!(
        listed["liveSessions"]["nodes"],
        json!([]),
        "refusals leave nothing"
    );
}
