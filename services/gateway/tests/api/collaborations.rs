//! Collaborations and delegated selling through the gateway over the real
//! storefront and creator-media services, like a partner app: the merchant
//! invites a creator to sell for it, the creator changes the merchant's
//! listings within its scopes and floor (the gateway enforces them), the
//! merchant reads every action in the audit trail and ends it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use chrono::{Duration, Utc};
use golmok_runtime::{Actor, Role};
use serde_json::{Value, json};

use crate::journeys::{Shop, add_product, open_shop, stock_product};
use crate::support::{TestApp, error_codes, spawn_app, spawn_app_wrapping};

const REGISTER: &str = "mutation($input: RegisterCreatorInput!) {
  registerCreator(input: $input) { creator { id } userErrors { code } }
}";

const INVITE: &str = "mutation($input: CollaborationInput!) {
  inviteCreator(input: $input) {
    collaboration { id status proposedBy mode delegation { scopes priceFloor revenueShareBps } creator { handle } merchant { name } }
    userErrors { field code message }
  }
}";

const ACCEPT: &str = "mutation($id: ID!) {
  acceptCollaboration(input: {collaborationId: $id}) { collaboration { status } userErrors { code } }
}";

const END: &str = "mutation($id: ID!) {
  endCollaboration(input: {collaborationId: $id}) { collaboration { status } userErrors { code } }
}";

const CHANGE_PRICE: &str = "mutation($p: ID!, $price: Won!) {
  changeProductPrice(input: {productId: $p, price: $price}) { product { price } userErrors { field code } }
}";

const ADJUST_STOCK: &str = "mutation($p: ID!) {
  adjustProductStock(input: {productId: $p, delta: 5, reason: \"restock\"}) { product { stock } userErrors { code } }
}";

const UPDATE: &str = "mutation($p: ID!) {
  updateProduct(input: {productId: $p, name: \"신메뉴 (크리에이터 편집)\"}) { product { name published } userErrors { code } }
}";

const TRAIL: &str = "query($id: ID!) {
  collaboration(id: $id) {
    status
    auditTrail(first: 10) { edges { node { id action productId price summary actor outcome errorCode } } }
  }
}";

const PRODUCT: &str = "query($p: ID!) { product(id: $p) { name price stock } }";

pub(crate) async fn creator(app: &TestApp, token: &str, handle: &str) -> String {
    let input = json!({
        "handle": handle, "displayName": "골목 크리에이터",
        "channels": [{"platform": "YOUTUBE", "url": format!("https://youtube.com/@{handle}"), "audience": 50_000}],
        "categories": ["food"], "region": "마포구", "languages": ["ko"],
    });
    let data = app
        .data(Some(token), REGISTER, json!({"input": input}))
        .await;
    let payload = &data["registerCreator"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["creator"]["id"].as_str().unwrap().to_owned()
}

fn invitation(shop: &Shop, creator: &str) -> Value {
    json!({
        "merchantId": shop.id,
        "creatorId": creator,
        "commissionBps": 1000,
        "starts": Utc::now() - Duration::hours(1),
        "ends": Utc::now() + Duration::days(30),
        "mode": "DELEGATED_SELLING",
        "scopes": ["EDIT_LISTINGS", "CHANGE_PRICES"],
        "priceFloor": 5000,
        "revenueShareBps": 2000,
        "idempotencyKey": "invite-kim",
    })
}

/// The merchant invites on `terms`, the creator (`token`) accepts; returns
/// the collaboration's global id.
pub(crate) async fn delegate(app: &TestApp, shop: &Shop, token: &str, terms: Value) -> String {
    let invited = app
        .data(Some(&shop.token), INVITE, json!({"input": terms}))
        .await;
    let id = invited["inviteCreator"]["collaboration"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{invited}"))
        .to_owned();
    let accepted = app.data(Some(token), ACCEPT, json!({"id": id})).await;
    assert_eq!(accepted["acceptCollaboration"]["userErrors"], json!([]));
    id
}

async fn product(app: &TestApp, shop: &Shop, id: &str) -> Value {
    app.data(Some(&shop.token), PRODUCT, json!({"p": id})).await["product"].clone()
}

fn codes(payload: &Value) -> Vec<&str> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_creator_sells_for_a_merchant_within_its_delegation_and_the_merchant_reads_the_trail() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 베이커리").await;
    let bread = stock_product(&app, &shop, "소금빵", 5_500, 10).await;
    let draft = add_product(&app, &shop, "신메뉴", 7_000, 3).await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let kim_id = creator(&app, &kim, "alley.cook").await;

    // Before any delegation, the creator is refused as before.
    let early = app
        .data(Some(&kim), CHANGE_PRICE, json!({"p": bread, "price": 6000}))
        .await;
    assert_eq!(codes(&early["changeProductPrice"]), ["FORBIDDEN"]);

    let invited = app
        .data(
            Some(&shop.token),
            INVITE,
            json!({"input": invitation(&shop, &kim_id)}),
        )
        .await;
    let invited = &invited["inviteCreator"];
    assert_eq!(invited["userErrors"], json!([]), "{invited}");
    let collaboration = &invited["collaboration"];
    assert_eq!(collaboration["status"], "PROPOSED");
    assert_eq!(collaboration["mode"], "DELEGATED_SELLING");
    assert_eq!(collaboration["creator"]["handle"], "alley.cook");
    assert_eq!(collaboration["merchant"]["name"], "망원 베이커리");
    assert_eq!(
        collaboration["delegation"],
        json!({"scopes": ["EDIT_LISTINGS", "CHANGE_PRICES"], "priceFloor": 5000, "revenueShareBps": 2000})
    );
    let id = collaboration["id"].as_str().unwrap().to_owned();
    // Refusals point at their inputs; a creator does not invite.
    let mut bad = invitation(&shop, &kim_id);
    bad["priceFloor"] = json!(-1);
    bad["idempotencyKey"] = json!("invite-bad");
    let refused = app
        .data(Some(&shop.token), INVITE, json!({"input": bad}))
        .await;
    assert_eq!(
        refused["inviteCreator"]["userErrors"][0]["field"],
        json!(["input", "priceFloor"])
    );
    assert_eq!(codes(&refused["inviteCreator"]), ["PRICE_FLOOR_INVALID"]);
    let by_creator = app
        .data(
            Some(&kim),
            INVITE,
            json!({"input": invitation(&shop, &kim_id)}),
        )
        .await;
    assert_eq!(codes(&by_creator["inviteCreator"]), ["FORBIDDEN"]);
    // The merchant cannot accept its own invitation; the creator does.
    let own = app.data(Some(&shop.token), ACCEPT, json!({"id": id})).await;
    assert_eq!(codes(&own["acceptCollaboration"]), ["NOT_THE_COUNTERPARTY"]);
    let accepted = app.data(Some(&kim), ACCEPT, json!({"id": id})).await;
    assert_eq!(
        accepted["acceptCollaboration"],
        json!({"collaboration": {"status": "ACTIVE"}, "userErrors": []})
    );
    // A node; each party lists it, no one else reads it.
    let listed = "query($id: ID!) {
      node(id: $id) { ... on Collaboration { status } }
      collaborations(first: 5) { edges { node { id } } }
    }";
    for token in [&kim, &shop.token] {
        let data = app.data(Some(token), listed, json!({"id": id})).await;
        assert_eq!(data["node"]["status"], "ACTIVE", "{data}");
        assert_eq!(data["collaborations"]["edges"][0]["node"]["id"], json!(id));
    }
    let stranger = app.token_for("creator-lee", Role::Creator, None);
    let data = app.data(Some(&stranger), listed, json!({"id": id})).await;
    assert_eq!(data["node"], Value::Null, "another's reads as missing");
    assert_eq!(data["collaborations"]["edges"], json!([]));

    // Within scope and above the floor: done, as the merchant.
    let changed = app
        .data(Some(&kim), CHANGE_PRICE, json!({"p": bread, "price": 6000}))
        .await;
    assert_eq!(
        changed["changeProductPrice"],
        json!({"product": {"price": 6000}, "userErrors": []})
    );
    // The storefront saw the merchant's actor, with the creator's subject.
    let call = app
        .upstream_calls()
        .into_iter()
        .rev()
        .find(|c| c.method == "PUT");
    assert_eq!(
        call.and_then(|c| c.actor),
        Some(Actor {
            subject: "creator-kim".into(),
            role: Role::Merchant,
            merchant_id: Some(shop.uuid),
        })
    );
    // Below the floor: refused, the product unchanged.
    let below = app
        .data(Some(&kim), CHANGE_PRICE, json!({"p": bread, "price": 4000}))
        .await;
    assert_eq!(
        below["changeProductPrice"],
        json!({"product": null, "userErrors": [{"field": ["input", "price"], "code": "PRICE_BELOW_FLOOR"}]})
    );
    // No ADJUST_STOCK scope: refused, the stock unchanged.
    let stock = app
        .data(Some(&kim), ADJUST_STOCK, json!({"p": bread}))
        .await;
    assert_eq!(
        codes(&stock["adjustProductStock"]),
        ["DELEGATION_SCOPE_MISSING"]
    );
    assert_eq!(
        product(&app, &shop, &bread).await,
        json!({"name": "소금빵", "price": 6000, "stock": 10})
    );
    // An unpublished listing of the merchant is the creator's to edit too.
    let edited = app.data(Some(&kim), UPDATE, json!({"p": draft})).await;
    assert_eq!(
        edited["updateProduct"],
        json!({"product": {"name": "신메뉴 (크리에이터 편집)", "published": false}, "userErrors": []})
    );
    // Another creator has no delegation: refused as before.
    let other = app
        .data(
            Some(&stranger),
            CHANGE_PRICE,
            json!({"p": bread, "price": 9000}),
        )
        .await;
    assert_eq!(codes(&other["changeProductPrice"]), ["FORBIDDEN"]);

    // The merchant reads every action taken on its behalf, in order.
    let trail = app.data(Some(&shop.token), TRAIL, json!({"id": id})).await;
    let entries: Vec<Value> = trail["collaboration"]["auditTrail"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            let n = &edge["node"];
            json!([
                n["action"],
                n["productId"],
                n["price"],
                n["actor"],
                n["outcome"]
            ])
        })
        .collect();
    assert_eq!(
        entries,
        vec![
            json!(["CHANGE_PRICE", bread, 6000, "creator-kim", "DONE"]),
            json!(["UPDATE_PRODUCT", draft, null, "creator-kim", "DONE"]),
        ]
    );
    // The trail is the merchant's: the creator reads its collaboration, not the trail.
    let (_, body) = app.graphql(Some(&kim), TRAIL, json!({"id": id})).await;
    assert_eq!(body["data"]["collaboration"]["status"], "ACTIVE", "{body}");
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");

    // Ended by the merchant: the creator's next change is refused.
    let ended = app.data(Some(&shop.token), END, json!({"id": id})).await;
    assert_eq!(
        ended["endCollaboration"],
        json!({"collaboration": {"status": "ENDED"}, "userErrors": []})
    );
    let after = app
        .data(Some(&kim), CHANGE_PRICE, json!({"p": bread, "price": 7000}))
        .await;
    assert_eq!(codes(&after["changeProductPrice"]), ["FORBIDDEN"]);
    assert_eq!(product(&app, &shop, &bread).await["price"], 6000);
}

#[tokio::test]
async fn a_delegating_creator_never_reaches_the_merchant_itself_or_its_money() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 베이커리").await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let kim_id = creator(&app, &kim, "alley.cook").await;
    let mut every_scope = invitation(&shop, &kim_id);
    every_scope["scopes"] = json!([
        "EDIT_LISTINGS",
        "CHANGE_PRICES",
        "ADJUST_STOCK",
        "PUBLISH_LISTINGS",
        "RUN_LIVES"
    ]);
    let id = delegate(&app, &shop, &kim, every_scope).await;

    // It creates a listing for the merchant (recorded), within the floor.
    let create = "mutation($m: ID!, $price: Won!) {
      createProduct(input: {merchantId: $m, name: \"콜라보 세트\", price: $price, stock: 4}) { product { id published } userErrors { field code } }
    }";
    let low = app
        .data(Some(&kim), create, json!({"m": shop.id, "price": 100}))
        .await;
    assert_eq!(codes(&low["createProduct"]), ["PRICE_BELOW_FLOOR"]);
    let made = app
        .data(Some(&kim), create, json!({"m": shop.id, "price": 9000}))
        .await;
    assert_eq!(made["createProduct"]["userErrors"], json!([]), "{made}");

    // The merchant itself, its settlements and its store: never the creator's.
    let attempts = [
        (
            "updateMerchant",
            "mutation($m: ID!) { updateMerchant(input: {merchantId: $m, name: \"hijacked\"}) { merchant { name } userErrors { code } } }",
        ),
        (
            "requestChannelOnboarding",
            "mutation($m: ID!) { requestChannelOnboarding(input: {merchantId: $m, channel: \"naver\", market: DOMESTIC}) { merchant { name } userErrors { code } } }",
        ),
    ];
    for (field, mutation) in attempts {
        let data = app.data(Some(&kim), mutation, json!({"m": shop.id})).await;
        assert_eq!(codes(&data[field]), ["FORBIDDEN"], "{field}: {data}");
    }
    for query in [
        "query($m: ID!) { voucherSettlements(merchantId: $m, first: 5) { edges { node { net } } } }",
        "query($m: ID!) { voucherRedemptions(merchantId: $m, first: 5) { edges { node { amount } } } }",
    ] {
        let (_, body) = app.graphql(Some(&kim), query, json!({"m": shop.id})).await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{query}: {body}");
    }
    let name = app
        .data(
            Some(&shop.token),
            "query($m: ID!) { merchant(id: $m) { name } }",
            json!({"m": shop.id}),
        )
        .await;
    assert_eq!(name["merchant"]["name"], "망원 베이커리");
    let trail = app.data(Some(&shop.token), TRAIL, json!({"id": id})).await;
    let edges = trail["collaboration"]["auditTrail"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(edges.len(), 1, "only the listing it made: {trail}");
    assert_eq!(edges[0]["node"]["action"], "CREATE_PRODUCT");
    assert_eq!(edges[0]["node"]["outcome"], "DONE");
}

#[tokio::test]
async fn an_action_the_storefront_did_not_answer_stays_in_the_trail_without_outcome_until_retried()
{
    let failing = Arc::new(AtomicBool::new(false));
    let down = Arc::clone(&failing);
    let app = spawn_app_wrapping(move |storefront: Router| {
        storefront.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let down = Arc::clone(&down);
                async move {
                    let price =
                        request.method() == Method::PUT && request.uri().path().ends_with("/price");
                    if price && down.load(Ordering::SeqCst) {
                        let body = json!({"code": "UNAVAILABLE", "message": "disk full"});
                        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
                    }
                    next.run(request).await
                }
            },
        ))
    })
    .await;
    let shop = open_shop(&app, "망원 베이커리").await;
    let bread = stock_product(&app, &shop, "소금빵", 5_500, 10).await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let kim_id = creator(&app, &kim, "alley.cook").await;
    let id = delegate(&app, &shop, &kim, invitation(&shop, &kim_id)).await;

    let keyed = "mutation($p: ID!) {
      changeProductPrice(input: {productId: $p, price: 6500, idempotencyKey: \"kim-price-1\"}) { product { price } userErrors { code } }
    }";
    failing.store(true, Ordering::SeqCst);
    let (_, body) = app.graphql(Some(&kim), keyed, json!({"p": bread})).await;
    assert_eq!(error_codes(&body), ["UNAVAILABLE"], "{body}");
    let trail = app.data(Some(&shop.token), TRAIL, json!({"id": id})).await;
    let edges = trail["collaboration"]["auditTrail"]["edges"].clone();
    assert_eq!(edges.as_array().unwrap().len(), 1, "{trail}");
    assert_eq!(
        edges[0]["node"]["outcome"], "PENDING",
        "requested, outcome unknown"
    );
    let entry = edges[0]["node"]["id"].clone();
    assert_eq!(product(&app, &shop, &bread).await["price"], 5500);

    // The retry with the same key is the same entry, now done.
    failing.store(false, Ordering::SeqCst);
    let retried = app.data(Some(&kim), keyed, json!({"p": bread})).await;
    assert_eq!(
        retried["changeProductPrice"],
        json!({"product": {"price": 6500}, "userErrors": []})
    );
    let trail = app.data(Some(&shop.token), TRAIL, json!({"id": id})).await;
    let edges = trail["collaboration"]["auditTrail"]["edges"].clone();
    assert_eq!(edges.as_array().unwrap().len(), 1, "{trail}");
    assert_eq!(edges[0]["node"]["id"], entry);
    assert_eq!(edges[0]["node"]["outcome"], "DONE");
    assert_eq!(edges[0]["node"]["price"], 6500);
}

#[tokio::test]
async fn a_creator_applies_the_merchant_declines_and_nobody_else_sees_it() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 베이커리").await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let kim_id = creator(&app, &kim, "alley.cook").await;
    let apply = "mutation($input: CollaborationInput!) {
      applyToMerchant(input: $input) { collaboration { id status proposedBy mode delegation { priceFloor } } userErrors { field code } }
    }";
    let mut terms = invitation(&shop, &kim_id);
    terms["mode"] = json!("PROMOTION");
    for key in ["scopes", "priceFloor", "revenueShareBps"] {
        terms.as_object_mut().unwrap().remove(key);
    }
    // A merchant does not apply; the creator does.
    let by_merchant = app
        .data(Some(&shop.token), apply, json!({"input": terms}))
        .await;
    assert_eq!(codes(&by_merchant["applyToMerchant"]), ["FORBIDDEN"]);
    let applied = app.data(Some(&kim), apply, json!({"input": terms})).await;
    let collaboration = &applied["applyToMerchant"]["collaboration"];
    assert_eq!(collaboration["status"], "PROPOSED", "{applied}");
    assert_eq!(collaboration["proposedBy"], "CREATOR");
    assert_eq!(collaboration["delegation"], Value::Null);
    let id = collaboration["id"].as_str().unwrap().to_owned();

    let decline = "mutation($id: ID!) {
      declineCollaboration(input: {collaborationId: $id}) { collaboration { status } userErrors { code } }
    }";
    let own = app.data(Some(&kim), decline, json!({"id": id})).await;
    assert_eq!(
        codes(&own["declineCollaboration"]),
        ["NOT_THE_COUNTERPARTY"]
    );
    let declined = app
        .data(Some(&shop.token), decline, json!({"id": id}))
        .await;
    assert_eq!(
        declined["declineCollaboration"],
        json!({"collaboration": {"status": "DECLINED"}, "userErrors": []})
    );
    let again = app.data(Some(&kim), ACCEPT, json!({"id": id})).await;
    assert_eq!(
        codes(&again["acceptCollaboration"]),
        ["COLLABORATION_NOT_PROPOSED"]
    );

    // A partner, a citizen, another merchant: it reads as missing, and they list none.
    let other_shop = open_shop(&app, "다른 가게").await;
    let outsiders = [
        app.token_for("mama", Role::Partner, None),
        app.token_for("citizen-1", Role::Citizen, None),
        other_shop.token,
    ];
    for token in &outsiders {
        let data = app.data(Some(token), TRAIL, json!({"id": id})).await;
        assert_eq!(data["collaboration"], Value::Null, "{data}");
    }
    let list = "query { collaborations(first: 5) { edges { node { id } } } }";
    let (_, body) = app.graphql(Some(&outsiders[0]), list, json!({})).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
    let (_, body) = app.graphql(Some(&outsiders[2]), list, json!({})).await;
    assert_eq!(body["data"]["collaborations"]["edges"], json!([]), "{body}");
}

const SCHEDULE_LIVE: &str = "mutation($input: ScheduleLiveInput!) {
  scheduleLive(input: $input) { liveSession { id status merchant { name } } userErrors { code } }
}";

const LIVE_STEP: &str = "mutation($id: ID!, $p: ID!) {
  startLive(input: {liveId: $id}) { liveSession { status } userErrors { code } }
  pinLiveProduct(input: {liveId: $id, productId: $p}) { liveSession { pinnedProduct { name } } userErrors { code } }
  endLive(input: {liveId: $id}) { liveSession { status } userErrors { code } }
}";

#[tokio::test]
async fn a_creator_runs_the_merchants_lives_only_with_the_run_lives_scope_and_each_step_is_in_the_trail()
 {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 베이커리").await;
    let bread = stock_product(&app, &shop, "소금빵", 5_500, 10).await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let kim_id = creator(&app, &kim, "alley.cook").await;
    let schedule = |key: &str| {
        json!({"input": {
            "merchantId": shop.id, "title": "소금빵 라이브",
            "startsAt": Utc::now() + Duration::hours(2),
            "products": [{"productId": bread, "livePrice": 4900}],
            "idempotencyKey": key,
        }})
    };

    // Delegated without RUN_LIVES: the creator schedules nothing.
    let id = delegate(&app, &shop, &kim, invitation(&shop, &kim_id)).await;
    let refused = app
        .data(Some(&kim), SCHEDULE_LIVE, schedule("live-1"))
        .await;
    assert_eq!(
        codes(&refused["scheduleLive"]),
        ["DELEGATION_SCOPE_MISSING"]
    );
    // Its host still runs a live the merchant scheduled, as host, outside the trail.
    let mut hosted = schedule("live-hosted");
    hosted["input"]["hostCreatorId"] = json!(kim_id);
    let hosted = app.data(Some(&shop.token), SCHEDULE_LIVE, hosted).await;
    let hosted = hosted["scheduleLive"]["liveSession"]["id"]
        .as_str()
        .unwrap();
    let start = "mutation($id: ID!) { startLive(input: {liveId: $id}) { liveSession { status } userErrors { code } } }";
    let started = app.data(Some(&kim), start, json!({"id": hosted})).await;
    assert_eq!(
        started["startLive"],
        json!({"liveSession": {"status": "LIVE"}, "userErrors": []})
    );
    let trail = app.data(Some(&shop.token), TRAIL, json!({"id": id})).await;
    assert_eq!(trail["collaboration"]["auditTrail"]["edges"], json!([]));
    let ended = app.data(Some(&shop.token), END, json!({"id": id})).await;
    assert_eq!(ended["endCollaboration"]["userErrors"], json!([]));

    // With RUN_LIVES the creator schedules the merchant's live, runs it and
    // ends it, as the merchant.
    let mut terms = invitation(&shop, &kim_id);
    terms["scopes"] = json!(["RUN_LIVES"]);
    terms["idempotencyKey"] = json!("invite-lives");
    let id = delegate(&app, &shop, &kim, terms).await;
    let scheduled = app
        .data(Some(&kim), SCHEDULE_LIVE, schedule("live-2"))
        .await;
    let scheduled = &scheduled["scheduleLive"];
    assert_eq!(scheduled["userErrors"], json!([]), "{scheduled}");
    assert_eq!(scheduled["liveSession"]["status"], "SCHEDULED");
    assert_eq!(
        scheduled["liveSession"]["merchant"]["name"],
        "망원 베이커리"
    );
    let live = scheduled["liveSession"]["id"].as_str().unwrap();
    let ran = app
        .data(Some(&kim), LIVE_STEP, json!({"id": live, "p": bread}))
        .await;
    assert_eq!(
        ran,
        json!({
            "startLive": {"liveSession": {"status": "LIVE"}, "userErrors": []},
            "pinLiveProduct": {"liveSession": {"pinnedProduct": {"name": "소금빵"}}, "userErrors": []},
            "endLive": {"liveSession": {"status": "ENDED"}, "userErrors": []},
        })
    );

    // Every step is in the merchant's trail, done.
    let trail = app.data(Some(&shop.token), TRAIL, json!({"id": id})).await;
    let entries: Vec<Value> = trail["collaboration"]["auditTrail"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| json!([edge["node"]["action"], edge["node"]["outcome"]]))
        .collect();
    assert_eq!(
        entries,
        vec![
            json!(["SCHEDULE_LIVE", "DONE"]),
            json!(["START_LIVE", "DONE"]),
            json!(["PIN_LIVE_PRODUCT", "DONE"]),
            json!(["END_LIVE", "DONE"]),
        ]
    );

    // Another creator has no delegation: refused as before.
    let stranger = app.token_for("creator-lee", Role::Creator, None);
    let other = app
        .data(Some(&stranger), SCHEDULE_LIVE, schedule("live-3"))
        .await;
    assert_eq!(codes(&other["scheduleLive"]), ["FORBIDDEN"]);
}

const PUBLISH_PROMOTION: &str = "mutation($input: PublishPromotionInput!) {
  publishPromotion(input: $input) {
    promotion { id status collaboration { status creator { handle } } }
    userErrors { field code }
  }
}";

const WITHDRAW_PROMOTION: &str = "mutation($id: ID!) {
  withdrawPromotion(input: {promotionId: $id}) { promotion { status } userErrors { code } }
}";

#[tokio::test]
async fn a_collaboration_publishes_a_promotion_of_the_products_it_covers_while_it_is_active() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 베이커리").await;
    let bread = stock_product(&app, &shop, "소금빵", 5_500, 10).await;
    let cake = stock_product(&app, &shop, "케이크", 30_000, 3).await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let kim_id = creator(&app, &kim, "alley.cook").await;
    let lee = app.token_for("creator-lee", Role::Creator, None);
    creator(&app, &lee, "lee.eats").await;
    let terms = json!({
        "merchantId": shop.id, "creatorId": kim_id, "productIds": [bread],
        "commissionBps": 1000, "mode": "PROMOTION",
        "starts": Utc::now() - Duration::hours(1), "ends": Utc::now() + Duration::days(30),
    });
    let id = delegate(&app, &shop, &kim, terms).await;
    let promotion = |products: Vec<&str>, key: &str| {
        json!({"input": {
            "merchantId": shop.id, "collaborationId": id, "title": "김 크리에이터 x 망원 베이커리",
            "productIds": products, "offer": {"percentOffBps": 1000},
            "starts": Utc::now(), "ends": Utc::now() + Duration::days(7),
            "tags": ["k-pop"], "region": "mapo-gu", "idempotencyKey": key,
        }})
    };

    // The creator publishes it as the collaboration; the promotion names it.
    let published = app
        .data(
            Some(&kim),
            PUBLISH_PROMOTION,
            promotion(vec![&bread], "p-1"),
        )
        .await;
    let published = &published["publishPromotion"];
    assert_eq!(published["userErrors"], json!([]), "{published}");
    assert_eq!(
        published["promotion"]["collaboration"],
        json!({"status": "ACTIVE", "creator": {"handle": "alley.cook"}})
    );
    let promotion_id = published["promotion"]["id"].as_str().unwrap().to_owned();
    // Not a product it covers; not a party; not without the collaboration.
    let uncovered = app
        .data(Some(&kim), PUBLISH_PROMOTION, promotion(vec![&cake], "p-2"))
        .await;
    assert_eq!(
        uncovered["publishPromotion"]["userErrors"],
        json!([{"field": ["input", "productIds"], "code": "PRODUCT_NOT_COVERED"}])
    );
    let stranger = app
        .data(
            Some(&lee),
            PUBLISH_PROMOTION,
            promotion(vec![&bread], "p-3"),
        )
        .await;
    assert_eq!(codes(&stranger["publishPromotion"]), ["FORBIDDEN"]);
    let mut alone = promotion(vec![&bread], "p-4");
    alone["input"]["collaborationId"] = Value::Null;
    let alone = app.data(Some(&kim), PUBLISH_PROMOTION, alone).await;
    assert_eq!(codes(&alone["publishPromotion"]), ["FORBIDDEN"]);

    // Its creator withdraws it; once ended, the collaboration publishes nothing.
    let withdrawn = app
        .data(Some(&kim), WITHDRAW_PROMOTION, json!({"id": promotion_id}))
        .await;
    assert_eq!(
        withdrawn["withdrawPromotion"],
        json!({"promotion": {"status": "WITHDRAWN"}, "userErrors": []})
    );
    let ended = app.data(Some(&shop.token), END, json!({"id": id})).await;
    assert_eq!(ended["endCollaboration"]["userErrors"], json!([]));
    let late = app
        .data(
            Some(&shop.token),
            PUBLISH_PROMOTION,
            promotion(vec![&bread], "p-5"),
        )
        .await;
    assert_eq!(
        late["publishPromotion"]["userErrors"],
        json!([{"field": ["input", "collaborationId"], "code": "COLLABORATION_NOT_ACTIVE"}])
    );
}
