use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_creator_registers_reads_itself_and_updates_its_profile() {
    let app = spawn_app().await;
    let kim = creator("creator-kim");
    let reply = app
        .post("/creators", &kim, registration("@Alley.Cook"))
        .await;
    let created = reply.expect(StatusCode::CREATED).clone();
    assert_eq!(created["handle"], "alley.cook");
    assert_eq!(created["channels"][0]["platform"], "YOUTUBE");
    let id = id_of(&created);

    let read = app.get(&format!("/creators/{id}")).await;
    assert_eq!(read.expect(StatusCode::OK), &created);

    let path = format!("/creators/{id}");
    let body = json!({"region": "Seoul Mapo-gu", "languages": ["ko", "en"]});
    let updated = app.patch(&path, &kim, body.clone()).await;
    let updated = updated.expect(StatusCode::OK);
    assert_eq!(updated["region"], "Seoul Mapo-gu");
    assert_eq!(updated["languages"], json!(["ko", "en"]));
    assert_eq!(updated["version"], 2);
    assert_eq!(app.get(&path).await.expect(StatusCode::OK), updated);

    // Another creator may not; an operator may.
    let other = app.patch(&path, &creator("creator-lee"), body).await;
    other.error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let by_operator = app
        .patch(&path, &operator(), json!({"displayName": "골목 셰프"}))
        .await;
    assert_eq!(
        by_operator.expect(StatusCode::OK)["displayName"],
        "골목 셰프"
    );
    let missing = app
        .get(&format!("/creators/{}", uuid::Uuid::now_v7()))
        .await;
    missing.error(StatusCode::NOT_FOUND, "CREATOR_NOT_FOUND", None);
}

#[tokio::test]
async fn twenty_concurrent_registrations_of_one_handle_make_one_creator() {
    let app = spawn_app().await;
    let actors: Vec<_> = (0..20).map(|i| creator(&format!("creator-{i}"))).collect();
    let replies = join_all(actors.iter().enumerate().map(|(i, actor)| {
        let key = format!("register-{i}");
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/creators",
                Some(actor),
                Some(&key),
                Some(registration("same.handle")),
            )
            .await
        }
    }))
    .await;
    let created: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(created.len(), 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        reply.error(StatusCode::CONFLICT, "HANDLE_TAKEN", Some("handle"));
    }
    assert_eq!(app.count("/creators").await, 1);
    // Case does not make another handle.
    let upper = app
        .post(
            "/creators",
            &creator("creator-x"),
            registration("SAME.HANDLE"),
        )
        .await;
    upper.error(StatusCode::CONFLICT, "HANDLE_TAKEN", Some("handle"));
}

#[tokio::test]
async fn bad_registrations_are_refused_with_a_code_and_claim_nothing() {
    let app = spawn_app().await;
    let kim = creator("creator-kim");
    let spoil = |field: &str, value: serde_json::Value| {
        let mut body = registration("kept.handle");
        body[field] = value;
        body
    };
    let cases = [
        (
            spoil("handle", json!("a")),
            StatusCode::BAD_REQUEST,
            "HANDLE_MALFORMED",
            Some("handle"),
        ),
        (
            spoil("displayName", json!(" ")),
            StatusCode::BAD_REQUEST,
            "FIELD_REQUIRED",
            Some("displayName"),
        ),
        (
            spoil("channels", json!([])),
            StatusCode::BAD_REQUEST,
            "LIST_EMPTY",
            Some("channels"),
        ),
        (
            spoil(
                "channels",
                json!([{"platform": "YOUTUBE", "url": "https://y.example/c", "audience": -1}]),
            ),
            StatusCode::BAD_REQUEST,
            "AUDIENCE_OUT_OF_RANGE",
            Some("channels[0].audience"),
        ),
        (
            spoil(
                "channels",
                json!([{"platform": "YOUTUBE", "url": "javascript:alert(1)", "audience": 1}]),
            ),
            StatusCode::BAD_REQUEST,
            "CHANNEL_URL_INVALID",
            Some("channels[0].url"),
        ),
        (
            spoil("languages", json!(["Korean"])),
            StatusCode::BAD_REQUEST,
            "LANGUAGE_INVALID",
            Some("languages[0]"),
        ),
        (
            spoil("categories", json!(["a", "a"])),
            StatusCode::BAD_REQUEST,
            "DUPLICATE_ENTRY",
            Some("categories[1]"),
        ),
    ];
    for (body, status, code, field) in cases {
        app.post("/creators", &kim, body)
            .await
            .error(status, code, field);
    }
    let unknown = app
        .post("/creators", &kim, spoil("colour", json!("red")))
        .await;
    assert_eq!(
        unknown.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        unknown.body
    );
    let platform = app
        .post(
            "/creators",
            &kim,
            spoil(
                "channels",
                json!([{"platform": "MYSPACE", "url": "https://m.example", "audience": 1}]),
            ),
        )
        .await;
    assert_eq!(
        platform.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        platform.body
    );
    let citizen = app
        .post(
            "/creators",
            &golmok_testkit::service::citizen("c"),
            registration("kept.handle"),
        )
        .await;
    citizen.error(StatusCode::FORBIDDEN, "FORBIDDEN", None);

    // Nothing was registered, and the handle is still free.
    assert_eq!(app.count("/creators").await, 0);
    app.register("creator-kim", "kept.handle").await;
    assert_eq!(app.count("/creators").await, 1);
}

#[tokio::test]
async fn creators_are_listed_in_registration_order_with_opaque_cursors() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            app.register(&format!("creator-{i}"), &format!("creator.{i}"))
                .await,
        );
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(cursor) => format!("/creators?first=2&after={cursor}"),
            None => "/creators?first=2".to_owned(),
        };
        let page = app.get(&path).await.expect(StatusCode::OK).clone();
        seen.extend(page["items"].as_array().unwrap().iter().map(id_of));
        match page["nextCursor"].as_str() {
            Some(cursor) => {
                assert!(cursor.starts_with("v1."), "{cursor}");
                after = Some(cursor.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let forged = app.get(&format!("/creators?after={}", ids[0])).await;
    forged.error(StatusCode::BAD_REQUEST, "INVALID_CURSOR", Some("after"));
}
