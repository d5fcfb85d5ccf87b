use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_official_creates_a_programme_that_everyone_signed_in_can_read() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let read = app
        .get(&format!("/programmes/{programme}"), &citizen("kim"))
        .await;
    let view = read.expect(StatusCode::OK);
    assert_eq!(view["issuer"], "서울특별시 중구");
    assert_eq!(view["discountBps"], 1000);
    assert_eq!(view["budgetRemaining"], 1_000_000);
    let listed = app.get("/programmes", &citizen("kim")).await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"][0]["id"],
        programme.to_string()
    );
    // The budget is funded from the issuer float in the ledger.
    assert_eq!(
        app.account(programme, "subsidy_budget").await["balance"],
        1_000_000
    );
    app.assert_balanced(programme).await;
    app.stop().await;
}

#[tokio::test]
async fn only_officials_create_programmes_and_bad_terms_name_their_field() {
    let app = spawn_app().await;
    app.post("/programmes", &citizen("kim"), programme_body())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let mut body = programme_body();
    body["discountBps"] = json!(9000);
    app.post("/programmes", &official(), body).await.error(
        StatusCode::BAD_REQUEST,
        "RATE_OUT_OF_RANGE",
        Some("discountBps"),
    );
    let mut body = programme_body();
    body["validUntil"] = json!("2019-01-01");
    app.post("/programmes", &official(), body).await.error(
        StatusCode::BAD_REQUEST,
        "VALIDITY_REVERSED",
        Some("validUntil"),
    );
    let mut body = programme_body();
    body.as_object_mut().unwrap().remove("budget");
    app.post("/programmes", &official(), body).await.error(
        StatusCode::BAD_REQUEST,
        "FIELD_REQUIRED",
        Some("budget"),
    );
    let listed = app.get("/programmes", &official()).await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"],
        json!([]),
        "nothing partial was created"
    );
    app.get("/programmes/not-a-uuid", &official()).await.error(
        StatusCode::NOT_FOUND,
        "PROGRAMME_NOT_FOUND",
        None,
    );
    app.stop().await;
}

#[tokio::test]
async fn lists_page_with_their_own_cursors_and_refuse_any_other() {
    let app = spawn_app().await;
    let first = app.programme(json!({})).await;
    let second = app.programme(json!({})).await;
    let page = app.get("/programmes?first=1", &citizen("kim")).await;
    let page = page.expect(StatusCode::OK).clone();
    assert_eq!(page["items"][0]["id"], first.to_string());
    let cursor = page["nextCursor"]
        .as_str()
        .expect("a next cursor")
        .to_owned();
    let next = app
        .get(
            &format!("/programmes?first=1&after={cursor}"),
            &citizen("kim"),
        )
        .await;
    assert_eq!(
        next.expect(StatusCode::OK)["items"][0]["id"],
        second.to_string()
    );
    for forged in ["garbage", "v1.zz", &first.to_string(), "%00"] {
        app.get(&format!("/programmes?after={forged}"), &citizen("kim"))
            .await
            .error(StatusCode::BAD_REQUEST, "INVALID_CURSOR", Some("after"));
    }
    app.stop().await;
}

#[tokio::test]
async fn negative_or_huge_rates_are_out_of_range_not_unparseable() {
    let app = spawn_app().await;
    for (field, value) in [
        ("discountBps", json!(-1)),
        ("discountBps", json!(4_294_967_296_i64)),
        ("feeTiers.micro", json!(-5)),
    ] {
        let mut body = programme_body();
        match field.split_once('.') {
            Some((outer, inner)) => body[outer][inner] = value,
            None => body[field] = value,
        }
        let reply = app.post("/programmes", &official(), body).await;
        reply.error(StatusCode::BAD_REQUEST, "RATE_OUT_OF_RANGE", Some(field));
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            !message.contains("invalid value") && !message.contains("expected"),
            "{message}"
        );
    }
    let listed = app.get("/programmes", &official()).await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
    app.stop().await;
}
