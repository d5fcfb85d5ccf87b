//! Live sessions over HTTP: a merchant schedules a live of its products with
//! live-only prices, the host creator runs it, everyone can watch its state.

use chrono::{Duration, Utc};
use golmok_testkit::service::{citizen, merchant_actor};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, creator, operator, spawn_app};

fn schedule_body(merchant: Uuid, host: Option<Uuid>) -> Value {
    json!({
        "merchantId": merchant,
        "hostCreatorId": host,
        "title": "망원 빵 라이브",
        "startsAt": Utc::now() + Duration::hours(2),
        "products": [
            {"productId": Uuid::from_u128(1), "livePrice": 3000},
            {"productId": Uuid::from_u128(2)},
        ],
    })
}

async fn scheduled(app: &TestApp, merchant: Uuid, host: Option<Uuid>) -> Uuid {
    let reply = app
        .post(
            "/lives",
            &merchant_actor(merchant),
            schedule_body(merchant, host),
        )
        .await;
    crate::helpers::id_of(reply.expect(StatusCode::CREATED))
}

#[tokio::test]
async fn a_host_creator_runs_the_merchants_live_and_everyone_sees_it() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let host = app.register("creator-host", "live.host").await;
    let live = scheduled(&app, merchant, Some(host)).await;
    let view = app.get(&format!("/lives/{live}")).await;
    let view = view.expect(StatusCode::OK);
    assert_eq!(view["status"], "SCHEDULED");
    assert_eq!(
        view["products"],
        json!([
            {"productId": Uuid::from_u128(1), "livePrice": 3000},
            {"productId": Uuid::from_u128(2)},
        ])
    );

    let host_actor = creator("creator-host");
    let started = app
        .post(&format!("/lives/{live}/start"), &host_actor, json!({}))
        .await;
    assert_eq!(started.expect(StatusCode::OK)["status"], "LIVE");
    let pinned = app
        .post(
            &format!("/lives/{live}/pin"),
            &host_actor,
            json!({"productId": Uuid::from_u128(1)}),
        )
        .await;
    assert_eq!(
        pinned.expect(StatusCode::OK)["pinnedProductId"],
        json!(Uuid::from_u128(1))
    );
    app.post(
        &format!("/lives/{live}/pin"),
        &host_actor,
        json!({"productId": Uuid::from_u128(9)}),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "PRODUCT_NOT_TAGGED",
        Some("productId"),
    );
    // Another creator, a citizen, another merchant may not run it.
    for outsider in [
        creator("creator-other"),
        citizen("kim"),
        merchant_actor(Uuid::now_v7()),
    ] {
        app.post(&format!("/lives/{live}/end"), &outsider, json!({}))
            .await
            .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    }
    // The host may not cancel; once on air nobody can.
    app.post(
        &format!("/lives/{live}/cancellation"),
        &host_actor,
        json!({}),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post(
        &format!("/lives/{live}/cancellation"),
        &merchant_actor(merchant),
        json!({}),
    )
    .await
    .error(StatusCode::CONFLICT, "LIVE_NOT_SCHEDULED", None);
    let ended = app
        .post(
            &format!("/lives/{live}/end"),
            &merchant_actor(merchant),
            json!({}),
        )
        .await;
    let ended = ended.expect(StatusCode::OK);
    assert_eq!(ended["status"], "ENDED");
    assert_eq!(ended["pinnedProductId"], Value::Null);
    assert!(ended["endedAt"].is_string());
    // The read model agrees with the reply, and lists it under the merchant.
    assert_eq!(
        app.get(&format!("/lives/{live}"))
            .await
            .expect(StatusCode::OK),
        ended
    );
    let listed = app.get(&format!("/merchants/{merchant}/lives")).await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([ended]));
}

#[tokio::test]
async fn bad_schedules_are_refused_with_a_code_and_leave_nothing() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let actor = merchant_actor(merchant);
    let cases = [
        (
            json!({"title": " "}),
            StatusCode::BAD_REQUEST,
            "FIELD_REQUIRED",
            Some("title"),
        ),
        (
            json!({"products": []}),
            StatusCode::BAD_REQUEST,
            "LIVE_PRODUCTS_INVALID",
            Some("products"),
        ),
        (
            json!({"products": [{"productId": Uuid::from_u128(1), "livePrice": 0}]}),
            StatusCode::BAD_REQUEST,
            "LIVE_PRICE_INVALID",
            Some("products"),
        ),
        (
            json!({"startsAt": Utc::now() - Duration::minutes(1)}),
            StatusCode::BAD_REQUEST,
            "LIVE_START_OUT_OF_RANGE",
            Some("startsAt"),
        ),
        (
            json!({"hostCreatorId": Uuid::now_v7()}),
            StatusCode::NOT_FOUND,
            "CREATOR_NOT_FOUND",
            None,
        ),
    ];
    for (change, status, code, field) in cases {
        let mut body = schedule_body(merchant, None);
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        app.post("/lives", &actor, body)
            .await
            .error(status, code, field);
    }
    // Only the merchant itself or an operator schedules its lives.
    app.post(
        "/lives",
        &merchant_actor(Uuid::now_v7()),
        schedule_body(merchant, None),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post(
        "/lives",
        &creator("creator-a"),
        schedule_body(merchant, None),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    assert_eq!(app.count(&format!("/merchants/{merchant}/lives")).await, 0);
    app.post("/lives", &operator(), schedule_body(merchant, None))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(app.count(&format!("/merchants/{merchant}/lives")).await, 1);
    app.get(&format!("/lives/{}", Uuid::now_v7())).await.error(
        StatusCode::NOT_FOUND,
        "LIVE_NOT_FOUND",
        None,
    );
}
