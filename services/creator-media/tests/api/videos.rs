//! Published videos over HTTP: a creator with an active collaboration
//! publishes a video of the merchant's products, listed under them and the
//! creator, public to everyone, until it is unpublished.

use chrono::{TimeDelta, Utc};
use golmok_runtime::Actor;
use golmok_testkit::idempotency::{Replayable, assert_idempotent};
use golmok_testkit::service::{citizen, merchant_actor};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn product(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// A promotion collaboration of `creator` with `merchant` covering
/// products 1 and 2.
fn invitation(merchant: Uuid, creator: Uuid) -> Value {
    json!({
        "merchantId": merchant,
        "creatorId": creator,
        "products": [product(1), product(2)],
        "commissionBps": 1000,
        "starts": Utc::now() - TimeDelta::hours(1),
        "ends": Utc::now() + TimeDelta::days(30),
        "mode": "PROMOTION"
    })
}

fn video(merchant: Uuid, creator: Option<Uuid>, products: &[Uuid]) -> Value {
    json!({
        "merchantId": merchant,
        "creatorId": creator,
        "title": "망원 빵 언박싱",
        "url": "https://youtube.com/watch?v=golmok",
        "platform": "YOUTUBE",
        "products": products,
    })
}

/// The merchant invites the creator; the creator's owner accepts unless
/// `accept` is false. Answers the collaboration's id.
async fn collaboration(
    app: &TestApp,
    shop: &Actor,
    owner: &Actor,
    merchant: Uuid,
    creator: Uuid,
    accept: bool,
) -> Uuid {
    let invited = app
        .post("/collaborations", shop, invitation(merchant, creator))
        .await;
    let id = id_of(invited.expect(StatusCode::CREATED));
    if accept {
        app.post(
            &format!("/collaborations/{id}/acceptance"),
            owner,
            json!({}),
        )
        .await
        .expect(StatusCode::OK);
    }
    id
}

/// The ids a public (anonymous) list answers.
async fn listed(app: &TestApp, path: &str) -> Vec<Value> {
    let reply = app.call(Method::GET, path, None, None, None).await;
    reply.expect(StatusCode::OK)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|video| video["id"].clone())
        .collect()
}

#[tokio::test]
async fn a_creator_under_an_active_collaboration_publishes_a_video_everyone_sees_until_unpublished()
{
    let app = spawn_app().await;
    let kim = creator("creator-kim");
    let creator_id = app.register("creator-kim", "alley.cook").await;
    let merchant = Uuid::now_v7();
    let shop = merchant_actor(merchant);
    let collaboration_id = collaboration(&app, &shop, &kim, merchant, creator_id, true).await;

    let published = app
        .post(
            "/videos",
            &kim,
            video(merchant, Some(creator_id), &[product(1)]),
        )
        .await;
    let published = published.expect(StatusCode::CREATED).clone();
    assert_eq!(published["status"], "PUBLISHED");
    assert_eq!(published["publishedBy"], "CREATOR");
    assert_eq!(published["collaborationId"], json!(collaboration_id));
    assert_eq!(published["platform"], "YOUTUBE");
    let id = id_of(&published);

    // Public: anyone reads it and finds it under its product, its creator
    // and its merchant.
    let read = app
        .call(Method::GET, &format!("/videos/{id}"), None, None, None)
        .await;
    assert_eq!(read.expect(StatusCode::OK), &published);
    let ids = vec![json!(id)];
    assert_eq!(
        listed(&app, &format!("/products/{}/videos", product(1))).await,
        ids
    );
    assert_eq!(
        listed(&app, &format!("/creators/{creator_id}/videos")).await,
        ids
    );
    assert_eq!(
        listed(&app, &format!("/merchants/{merchant}/videos")).await,
        ids
    );
    assert!(
        listed(&app, &format!("/products/{}/videos", product(2)))
            .await
            .is_empty()
    );

    // The merchant publishes one of its own, crediting no one.
    let own = app
        .post(
            "/videos",
            &shop,
            video(merchant, None, &[product(1), product(3)]),
        )
        .await;
    let own = own.expect(StatusCode::CREATED).clone();
    assert_eq!(own["publishedBy"], "MERCHANT");
    assert_eq!(own["creatorId"], Value::Null);
    let own_id = id_of(&own);
    assert_eq!(
        listed(&app, &format!("/products/{}/videos", product(1))).await,
        vec![json!(id), json!(own_id)]
    );
    assert_eq!(
        listed(&app, &format!("/creators/{creator_id}/videos")).await,
        ids
    );

    // Neither another creator nor a citizen may take it down; the creator
    // may not take down the merchant's own video.
    let path = format!("/videos/{id}/unpublishing");
    app.post(&path, &creator("creator-lee"), json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post(&path, &citizen("c-1"), json!({})).await.error(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        None,
    );
    app.post(&format!("/videos/{own_id}/unpublishing"), &kim, json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);

    // Its publisher unpublishes it: readable by id, listed nowhere.
    let down = app.post(&path, &kim, json!({})).await;
    let down = down.expect(StatusCode::OK).clone();
    assert_eq!(down["status"], "UNPUBLISHED");
    assert!(down["unpublishedAt"].is_string());
    assert_eq!(
        app.get(&format!("/videos/{id}"))
            .await
            .expect(StatusCode::OK),
        &down
    );
    assert_eq!(
        listed(&app, &format!("/products/{}/videos", product(1))).await,
        vec![json!(own_id)]
    );
    assert!(
        listed(&app, &format!("/creators/{creator_id}/videos"))
            .await
            .is_empty()
    );
    app.post(&path, &shop, json!({})).await.error(
        StatusCode::CONFLICT,
        "VIDEO_NOT_PUBLISHED",
        None,
    );

    // The merchant takes its own down too; an operator could as well.
    app.post(
        &format!("/videos/{own_id}/unpublishing"),
        &operator(),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    assert!(
        listed(&app, &format!("/merchants/{merchant}/videos"))
            .await
            .is_empty()
    );
    app.get(&format!("/videos/{}", Uuid::now_v7())).await.error(
        StatusCode::NOT_FOUND,
        "VIDEO_NOT_FOUND",
        None,
    );
    app.post(
        &format!("/videos/{}/unpublishing", Uuid::now_v7()),
        &shop,
        json!({}),
    )
    .await
    .error(StatusCode::NOT_FOUND, "VIDEO_NOT_FOUND", None);
}

#[tokio::test]
async fn a_video_without_a_covering_active_collaboration_or_with_bad_input_publishes_nothing() {
    let app = spawn_app().await;
    let kim = creator("creator-kim");
    let creator_id = app.register("creator-kim", "alley.cook").await;
    let lee = creator("creator-lee");
    let lee_id = app.register("creator-lee", "lee.bakes").await;
    let merchant = Uuid::now_v7();
    let shop = merchant_actor(merchant);

    // No collaboration yet: neither the creator nor the merchant may credit it.
    let mine = video(merchant, Some(creator_id), &[product(1)]);
    app.post("/videos", &kim, mine.clone()).await.error(
        StatusCode::CONFLICT,
        "COLLABORATION_NOT_ACTIVE",
        None,
    );
    app.post("/videos", &shop, mine.clone()).await.error(
        StatusCode::CONFLICT,
        "COLLABORATION_NOT_ACTIVE",
        None,
    );
    // Proposed but not accepted is not active either.
    collaboration(&app, &shop, &kim, merchant, creator_id, false).await;
    app.post("/videos", &kim, mine.clone()).await.error(
        StatusCode::CONFLICT,
        "COLLABORATION_NOT_ACTIVE",
        None,
    );
    // Another merchant's collaboration does not count.
    let elsewhere = Uuid::now_v7();
    collaboration(
        &app,
        &merchant_actor(elsewhere),
        &kim,
        elsewhere,
        creator_id,
        true,
    )
    .await;
    app.post("/videos", &kim, mine.clone()).await.error(
        StatusCode::CONFLICT,
        "COLLABORATION_NOT_ACTIVE",
        None,
    );

    // Active now, but it does not cover product 3.
    collaboration(&app, &shop, &kim, merchant, creator_id, true).await;
    app.post(
        "/videos",
        &kim,
        video(merchant, Some(creator_id), &[product(1), product(3)]),
    )
    .await
    .error(StatusCode::FORBIDDEN, "PRODUCT_NOT_COVERED", None);
    // Lee has no collaboration: the merchant may not credit it; Kim may not
    // publish as Lee; a creator names its creator.
    app.post(
        "/videos",
        &shop,
        video(merchant, Some(lee_id), &[product(1)]),
    )
    .await
    .error(StatusCode::CONFLICT, "COLLABORATION_NOT_ACTIVE", None);
    app.post(
        "/videos",
        &kim,
        video(merchant, Some(lee_id), &[product(1)]),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post("/videos", &lee, video(merchant, None, &[product(1)]))
        .await
        .error(StatusCode::BAD_REQUEST, "FIELD_REQUIRED", Some("creatorId"));
    app.post(
        "/videos",
        &kim,
        video(merchant, Some(Uuid::now_v7()), &[product(1)]),
    )
    .await
    .error(StatusCode::NOT_FOUND, "CREATOR_NOT_FOUND", None);
    // Another merchant, a citizen, nobody.
    app.post(
        "/videos",
        &merchant_actor(elsewhere),
        video(merchant, None, &[product(1)]),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post(
        "/videos",
        &citizen("c-1"),
        video(merchant, None, &[product(1)]),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);

    let bad = |change: Value| {
        let mut body = video(merchant, Some(creator_id), &[product(1)]);
        for (key, value) in change.as_object().expect("an object") {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (json!({"title": " "}), "FIELD_REQUIRED", "title"),
        (json!({"title": "가".repeat(81)}), "FIELD_TOO_LONG", "title"),
        (
            json!({"url": "http://youtube.com/v"}),
            "VIDEO_URL_INVALID",
            "url",
        ),
        (
            json!({"url": format!("https://youtube.com/{}", "a".repeat(481))}),
            "VIDEO_URL_INVALID",
            "url",
        ),
        (
            json!({"products": []}),
            "VIDEO_PRODUCTS_INVALID",
            "products",
        ),
        (
            json!({"products": [product(1), product(1)]}),
            "DUPLICATE_ENTRY",
            "products",
        ),
    ];
    for (change, code, field) in cases {
        app.post("/videos", &kim, bad(change)).await.error(
            StatusCode::BAD_REQUEST,
            code,
            Some(field),
        );
    }
    let platform = app
        .post("/videos", &kim, bad(json!({"platform": "MYSPACE"})))
        .await;
    assert_eq!(
        platform.status,
        StatusCode::BAD_REQUEST,
        "{}",
        platform.body
    );

    // Nothing was published.
    assert!(
        listed(&app, &format!("/merchants/{merchant}/videos"))
            .await
            .is_empty()
    );
    assert!(
        listed(&app, &format!("/products/{}/videos", product(1)))
            .await
            .is_empty()
    );
    assert!(
        listed(&app, &format!("/creators/{creator_id}/videos"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn publishing_keeps_the_idempotency_contract() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let shop = merchant_actor(merchant);
    let body = video(merchant, None, &[product(1)]);
    let mut other_body = body.clone();
    other_body["title"] = json!("다른 영상");
    let command = Replayable {
        method: Method::POST,
        path: "/videos".into(),
        body,
        other_body,
    };
    assert_idempotent(&app, &shop, &command, || async {
        listed(&app, &format!("/merchants/{merchant}/videos"))
            .await
            .len()
    })
    .await;
}

#[tokio::test]
async fn videos_and_their_lists_survive_a_restart() {
    let app = spawn_app().await;
    let kim = creator("creator-kim");
    let creator_id = app.register("creator-kim", "alley.cook").await;
    let merchant = Uuid::now_v7();
    let shop = merchant_actor(merchant);
    collaboration(&app, &shop, &kim, merchant, creator_id, true).await;
    let kept = app
        .post(
            "/videos",
            &kim,
            video(merchant, Some(creator_id), &[product(2)]),
        )
        .await;
    let kept = kept.expect(StatusCode::CREATED).clone();
    let gone = app
        .post("/videos", &shop, video(merchant, None, &[product(2)]))
        .await;
    let gone = id_of(gone.expect(StatusCode::CREATED));
    app.post(&format!("/videos/{gone}/unpublishing"), &shop, json!({}))
        .await
        .expect(StatusCode::OK);

    let app = app.restart().await;
    let id = id_of(&kept);
    let read = app.get(&format!("/videos/{id}")).await;
    assert_eq!(read.expect(StatusCode::OK), &kept);
    let ids = vec![json!(id)];
    assert_eq!(
        listed(&app, &format!("/products/{}/videos", product(2))).await,
        ids
    );
    assert_eq!(
        listed(&app, &format!("/creators/{creator_id}/videos")).await,
        ids
    );
    let down = app.get(&format!("/videos/{gone}")).await;
    assert_eq!(down.expect(StatusCode::OK)["status"], "UNPUBLISHED");
    // The creator still unpublishes its video after the restart.
    app.post(&format!("/videos/{id}/unpublishing"), &kim, json!({}))
        .await
        .expect(StatusCode::OK);
    assert!(
        listed(&app, &format!("/merchants/{merchant}/videos"))
            .await
            .is_empty()
    );
}
