//! Training over HTTP: officials open a cohort, creators enroll themselves,
//! officials record attendance, completion certifies and the creator's tier
//! follows.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, creator, official, spawn_app};

fn cohort_body(capacity: i64, pass_mark: i64) -> Value {
    let first = Utc::now() + Duration::days(7);
    json!({
        "name": "2026 봄 1기",
        "sessions": [
            {"title": "라이브 커머스 기초", "at": first},
            {"title": "촬영과 조명", "at": first + Duration::weeks(1)},
            {"title": "정산과 세금", "at": first + Duration::weeks(2)},
        ],
        "capacity": capacity,
        "passMark": pass_mark,
    })
}

async fn open(app: &TestApp, capacity: i64) -> Uuid {
    let reply = app
        .post("/cohorts", &official(), cohort_body(capacity, 2))
        .await;
    crate::helpers::id_of(reply.expect(StatusCode::CREATED))
}

#[tokio::test]
async fn completing_a_cohort_certifies_who_attended_enough_and_their_tier_follows() {
    let app = spawn_app().await;
    let kim = app.register("creator-kim", "kim.cook").await;
    let lee = app.register("creator-lee", "lee.baker").await;
    let cohort = open(&app, 30).await;
    for (subject, id) in [("creator-kim", kim), ("creator-lee", lee)] {
        app.post(
            &format!("/cohorts/{cohort}/enrollments"),
            &creator(subject),
            json!({"creatorId": id}),
        )
        .await
        .expect(StatusCode::OK);
    }
    // Enrolling someone else's creator is not for a creator to do.
    app.post(
        &format!("/cohorts/{cohort}/enrollments"),
        &creator("creator-kim"),
        json!({"creatorId": lee}),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let attend = |session: i64, who: Vec<Uuid>| json!({"session": session, "creatorIds": who});
    app.post(
        &format!("/cohorts/{cohort}/attendance"),
        &official(),
        attend(0, vec![kim, lee]),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/cohorts/{cohort}/attendance"),
        &official(),
        attend(1, vec![kim]),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/cohorts/{cohort}/attendance"),
        &creator("creator-kim"),
        attend(2, vec![kim]),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.post(
        &format!("/cohorts/{cohort}/attendance"),
        &official(),
        attend(3, vec![kim]),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "SESSION_NOT_FOUND",
        Some("session"),
    );
    app.post(
        &format!("/cohorts/{cohort}/attendance"),
        &official(),
        attend(2, vec![Uuid::now_v7()]),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "CREATOR_NOT_ENROLLED",
        Some("creatorIds"),
    );

    let completed = app
        .post(
            &format!("/cohorts/{cohort}/completion"),
            &official(),
            json!({}),
        )
        .await;
    let completed = completed.expect(StatusCode::OK).clone();
    assert_eq!(
        completed["members"],
        json!([
            {"creatorId": kim, "attended": [0, 1], "certified": true},
            {"creatorId": lee, "attended": [0], "certified": false},
        ])
    );
    assert_eq!(
        app.get(&format!("/cohorts/{cohort}"))
            .await
            .expect(StatusCode::OK),
        &completed,
        "the read model agrees with the reply"
    );
    let kim_view = app.get(&format!("/creators/{kim}")).await;
    let kim_view = kim_view.expect(StatusCode::OK);
    assert_eq!(
        (kim_view["tier"].clone(), kim_view["certifications"].clone()),
        (json!("CERTIFIED"), json!([cohort]))
    );
    let listed = app.get("/creators?first=100").await;
    let tiers: Vec<Value> = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["handle"], c["tier"]]))
        .collect();
    assert_eq!(
        tiers,
        vec![
            json!(["kim.cook", "CERTIFIED"]),
            json!(["lee.baker", "NEW"])
        ],
        "the list agrees"
    );
    let lee_view = app.get(&format!("/creators/{lee}")).await;
    assert_eq!(lee_view.expect(StatusCode::OK)["tier"], "NEW");
    app.post(
        &format!("/cohorts/{cohort}/enrollments"),
        &official(),
        json!({"creatorId": lee}),
    )
    .await
    .error(StatusCode::CONFLICT, "COHORT_COMPLETED", None);
}

#[tokio::test]
async fn a_cohort_takes_no_more_than_its_capacity_and_bad_terms_leave_nothing() {
    let app = spawn_app().await;
    let cohort = open(&app, 1).await;
    let kim = app.register("creator-kim", "kim.cook").await;
    let lee = app.register("creator-lee", "lee.baker").await;
    let enroll = |id: Uuid| json!({"creatorId": id});
    app.post(
        &format!("/cohorts/{cohort}/enrollments"),
        &official(),
        enroll(kim),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/cohorts/{cohort}/enrollments"),
        &official(),
        enroll(lee),
    )
    .await
    .error(StatusCode::CONFLICT, "COHORT_FULL", None);
    app.post(
        &format!("/cohorts/{cohort}/enrollments"),
        &official(),
        enroll(Uuid::now_v7()),
    )
    .await
    .error(StatusCode::NOT_FOUND, "CREATOR_NOT_FOUND", None);
    for (body, code, field) in [
        (cohort_body(0, 1), "COHORT_CAPACITY_INVALID", "capacity"),
        (cohort_body(501, 1), "COHORT_CAPACITY_INVALID", "capacity"),
        (cohort_body(30, 4), "PASS_MARK_INVALID", "passMark"),
        (cohort_body(30, -1), "PASS_MARK_INVALID", "passMark"),
    ] {
        app.post("/cohorts", &official(), body).await.error(
            StatusCode::BAD_REQUEST,
            code,
            Some(field),
        );
    }
    app.post("/cohorts", &creator("creator-kim"), cohort_body(30, 1))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    assert_eq!(app.count("/cohorts").await, 1);
}
