use std::time::Duration;

use chrono::{TimeDelta, Utc};
use futures::future::join;
use golmok_runtime::Actor;
use golmok_testkit::idempotency::{Replayable, assert_idempotent};
use golmok_testkit::service::{citizen, merchant_actor};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// A delegated-selling invitation of `creator` by `merchant`: listings and
/// prices, a floor of 5,000 won.
fn invitation(merchant: Uuid, creator: Uuid) -> Value {
    json!({
        "merchantId": merchant,
        "creatorId": creator,
        "commissionBps": 1000,
        "starts": Utc::now() - TimeDelta::hours(1),
        "ends": Utc::now() + TimeDelta::days(30),
        "mode": "DELEGATED_SELLING",
        "scopes": ["EDIT_LISTINGS", "CHANGE_PRICES"],
        "priceFloor": 5000,
        "revenueShareBps": 2000
    })
}

fn price_change(product: Uuid, price: i64) -> Value {
    json!({"action": "CHANGE_PRICE", "productId": product, "price": price, "summary": format!("price → {price}")})
}

async fn status(app: &TestApp, id: Uuid) -> Value {
    let reply = app.get(&format!("/collaborations/{id}")).await;
    reply.expect(StatusCode::OK)["status"].clone()
}

async fn listed(app: &TestApp, actor: &Actor, path: &str) -> Vec<Value> {
    let reply = app.call(Method::GET, path, Some(actor), None, None).await;
    let body = reply.expect(StatusCode::OK);
    body.get("items")
        .unwrap_or(body)
        .as_array()
        .expect("a list")
        .clone()
}

/// A service with a registered creator and a merchant: the service, the
/// creator's owner, the creator's id, the merchant's id and its token.
async fn parties() -> (TestApp, Actor, Uuid, Uuid, Actor) {
    let app = spawn_app().await;
    let creator_id = app.register("creator-kim", "alley.cook").await;
    let merchant = Uuid::now_v7();
    let shop = merchant_actor(merchant);
    (app, creator("creator-kim"), creator_id, merchant, shop)
}

#[tokio::test]
async fn a_merchant_invites_the_creator_accepts_acts_within_its_scopes_and_the_merchant_reads_the_trail()
 {
    let (app, kim, creator_id, merchant, shop) = parties().await;
    let invited = app
        .post("/collaborations", &shop, invitation(merchant, creator_id))
        .await;
    let invited = invited.expect(StatusCode::CREATED).clone();
    assert_eq!(invited["status"], "PROPOSED");
    assert_eq!(invited["proposedBy"], "MERCHANT");
    assert_eq!(invited["delegation"]["priceFloor"], 5000);
    let id = id_of(&invited);
    let path = format!("/collaborations/{id}");

    // Both parties list it; a stranger can neither read nor answer it.
    assert_eq!(listed(&app, &kim, "/collaborations").await.len(), 1);
    assert_eq!(listed(&app, &shop, "/collaborations").await.len(), 1);
    let lee = creator("creator-lee");
    app.call(Method::GET, &path, Some(&lee), None, None)
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post(&format!("{path}/acceptance"), &lee, json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    // The merchant cannot accept its own invitation.
    app.post(&format!("{path}/acceptance"), &shop, json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "NOT_THE_COUNTERPARTY", None);
    // No delegation before it is accepted.
    app.post(
        &format!("{path}/actions"),
        &kim,
        price_change(Uuid::nil(), 6000),
    )
    .await
    .error(StatusCode::CONFLICT, "COLLABORATION_NOT_ACTIVE", None);
    let accepted = app
        .post(&format!("{path}/acceptance"), &kim, json!({}))
        .await;
    assert_eq!(accepted.expect(StatusCode::OK)["status"], "ACTIVE");
    let delegations = listed(&app, &kim, "/delegations").await;
    assert_eq!(delegations.len(), 1);
    assert_eq!(
        delegations[0]["delegation"]["scopes"],
        json!(["EDIT_LISTINGS", "CHANGE_PRICES"])
    );
    assert!(listed(&app, &lee, "/delegations").await.is_empty());

    let product = Uuid::now_v7();
    let requested = app
        .post(
            &format!("{path}/actions"),
            &kim,
            price_change(product, 6000),
        )
        .await;
    let requested = requested.expect(StatusCode::CREATED).clone();
    assert_eq!(requested["outcome"], "PENDING");
    assert_eq!(requested["actor"], "creator-kim");
    let entry = id_of(&requested);
    app.post(
        &format!("{path}/actions"),
        &kim,
        price_change(product, 4000),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "PRICE_BELOW_FLOOR",
        Some("price"),
    );
    let stock = json!({"action": "ADJUST_STOCK", "productId": product, "summary": "stock +5"});
    app.post(&format!("{path}/actions"), &kim, stock)
        .await
        .error(StatusCode::FORBIDDEN, "DELEGATION_SCOPE_MISSING", None);
    // Only the creator records actions; the merchant acts for itself.
    app.post(
        &format!("{path}/actions"),
        &shop,
        price_change(product, 6000),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let outcome = format!("{path}/actions/{entry}/outcome");
    let done = app.post(&outcome, &kim, json!({})).await;
    assert_eq!(done.expect(StatusCode::OK)["outcome"], "DONE");
    app.post(&outcome, &kim, json!({"errorCode": "X"}))
        .await
        .error(StatusCode::CONFLICT, "AUDIT_ENTRY_COMPLETED", None);
    let pending = app
        .post(
            &format!("{path}/actions"),
            &kim,
            price_change(product, 7000),
        )
        .await;
    let pending = id_of(pending.expect(StatusCode::CREATED));

    // The trail is the merchant's: in order, with outcomes.
    let trail = listed(&app, &shop, &format!("{path}/audit")).await;
    let seen: Vec<(Value, Value, Value)> = trail
        .iter()
        .map(|e| (e["id"].clone(), e["price"].clone(), e["outcome"].clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (json!(entry), json!(6000), json!("DONE")),
            (json!(pending), json!(7000), json!("PENDING")),
        ]
    );
    app.call(
        Method::GET,
        &format!("{path}/audit"),
        Some(&kim),
        None,
        None,
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);

    // Ended by the merchant: nothing more is done on its behalf.
    let ended = app.post(&format!("{path}/end"), &shop, json!({})).await;
    assert_eq!(ended.expect(StatusCode::OK)["status"], "ENDED");
    assert!(listed(&app, &kim, "/delegations").await.is_empty());
    app.post(
        &format!("{path}/actions"),
        &kim,
        price_change(product, 8000),
    )
    .await
    .error(StatusCode::CONFLICT, "COLLABORATION_NOT_ACTIVE", None);
    app.post(&format!("{path}/end"), &kim, json!({}))
        .await
        .error(StatusCode::CONFLICT, "COLLABORATION_NOT_ACTIVE", None);
    assert_eq!(listed(&app, &shop, &format!("{path}/audit")).await.len(), 2);
}

#[tokio::test]
async fn bad_proposals_are_refused_with_a_code_and_propose_nothing() {
    let (app, kim, creator_id, merchant, shop) = parties().await;
    let base = invitation(merchant, creator_id);
    let with = |changes: Value| {
        let mut body = base.clone();
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (
            json!({"commissionBps": 10001}),
            StatusCode::BAD_REQUEST,
            "COMMISSION_OUT_OF_RANGE",
            Some("commissionBps"),
        ),
        (
            json!({"commissionBps": -1}),
            StatusCode::BAD_REQUEST,
            "COMMISSION_OUT_OF_RANGE",
            Some("commissionBps"),
        ),
        (
            json!({"productCommissions": [{"productId": Uuid::nil(), "bps": 99999}]}),
            StatusCode::BAD_REQUEST,
            "COMMISSION_OUT_OF_RANGE",
            Some("productCommissions"),
        ),
        (
            json!({"scopes": ["EDIT_LISTINGS", "TOUCH_PAYOUTS"]}),
            StatusCode::BAD_REQUEST,
            "SCOPE_UNKNOWN",
            Some("scopes"),
        ),
        (
            json!({"scopes": []}),
            StatusCode::BAD_REQUEST,
            "DELEGATION_REQUIRED",
            Some("scopes"),
        ),
        (
            json!({"ends": Utc::now() - TimeDelta::hours(2)}),
            StatusCode::BAD_REQUEST,
            "VALIDITY_INVALID",
            Some("ends"),
        ),
        (
            json!({"respondBy": Utc::now() - TimeDelta::hours(2)}),
            StatusCode::BAD_REQUEST,
            "RESPOND_BY_INVALID",
            Some("respondBy"),
        ),
        (
            json!({"priceFloor": -5}),
            StatusCode::BAD_REQUEST,
            "PRICE_FLOOR_INVALID",
            Some("priceFloor"),
        ),
        (
            json!({"revenueShareBps": 10001}),
            StatusCode::BAD_REQUEST,
            "REVENUE_SHARE_OUT_OF_RANGE",
            Some("revenueShareBps"),
        ),
        (
            json!({"mode": "PROMOTION"}),
            StatusCode::BAD_REQUEST,
            "DELEGATION_UNEXPECTED",
            Some("mode"),
        ),
        (
            json!({"creatorId": Uuid::now_v7()}),
            StatusCode::NOT_FOUND,
            "CREATOR_NOT_FOUND",
            None,
        ),
    ];
    for (changes, status, code, field) in cases {
        app.post("/collaborations", &shop, with(changes.clone()))
            .await
            .error(status, code, field);
    }
    // Another merchant's token, or another creator's, proposes for no one.
    let other = merchant_actor(Uuid::now_v7());
    app.post("/collaborations", &other, base.clone())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post("/collaborations", &creator("creator-lee"), base.clone())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post("/collaborations", &citizen("someone"), base)
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    assert!(listed(&app, &shop, "/collaborations").await.is_empty());
    assert!(listed(&app, &kim, "/collaborations").await.is_empty());
    app.get(&format!("/collaborations/{}", Uuid::now_v7()))
        .await
        .error(StatusCode::NOT_FOUND, "COLLABORATION_NOT_FOUND", None);
    app.get("/collaborations/not-a-uuid").await.error(
        StatusCode::NOT_FOUND,
        "COLLABORATION_NOT_FOUND",
        None,
    );
}

#[tokio::test]
async fn a_creator_applies_and_an_accept_racing_a_decline_has_one_winner() {
    let (app, kim, creator_id, merchant, shop) = parties().await;
    for _ in 0..10 {
        let mut body = invitation(merchant, creator_id);
        body["mode"] = json!("PROMOTION");
        for key in ["scopes", "priceFloor", "revenueShareBps"] {
            body.as_object_mut().unwrap().remove(key);
        }
        let applied = app.post("/collaborations", &kim, body).await;
        let applied = applied.expect(StatusCode::CREATED).clone();
        assert_eq!(applied["proposedBy"], "CREATOR");
        let path = format!("/collaborations/{}", id_of(&applied));
        let (accepted, declined) = join(
            app.post(&format!("{path}/acceptance"), &shop, json!({})),
            app.post(&format!("{path}/declination"), &shop, json!({})),
        )
        .await;
        let winners = [&accepted, &declined]
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        assert_eq!(winners, 1, "{accepted:?} {declined:?}");
        let loser = if accepted.status == StatusCode::OK {
            &declined
        } else {
            &accepted
        };
        loser.error(StatusCode::CONFLICT, "COLLABORATION_NOT_PROPOSED", None);
        let expected = if accepted.status == StatusCode::OK {
            "ACTIVE"
        } else {
            "DECLINED"
        };
        assert_eq!(status(&app, id_of(&applied)).await, expected);
    }
}

#[tokio::test]
async fn unanswered_proposals_and_finished_collaborations_expire_by_themselves() {
    let (app, kim, creator_id, merchant, shop) = parties().await;
    let mut unanswered = invitation(merchant, creator_id);
    unanswered["respondBy"] = json!(Utc::now() + TimeDelta::milliseconds(1500));
    let unanswered = app.post("/collaborations", &shop, unanswered).await;
    let unanswered = id_of(unanswered.expect(StatusCode::CREATED));
    let mut short = invitation(merchant, creator_id);
    short["ends"] = json!(Utc::now() + TimeDelta::milliseconds(2500));
    let short = app.post("/collaborations", &shop, short).await;
    let short = id_of(short.expect(StatusCode::CREATED));
    let path = format!("/collaborations/{short}");
    app.post(&format!("{path}/acceptance"), &kim, json!({}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed(&app, &kim, "/delegations").await.len(), 1);
    let mut waited = Duration::ZERO;
    while (status(&app, unanswered).await != "EXPIRED" || status(&app, short).await != "EXPIRED")
        && waited < Duration::from_secs(15)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }
    assert_eq!(status(&app, unanswered).await, "EXPIRED");
    assert_eq!(status(&app, short).await, "EXPIRED");
    assert!(listed(&app, &kim, "/delegations").await.is_empty());
    app.post(
        &format!("/collaborations/{unanswered}/acceptance"),
        &kim,
        json!({}),
    )
    .await
    .error(StatusCode::CONFLICT, "COLLABORATION_NOT_PROPOSED", None);
}

#[tokio::test]
async fn proposing_keeps_the_idempotency_contract() {
    let (app, _, creator_id, merchant, shop) = parties().await;
    let body = invitation(merchant, creator_id);
    let mut other_body = body.clone();
    other_body["commissionBps"] = json!(1500);
    let command = Replayable {
        method: Method::POST,
        path: "/collaborations".into(),
        body,
        other_body,
    };
    assert_idempotent(&app, &shop, &command, || async {
        listed(&app, &shop, "/collaborations").await.len()
    })
    .await;
}

#[tokio::test]
async fn collaborations_their_trail_and_delegations_survive_a_restart() {
    let (app, kim, creator_id, merchant, shop) = parties().await;
    let invited = app
        .post("/collaborations", &shop, invitation(merchant, creator_id))
        .await;
    let path = format!(
        "/collaborations/{}",
        id_of(invited.expect(StatusCode::CREATED))
    );
    app.post(&format!("{path}/acceptance"), &kim, json!({}))
        .await
        .expect(StatusCode::OK);
    app.post(
        &format!("{path}/actions"),
        &kim,
        price_change(Uuid::now_v7(), 6000),
    )
    .await
    .expect(StatusCode::CREATED);
    let before = app.get(&path).await.body;
    let trail = listed(&app, &shop, &format!("{path}/audit")).await;

    let app = app.restart().await;
    assert_eq!(app.get(&path).await.expect(StatusCode::OK), &before);
    assert_eq!(listed(&app, &shop, &format!("{path}/audit")).await, trail);
    assert_eq!(listed(&app, &kim, "/delegations").await.len(), 1);
    // The floor still holds: the terms live in the log, not in memory.
    app.post(
        &format!("{path}/actions"),
        &kim,
        price_change(Uuid::now_v7(), 10),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "PRICE_BELOW_FLOOR",
        Some("price"),
    );
}
