//! Event tie-ins and promotions through the gateway over the real
//! creator-media service, and the event partner's role tested like
//! RELIABILITY 14: a partner token sees its tie-in and the promotions it
//! includes, and nothing else — directly, nested, through `node`, with
//! aliases and in a batch — and changes nothing.

use chrono::{Duration, Utc};
use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{Shop, open_shop, place_order, stock_product};
use crate::support::{TestApp, error_codes, spawn_app};
use crate::vouchers::{buy, programme};

const CREATE_TIE_IN: &str = "mutation($input: CreateTieInInput!) {
  createTieIn(input: $input) {
    tieIn { id name partner tags regions }
    userErrors { field code message }
  }
}";

const PUBLISH: &str = "mutation($input: PublishPromotionInput!) {
  publishPromotion(input: $input) {
    promotion { id title status restricted offer { percentOffBps amountOffWon code } tags region productIds }
    userErrors { field code message }
  }
}";

const WITHDRAW: &str = "mutation($input: WithdrawPromotionInput!) {
  withdrawPromotion(input: $input) {
    promotion { id status endedAt }
    userErrors { field code message }
  }
}";

const TIE_IN: &str = "query($id: ID!) {
  tieIn(id: $id) {
    id name partner
    promotions(first: 10) { edges { node { id title restricted status } } }
  }
}";

/// An official creates a tie-in; returns its global id.
async fn tie_in(app: &TestApp, name: &str, partner: &str, tags: &[&str]) -> String {
    let official = app.token(Role::Official, None);
    let input = json!({
        "name": name, "partner": partner, "tags": tags, "regions": ["Mapo-gu"],
        "starts": Utc::now() - Duration::days(1), "ends": Utc::now() + Duration::days(30),
    });
    let data = app
        .data(Some(&official), CREATE_TIE_IN, json!({"input": input}))
        .await;
    let payload = &data["createTieIn"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["tieIn"]["id"].as_str().unwrap().to_owned()
}

fn promotion_input(shop: &Shop, product: &str, tags: &[&str], tie_in: Option<&str>) -> Value {
    json!({
        "merchantId": shop.id, "title": "MAMA 응원 빵 세트", "productIds": [product],
        "offer": {"percentOffBps": 1500},
        "starts": Utc::now(), "ends": Utc::now() + Duration::days(7),
        "tags": tags, "categories": ["bakery"], "region": "mapo-gu", "tieInId": tie_in,
    })
}

async fn publish(app: &TestApp, token: &str, input: Value) -> Value {
    let data = app
        .data(Some(token), PUBLISH, json!({"input": input}))
        .await;
    data["publishPromotion"].clone()
}

/// Publishes; returns the promotion's global id.
async fn published(app: &TestApp, shop: &Shop, input: Value) -> String {
    let payload = publish(app, &shop.token, input).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["promotion"]["id"].as_str().unwrap().to_owned()
}

fn ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Two tie-ins (MAMA for `mama`, a festival for `busan`) and four promotions
/// of one shop: public and matching MAMA, public and not matching, restricted
/// to MAMA, restricted to the festival.
struct World {
    app: TestApp,
    shop: Shop,
    product: String,
    mama: String,
    festival: String,
    matching: String,
    unrelated: String,
    restricted: String,
    elsewhere: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let product = stock_product(&app, &shop, "응원 빵", 3_000, 10).await;
    let mama = tie_in(&app, "MAMA 2026", "mama", &["K-Pop"]).await;
    let festival = tie_in(&app, "Busan festival", "busan", &[]).await;
    let input =
        |tags: &[&str], tie_in: Option<&str>| promotion_input(&shop, &product, tags, tie_in);
    let matching = published(&app, &shop, input(&["k-pop", "bread"], None)).await;
    let unrelated = published(&app, &shop, input(&["bread"], None)).await;
    let restricted = published(&app, &shop, input(&[], Some(&mama))).await;
    let elsewhere = published(&app, &shop, input(&["k-pop"], Some(&festival))).await;
    World {
        app,
        shop,
        product,
        mama,
        festival,
        matching,
        unrelated,
        restricted,
        elsewhere,
    }
}

#[tokio::test]
async fn a_partner_sees_its_tie_in_and_the_promotions_it_includes() {
    let w = world().await;
    let partner = w.app.token_for("mama", Role::Partner, None);
    let data = w
        .app
        .data(Some(&partner), TIE_IN, json!({"id": w.mama}))
        .await;
    let tie_in = &data["tieIn"];
    assert_eq!(tie_in["name"], "MAMA 2026");
    assert_eq!(tie_in["partner"], "mama");
    assert_eq!(
        ids(&tie_in["promotions"]),
        [w.matching.clone(), w.restricted.clone()]
    );
    let tie_ins = w
        .app
        .data(
            Some(&partner),
            "{ tieIns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(ids(&tie_ins["tieIns"]), std::slice::from_ref(&w.mama));
    let read = w
        .app
        .data(
            Some(&partner),
            "query($id: ID!) { promotion(id: $id) { title restricted tieIn { name } } node(id: $id) { id } }",
            json!({"id": w.restricted}),
        )
        .await;
    assert_eq!(read["promotion"]["restricted"], true);
    assert_eq!(read["promotion"]["tieIn"]["name"], "MAMA 2026");
    assert_eq!(read["node"]["id"], w.restricted);
}

#[tokio::test]
async fn a_partner_sees_nothing_else_and_changes_nothing() {
    let w = world().await;
    let app = &w.app;
    let citizen = app.token_for("mama-fan", Role::Citizen, None);
    let order = place_order(app, &citizen, &w.shop, &[(&w.product, 1)]).await;
    let order = order["order"]["id"].as_str().unwrap().to_owned();
    let voucher = programme(app).await;
    let wallet = buy(app, &citizen, &voucher, 10_000).await;
    let creator = app.token(Role::Creator, None);
    let registered = app
        .data(
            Some(&creator),
            "mutation($input: RegisterCreatorInput!) { registerCreator(input: $input) { creator { id } userErrors { code } } }",
            json!({"input": {
                "handle": "mama.fan", "displayName": "팬", "categories": ["music"], "region": "마포구",
                "languages": ["ko"], "channels": [{"platform": "YOUTUBE", "url": "https://youtube.com/@mama.fan", "audience": 10}],
            }}),
        )
        .await;
    let creator_id = registered["registerCreator"]["creator"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let partner = app.token_for("mama", Role::Partner, None);

    // Every id-taking read, directly, through `node` and with aliases, in one batch.
    let reads = "query($festival: ID!, $elsewhere: ID!, $unrelated: ID!, $shop: ID!, $product: ID!, $order: ID!, $wallet: ID!, $creator: ID!) {
      festival: tieIn(id: $festival) { id name }
      festivalNode: node(id: $festival) { id }
      elsewhere: promotion(id: $elsewhere) { id title }
      elsewhereNode: node(id: $elsewhere) { id }
      unrelated: promotion(id: $unrelated) { id title }
      merchant(id: $shop) { id name }
      shopNode: node(id: $shop) { id }
      product(id: $product) { id name }
      order(id: $order) { id total }
      orderNode: node(id: $order) { id }
      wallet: node(id: $wallet) { id }
      creator(id: $creator) { id handle }
      creatorNode: node(id: $creator) { id }
    }";
    let variables = json!({
        "festival": w.festival, "elsewhere": w.elsewhere, "unrelated": w.unrelated,
        "shop": w.shop.id, "product": w.product, "order": order, "wallet": wallet,
        "creator": creator_id,
    });
    let data = app.data(Some(&partner), reads, variables).await;
    for (field, value) in data.as_object().unwrap() {
        assert!(value.is_null(), "{field} leaked to the partner: {value}");
    }
    // Nested: the promotions it may read do not open their merchant.
    let nested = app
        .data(
            Some(&partner),
            "query($id: ID!) { tieIn(id: $id) { promotions { edges { node { merchant { name } tieIn { id } } } } } }",
            json!({"id": w.mama}),
        )
        .await;
    for edge in nested["tieIn"]["promotions"]["edges"].as_array().unwrap() {
        assert!(edge["node"]["merchant"].is_null(), "{edge}");
    }
    // Lists answer FORBIDDEN.
    for list in [
        "{ creators { edges { node { id } } } }",
        "{ merchants { edges { node { id } } } }",
    ] {
        let (_, body) = app.graphql(Some(&partner), list, json!({})).await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{list}: {body}");
        assert!(
            body["data"].is_null()
                || body["data"]
                    .as_object()
                    .unwrap()
                    .values()
                    .all(Value::is_null),
            "{body}"
        );
    }

    // Mutations: refused, and nothing changed.
    let attempts = [
        (
            "publishPromotion",
            PUBLISH,
            json!({"input": promotion_input(&w.shop, &w.product, &["k-pop"], Some(&w.mama))}),
        ),
        (
            "withdrawPromotion",
            WITHDRAW,
            json!({"input": {"promotionId": w.matching}}),
        ),
        (
            "createTieIn",
            CREATE_TIE_IN,
            json!({"input": {"name": "x", "partner": "mama", "starts": Utc::now(), "ends": Utc::now() + Duration::days(1)}}),
        ),
    ];
    for (field, mutation, variables) in attempts {
        let data = app.data(Some(&partner), mutation, variables).await;
        assert_eq!(
            data[field]["userErrors"][0]["code"], "FORBIDDEN",
            "{field}: {data}"
        );
    }
    let data = app
        .data(Some(&partner), TIE_IN, json!({"id": w.mama}))
        .await;
    let promotions = &data["tieIn"]["promotions"]["edges"];
    assert_eq!(promotions.as_array().unwrap().len(), 2, "{data}");
    assert!(
        promotions
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["status"] == "LIVE")
    );

    // Another partner does not see MAMA; a merchant reads no tie-in.
    let busan = app.token_for("busan", Role::Partner, None);
    let data = app.data(Some(&busan), TIE_IN, json!({"id": w.mama})).await;
    assert!(data["tieIn"].is_null(), "{data}");
    let data = app
        .data(Some(&w.shop.token), TIE_IN, json!({"id": w.mama}))
        .await;
    assert!(data["tieIn"].is_null(), "{data}");
    let (_, body) = app
        .graphql(
            Some(&w.shop.token),
            "{ tieIns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
}

#[tokio::test]
async fn a_merchant_publishes_and_withdraws_with_user_errors_on_bad_input() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let product = stock_product(&app, &shop, "응원 빵", 3_000, 10).await;
    let mama = tie_in(&app, "MAMA 2026", "mama", &["k-pop"]).await;
    let good = promotion_input(&shop, &product, &["K-Pop"], None);
    let with = |change: Value| {
        let mut input = good.clone();
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        input
    };
    let cases = [
        (
            json!({"offer": {"percentOffBps": 100, "code": "MAMA"}}),
            json!(["input", "offer"]),
            "OFFER_INVALID",
        ),
        (
            json!({"offer": {}}),
            json!(["input", "offer"]),
            "OFFER_INVALID",
        ),
        (
            json!({"offer": {"amountOffWon": 0}}),
            json!(["input", "offer"]),
            "OFFER_INVALID",
        ),
        (
            json!({"offer": {"code": "mama"}}),
            json!(["input", "offer"]),
            "OFFER_INVALID",
        ),
        (
            json!({"productIds": [product, product]}),
            json!(["input", "productIds", "1"]),
            "DUPLICATE_ENTRY",
        ),
        (
            json!({"productIds": [shop.id]}),
            json!(["input", "productIds", "0"]),
            "WRONG_ID_TYPE",
        ),
        (
            json!({"tieInId": crate::journeys::global_id("TieIn", uuid::Uuid::now_v7())}),
            json!(["input", "tieInId"]),
            "TIE_IN_NOT_FOUND",
        ),
        (
            json!({"ends": Utc::now() - Duration::days(9)}),
            json!(["input", "ends"]),
            "PERIOD_INVALID",
        ),
        (
            json!({"tags": ["x", " "]}),
            json!(["input", "tags", "1"]),
            "FIELD_REQUIRED",
        ),
    ];
    for (change, field, code) in cases {
        let payload = publish(&app, &shop.token, with(change.clone())).await;
        assert_eq!(payload["promotion"], Value::Null, "{change}: {payload}");
        assert_eq!(
            payload["userErrors"][0]["field"], field,
            "{change}: {payload}"
        );
        assert_eq!(
            payload["userErrors"][0]["code"], code,
            "{change}: {payload}"
        );
    }
    let other = open_shop(&app, "남의 가게").await;
    let payload = publish(&app, &other.token, good.clone()).await;
    assert_eq!(payload["userErrors"][0]["code"], "FORBIDDEN", "{payload}");

    // One key, one promotion.
    let keyed = with(json!({"idempotencyKey": "mama-kit", "tieInId": mama}));
    let first = publish(&app, &shop.token, keyed.clone()).await;
    let again = publish(&app, &shop.token, keyed).await;
    assert_eq!(first, again);
    let promotion = &first["promotion"];
    assert_eq!(promotion["status"], "LIVE");
    assert_eq!(promotion["restricted"], true);
    assert_eq!(promotion["tags"], json!(["k-pop"]));
    assert_eq!(
        promotion["offer"],
        json!({"percentOffBps": 1500, "amountOffWon": null, "code": null})
    );
    let id = promotion["id"].as_str().unwrap().to_owned();
    let official = app.token(Role::Official, None);
    let data = app.data(Some(&official), TIE_IN, json!({"id": mama})).await;
    assert_eq!(ids(&data["tieIn"]["promotions"]), std::slice::from_ref(&id));

    let withdraw = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let data = app
                .data(
                    Some(&token),
                    WITHDRAW,
                    json!({"input": {"promotionId": id}}),
                )
                .await;
            data["withdrawPromotion"].clone()
        }
    };
    let refused = withdraw(other.token.clone()).await;
    assert_eq!(refused["userErrors"][0]["code"], "FORBIDDEN", "{refused}");
    let done = withdraw(shop.token.clone()).await;
    assert_eq!(done["promotion"]["status"], "WITHDRAWN", "{done}");
    let twice = withdraw(shop.token.clone()).await;
    assert_eq!(
        twice["userErrors"][0]["code"], "PROMOTION_NOT_LIVE",
        "{twice}"
    );
}
