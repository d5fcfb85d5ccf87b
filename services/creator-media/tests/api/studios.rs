use futures::future::join_all;
use golmok_testkit::idempotency::{Replayable, assert_idempotent};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_creator_books_a_slot_and_cancels_it_and_the_slot_is_free_again() {
    let app = spawn_app().await;
    let studio = app.studio().await;
    let kim = app.register("creator-kim", "alley.cook").await;
    let path = format!("/studios/{studio}/bookings");
    let body = json!({"creatorId": kim, "start": slot(10)});
    let booked = app.post(&path, &creator("creator-kim"), body.clone()).await;
    let booked = booked.expect(StatusCode::CREATED).clone();
    assert_eq!(booked["status"], "BOOKED");
    let booking = id_of(&booked);
    let read = app.get(&format!("/bookings/{booking}")).await;
    assert_eq!(read.expect(StatusCode::OK), &booked);

    // Someone else's booking is not theirs to cancel.
    let cancel = format!("/bookings/{booking}/cancellation");
    let lee = creator("creator-lee");
    app.post(&cancel, &lee, json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let cancelled = app.post(&cancel, &creator("creator-kim"), json!({})).await;
    assert_eq!(cancelled.expect(StatusCode::OK)["status"], "CANCELLED");
    app.post(&cancel, &creator("creator-kim"), json!({}))
        .await
        .error(StatusCode::CONFLICT, "BOOKING_ALREADY_CANCELLED", None);
    let again = app.post(&path, &creator("creator-kim"), body).await;
    again.expect(StatusCode::CREATED);
}

#[tokio::test]
async fn twenty_concurrent_bookings_of_one_slot_make_one_booking() {
    let app = spawn_app().await;
    let studio = app.studio().await;
    let mut creators = Vec::new();
    for i in 0..20 {
        let subject = format!("creator-{i}");
        let id = app.register(&subject, &format!("creator.{i}")).await;
        creators.push((creator(&subject), id));
    }
    let path = format!("/studios/{studio}/bookings");
    let start = slot(14);
    let replies = join_all(creators.iter().map(|(actor, id)| {
        let body = json!({"creatorId": id, "start": start});
        let (app, path) = (&app, &path);
        async move { app.post(path, actor, body).await }
    }))
    .await;
    let booked: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(booked.len(), 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        reply.error(StatusCode::CONFLICT, "SLOT_TAKEN", Some("start"));
    }
    let winner = id_of(&booked[0].body);
    let read = app.get(&format!("/bookings/{winner}")).await;
    assert_eq!(
        read.expect(StatusCode::OK)["start"],
        booked[0].body["start"]
    );
}

#[tokio::test]
async fn bad_bookings_are_refused_with_a_code_and_book_nothing() {
    let app = spawn_app().await;
    let studio = app.studio().await;
    let kim = app.register("creator-kim", "alley.cook").await;
    let actor = creator("creator-kim");
    let path = format!("/studios/{studio}/bookings");
    let book = |start: serde_json::Value| json!({"creatorId": kim, "start": start});
    let cases = [
        (
            book(json!(slot(8))),
            StatusCode::BAD_REQUEST,
            "SLOT_OUT_OF_RANGE",
            Some("start"),
        ),
        (
            book(json!(slot(21))),
            StatusCode::BAD_REQUEST,
            "SLOT_OUT_OF_RANGE",
            Some("start"),
        ),
        (
            book(json!(slot(10) + chrono::Duration::minutes(30))),
            StatusCode::BAD_REQUEST,
            "SLOT_MISALIGNED",
            Some("start"),
        ),
        (
            book(json!(slot(10) - chrono::Duration::days(4))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "SLOT_IN_PAST",
            Some("start"),
        ),
    ];
    for (body, status, code, field) in cases {
        app.post(&path, &actor, body)
            .await
            .error(status, code, field);
    }
    let unknown_creator = json!({"creatorId": uuid::Uuid::now_v7(), "start": slot(10)});
    app.post(&path, &operator(), unknown_creator).await.error(
        StatusCode::NOT_FOUND,
        "CREATOR_NOT_FOUND",
        None,
    );
    let not_mine = app
        .post(&path, &creator("creator-lee"), book(json!(slot(10))))
        .await;
    not_mine.error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let nowhere = format!("/studios/{}/bookings", uuid::Uuid::now_v7());
    app.post(&nowhere, &actor, book(json!(slot(10))))
        .await
        .error(StatusCode::NOT_FOUND, "STUDIO_NOT_FOUND", None);
    app.post(
        &path,
        &actor,
        json!({"creatorId": kim, "start": "tomorrow"}),
    )
    .await
    .expect(StatusCode::BAD_REQUEST);

    // None of those took the slot.
    app.post(&path, &actor, book(json!(slot(10))))
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn bad_studios_are_refused_with_a_code_and_only_officials_open_them() {
    let app = spawn_app().await;
    let spoil = |field: &str, value: serde_json::Value| {
        let mut body = studio_body();
        body[field] = value;
        body
    };
    let cases = [
        (
            spoil("slotMinutes", json!(50)),
            "SLOT_LENGTH_INVALID",
            "slotMinutes",
        ),
        (
            spoil("slotMinutes", json!(-60)),
            "SLOT_LENGTH_INVALID",
            "slotMinutes",
        ),
        (
            spoil("closeHour", json!(8)),
            "OPENING_HOURS_INVALID",
            "closeHour",
        ),
        (
            spoil("openHour", json!(300)),
            "OPENING_HOURS_INVALID",
            "closeHour",
        ),
        (spoil("name", json!("")), "FIELD_REQUIRED", "name"),
    ];
    for (body, code, field) in cases {
        app.post("/studios", &official(), body).await.error(
            StatusCode::BAD_REQUEST,
            code,
            Some(field),
        );
    }
    app.post("/studios", &creator("creator-kim"), studio_body())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    assert_eq!(app.count("/studios").await, 0);
    let studio = app.studio().await;
    let read = app.get(&format!("/studios/{studio}")).await;
    assert_eq!(read.expect(StatusCode::OK)["slotMinutes"], 60);
}

/// RELIABILITY 17 on this service's commands.
#[tokio::test]
async fn opening_a_studio_keeps_the_idempotency_contract() {
    let app = spawn_app().await;
    let command = Replayable {
        method: Method::POST,
        path: "/studios".to_owned(),
        body: studio_body(),
        other_body: json!({"name": "B", "region": "Seoul", "slotMinutes": 30, "openHour": 9, "closeHour": 18}),
    };
    assert_idempotent(&app, &official(), &command, || app.count("/studios")).await;
}

#[tokio::test]
async fn registering_and_booking_keep_the_idempotency_contract() {
    let app = spawn_app().await;
    let kim = creator("creator-kim");
    let register = |key: &'static str| {
        app.call(
            Method::POST,
            "/creators",
            Some(&kim),
            Some(key),
            Some(registration("alley.cook")),
        )
    };
    let first = register("k-1").await;
    let again = register("k-1").await;
    assert_eq!(
        first.expect(StatusCode::CREATED),
        again.expect(StatusCode::CREATED)
    );
    let raced = join_all((0..20).map(|_| register("k-2"))).await;
    for reply in &raced {
        reply.error(StatusCode::CONFLICT, "HANDLE_TAKEN", Some("handle"));
    }
    assert_eq!(app.count("/creators").await, 1);

    let studio = app.studio().await;
    let creator_id = id_of(&first.body);
    let path = format!("/studios/{studio}/bookings");
    let book = |key: &'static str| {
        let body = json!({"creatorId": creator_id, "start": slot(11)});
        app.call(Method::POST, &path, Some(&kim), Some(key), Some(body))
    };
    let raced = join_all((0..20).map(|_| book("b-1"))).await;
    for reply in &raced {
        assert_eq!(reply.expect(StatusCode::CREATED), &raced[0].body);
    }
}
