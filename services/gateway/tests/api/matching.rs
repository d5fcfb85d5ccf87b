//! Matching through the gateway: creator media follows the storefront's
//! merchants (category, area, diagnosis) over the bus and recommends the
//! creators the programme's training certified, with the reasons shown, only
//! to those who may see them.

use std::time::{Duration, Instant};

use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::open_shop;
use crate::support::{TestApp, error_codes, spawn_app};

const REGISTER: &str = "mutation($input: RegisterCreatorInput!) {
  registerCreator(input: $input) { creator { id } userErrors { code } }
}";

const MATCHES: &str = "query($id: ID!, $first: Int) {
  merchant(id: $id) {
    recommendedCreators(first: $first) { creator { handle } score reasons { code detail points } }
  }
}";

const COHORT: &str = "trainingCohort { id members { creator { handle tier } attended certified } }
  userErrors { field code }";

/// Registers a creator with its own token (subject `creator-<handle>`);
/// returns its global id.
async fn creator(
    app: &TestApp,
    handle: &str,
    categories: &[&str],
    region: &str,
    channel: (&str, i64),
) -> String {
    let token = app.token_for(&format!("creator-{handle}"), Role::Creator, None);
    let input = json!({
        "handle": handle, "displayName": handle,
        "channels": [{"platform": channel.0, "url": format!("https://example.com/{handle}"), "audience": channel.1}],
        "categories": categories, "region": region, "languages": ["ko"],
    });
    let data = app
        .data(Some(&token), REGISTER, json!({"input": input}))
        .await;
    assert_eq!(data["registerCreator"]["userErrors"], json!([]), "{data}");
    data["registerCreator"]["creator"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn cohort_step(app: &TestApp, token: &str, field: &str, input: Value) -> Value {
    let input_type = field[..1].to_uppercase() + &field[1..] + "Input";
    let query =
        format!("mutation($input: {input_type}!) {{ {field}(input: $input) {{ {COHORT} }} }}");
    let data = app.data(Some(token), &query, json!({"input": input})).await;
    assert_eq!(data[field]["userErrors"], json!([]), "{field}: {data}");
    data[field]["trainingCohort"].clone()
}

/// The programme trains `creators` (handle, global id; each enrolls itself
/// with its own token) in a one-session cohort and certifies them; returns
/// the completed cohort.
async fn certify(app: &TestApp, creators: &[(&str, &str)]) -> Value {
    let official = app.token(Role::Official, None);
    let sessions = json!([{"title": "라이브 커머스 기초", "at": "2027-03-02T01:00:00Z"}]);
    let opened = cohort_step(
        app,
        &official,
        "openTrainingCohort",
        json!({"name": "2026 봄 1기", "sessions": sessions, "capacity": 30, "passMark": 1}),
    )
    .await;
    let cohort = opened["id"].clone();
    for (handle, id) in creators {
        let own = app.token_for(&format!("creator-{handle}"), Role::Creator, None);
        cohort_step(
            app,
            &own,
            "enrollInTraining",
            json!({"cohortId": cohort, "creatorId": id}),
        )
        .await;
    }
    let ids: Vec<&str> = creators.iter().map(|(_, id)| *id).collect();
    cohort_step(
        app,
        &official,
        "recordTrainingAttendance",
        json!({"cohortId": cohort, "session": 0, "creatorIds": ids}),
    )
    .await;
    cohort_step(
        app,
        &official,
        "completeTrainingCohort",
        json!({"cohortId": cohort}),
    )
    .await
}

async fn matches(app: &TestApp, token: &str, merchant: &str, first: i64) -> Value {
    let data = app
        .data(
            Some(token),
            MATCHES,
            json!({"id": merchant, "first": first}),
        )
        .await;
    data["merchant"]["recommendedCreators"].clone()
}

#[tokio::test]
async fn a_merchant_sees_the_certified_creators_that_fit_it_best_with_the_reasons() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await; // bakery in 망원동
    let baker = creator(
        &app,
        "mangwon.baker",
        &["Bakery"],
        "망원동",
        ("YOUTUBE", 120_000),
    )
    .await;
    let foodie = creator(
        &app,
        "busan.foodie",
        &["food", "bakery"],
        "부산",
        ("NAVER_BLOG", 800),
    )
    .await;
    let stylist = creator(
        &app,
        "haeundae.style",
        &["fashion"],
        "해운대구",
        ("INSTAGRAM", 2_000_000),
    )
    .await;
    // Registered but not trained: never placed, however well it fits.
    creator(
        &app,
        "fresh.baker",
        &["bakery"],
        "망원동",
        ("YOUTUBE", 5_000_000),
    )
    .await;
    let cohort = certify(
        &app,
        &[
            ("mangwon.baker", &baker),
            ("busan.foodie", &foodie),
            ("haeundae.style", &stylist),
        ],
    )
    .await;
    assert_eq!(
        cohort["members"],
        json!([
            {"creator": {"handle": "mangwon.baker", "tier": "FEATURED"}, "attended": [0], "certified": true},
            {"creator": {"handle": "busan.foodie", "tier": "CERTIFIED"}, "attended": [0], "certified": true},
            {"creator": {"handle": "haeundae.style", "tier": "FEATURED"}, "attended": [0], "certified": true},
        ])
    );
    // An expert's diagnosis (high marketability, low online capability)
    // routes the bakery to a dedicated seller.
    let expert = app.token_for("expert-lee", Role::Expert, None);
    let data = app
        .data(
            Some(&expert),
            "mutation($input: RecordDiagnosisInput!) { recordDiagnosis(input: $input) { merchant { diagnosis { route } } userErrors { code } } }",
            json!({"input": {"merchantId": shop.id, "marketability": 80, "onlineCapability": 30, "notes": "맛집"}}),
        )
        .await;
    assert_eq!(
        data["recordDiagnosis"]["merchant"]["diagnosis"]["route"],
        "DEDICATED_SELLER"
    );

    // Creator media reads the merchant's events from the bus: wait until the
    // diagnosis has reached it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let found = loop {
        let found = matches(&app, &shop.token, &shop.id, 10).await;
        let tracked = found[0]["reasons"]
            .as_array()
            .is_some_and(|reasons| reasons.iter().any(|r| r["code"] == "DIAGNOSIS_TRACK"));
        if tracked {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "the diagnosis never reached matching: {found}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        found,
        json!([
            {"creator": {"handle": "mangwon.baker"}, "score": 95, "reasons": [
                {"code": "SHARED_CATEGORY", "detail": "Bakery", "points": 40},
                {"code": "SAME_REGION", "detail": "망원동", "points": 25},
                {"code": "AUDIENCE", "detail": "120000", "points": 20},
                {"code": "DIAGNOSIS_TRACK", "detail": "DEDICATED_SELLER", "points": 10},
            ]},
            {"creator": {"handle": "busan.foodie"}, "score": 48, "reasons": [
                {"code": "SHARED_CATEGORY", "detail": "bakery", "points": 40},
                {"code": "AUDIENCE", "detail": "800", "points": 8},
            ]},
        ]),
        "the fashion creator far away shares neither category nor area; the untrained baker is not placed"
    );
    assert_eq!(
        matches(&app, &shop.token, &shop.id, 1)
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // The programme's officials see them too.
    let official = app.token(Role::Official, None);
    assert_eq!(matches(&app, &official, &shop.id, 10).await, found);
}

#[tokio::test]
async fn only_the_merchant_and_the_programme_see_its_recommendations() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let other = open_shop(&app, "옆집 빵집").await;
    let baker = creator(
        &app,
        "mangwon.baker",
        &["bakery"],
        "망원동",
        ("YOUTUBE", 120_000),
    )
    .await;
    certify(&app, &[("mangwon.baker", &baker)]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while matches(&app, &shop.token, &shop.id, 10)
        .await
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        assert!(
            Instant::now() < deadline,
            "the merchant never reached matching"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for token in [
        other.token.clone(),
        app.token(Role::Citizen, None),
        app.token_for("creator-mangwon.baker", Role::Creator, None),
    ] {
        assert_eq!(matches(&app, &token, &shop.id, 10).await, Value::Null);
    }
    // Too many asked for: the service's code, on the field.
    let (_, body) = app
        .graphql(
            Some(&shop.token),
            MATCHES,
            json!({"id": shop.id, "first": 51}),
        )
        .await;
    assert_eq!(error_codes(&body), vec!["INVALID_PAGE_SIZE"], "{body}");
    assert_eq!(body["data"]["merchant"]["recommendedCreators"], Value::Null);
}
