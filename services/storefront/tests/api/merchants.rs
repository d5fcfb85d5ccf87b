use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

#[tokio::test]
async fn a_registered_merchant_can_be_read_back() {
    let app = spawn_app().await;
    let mut body = retailer();
    let number = body["businessNumber"].as_str().unwrap().replace('-', "");
    body["businessNumber"] = json!(number);
    let created = app.post("/merchants", &operator(), body).await;
    let merchant = created.expect(StatusCode::CREATED).clone();
    assert!(
        created.headers.get("x-golmok-consistency").is_none(),
        "the read models caught up before the answer"
    );
    assert_eq!(
        merchant["businessNumber"]
            .as_str()
            .unwrap()
            .replace('-', ""),
        number
    );
    assert_eq!(merchant["businessNumber"].as_str().unwrap().len(), 12);
    assert_eq!(merchant["status"], "ACTIVE");
    assert_eq!(merchant["kind"], "RETAILER");
    assert_eq!(merchant["heritage"], Value::Null);
    assert_eq!(merchant["suspensionReason"], Value::Null);
    assert_eq!(merchant["channelOnboardings"], json!([]));
    assert_eq!(merchant["version"], 1);
    let id = id_of(&merchant);
    let read = app.get(&format!("/merchants/{id}"), None).await;
    assert_eq!(read.expect(StatusCode::OK), &merchant);
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let app = spawn_app().await;
    app.get(&format!("/merchants/{}", Uuid::now_v7()), None)
        .await
        .error(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND", None);
    app.get("/merchants/not-a-uuid", None).await.error(
        StatusCode::NOT_FOUND,
        "MERCHANT_NOT_FOUND",
        None,
    );
    app.get("/nowhere", None)
        .await
        .error(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", None);
}

#[tokio::test]
async fn a_bad_checksum_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let mut body = retailer();
    let number = body["businessNumber"].as_str().unwrap().to_owned();
    let last = number.chars().last().unwrap().to_digit(10).unwrap();
    body["businessNumber"] = json!(format!("{}{}", &number[..11], (last + 1) % 10));
    app.post("/merchants", &operator(), body.clone())
        .await
        .error(
            StatusCode::BAD_REQUEST,
            "BUSINESS_NUMBER_CHECKSUM_MISMATCH",
            Some("businessNumber"),
        );
    body["businessNumber"] = json!("12-34");
    app.post("/merchants", &operator(), body).await.error(
        StatusCode::BAD_REQUEST,
        "BUSINESS_NUMBER_MALFORMED",
        Some("businessNumber"),
    );
    let listed = app.get("/merchants", None).await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn registration_input_errors_name_the_field() {
    let app = spawn_app().await;
    let mut blank = retailer();
    blank["name"] = json!("  ");
    app.post("/merchants", &operator(), blank).await.error(
        StatusCode::BAD_REQUEST,
        "FIELD_REQUIRED",
        Some("name"),
    );
    let mut kind = retailer();
    kind["kind"] = json!("SHOP");
    app.post("/merchants", &operator(), kind).await.error(
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD",
        Some("kind"),
    );
    let mut missing = retailer();
    missing.as_object_mut().unwrap().remove("district");
    app.post("/merchants", &operator(), missing).await.error(
        StatusCode::BAD_REQUEST,
        "FIELD_REQUIRED",
        Some("district"),
    );
    let mut future = retailer();
    future["foundedOn"] = json!("2999-01-01");
    app.post("/merchants", &operator(), future).await.error(
        StatusCode::BAD_REQUEST,
        "FOUNDED_IN_FUTURE",
        Some("foundedOn"),
    );
    let garbage = app
        .call(
            reqwest::Method::POST,
            "/merchants",
            Some(&operator()),
            None,
            None,
        )
        .await;
    garbage.error(
        StatusCode::BAD_REQUEST,
        "FIELD_REQUIRED",
        Some("businessNumber"),
    );
}

#[tokio::test]
async fn callers_are_authenticated_and_authorized() {
    let app = spawn_app().await;
    app.call(
        reqwest::Method::POST,
        "/merchants",
        None,
        None,
        Some(retailer()),
    )
    .await
    .error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None);
    app.post("/merchants", &citizen("c"), retailer())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    // The actor as plain JSON, as the header was before the gateway signed
    // it: refused, never read as anonymous.
    let response = app
        .client
        .post(format!("{}/merchants", app.address))
        .header("x-golmok-actor", "{\"role\":\"king\"}")
        .json(&retailer())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "ACTOR_ASSERTION_INVALID");
}

#[tokio::test]
async fn a_merchant_signs_itself_up_under_its_token_id() {
    let app = spawn_app().await;
    let id = Uuid::now_v7();
    let created = app
        .post("/merchants", &merchant_actor(id), retailer())
        .await;
    assert_eq!(id_of(created.expect(StatusCode::CREATED)), id);
    app.post("/merchants", &merchant_actor(id), retailer())
        .await
        .error(StatusCode::CONFLICT, "MERCHANT_ALREADY_REGISTERED", None);
}

#[tokio::test]
async fn a_business_number_registers_once_with_or_without_dashes() {
    let app = spawn_app().await;
    let first = retailer();
    app.merchant(first.clone()).await;
    let mut again = retailer();
    again["businessNumber"] = json!(first["businessNumber"].as_str().unwrap().replace('-', ""));
    app.post("/merchants", &operator(), again).await.error(
        StatusCode::CONFLICT,
        "BUSINESS_NUMBER_TAKEN",
        Some("businessNumber"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_number_admit_exactly_one() {
    let app = spawn_app().await;
    let number = business_number();
    let attempts = (0..8).map(|i| {
        let mut body = retailer();
        body["businessNumber"] = json!(number);
        body["name"] = json!(format!("가게 {i}"));
        let app = &app;
        async move { app.post("/merchants", &operator(), body).await }
    });
    let replies = join_all(attempts).await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{replies:#?}");
    for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        reply.error(
            StatusCode::CONFLICT,
            "BUSINESS_NUMBER_TAKEN",
            Some("businessNumber"),
        );
    }
    let listed = app.get("/merchants", None).await;
    let items = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["businessNumber"], json!(number));
}

#[tokio::test]
async fn heritage_needs_the_years_and_an_official() {
    let app = spawn_app().await;
    let young = app.merchant(retailer()).await;
    app.post(
        &format!("/merchants/{young}/heritage"),
        &merchant_actor(young),
        json!({"badge": "CENTURY_STORE"}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "HERITAGE_TOO_YOUNG",
        Some("badge"),
    );
    app.post(
        &format!("/merchants/{young}/heritage"),
        &merchant_actor(young),
        json!({"badge": "MASTER_ARTISAN"}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "HERITAGE_REQUIRES_MANUFACTURER",
        Some("badge"),
    );

    let old = app
        .merchant(registration(
            "MANUFACTURER",
            "1960-05-05",
            "성수",
            "leather",
        ))
        .await;
    let applied = app
        .post(
            &format!("/merchants/{old}/heritage"),
            &merchant_actor(old),
            json!({"badge": "CENTURY_STORE"}),
        )
        .await;
    assert_eq!(
        applied.expect(StatusCode::OK)["heritage"]["status"],
        "APPLIED"
    );
    let approval = format!("/merchants/{old}/heritage/approval");
    for outsider in [merchant_actor(old), expert(), operator(), citizen("c")] {
        app.post(&approval, &outsider, json!({})).await.error(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            None,
        );
    }
    let approved = app.post(&approval, &official(), json!({})).await;
    let heritage = approved.expect(StatusCode::OK)["heritage"].clone();
    assert_eq!(heritage["status"], "APPROVED");
    assert_eq!(heritage["badge"], "CENTURY_STORE");
    assert_eq!(heritage["decidedBy"], "official-jung-gu");
    assert!(heritage["decidedAt"].is_string());
    app.post(&approval, &official(), json!({})).await.error(
        StatusCode::CONFLICT,
        "NO_PENDING_HERITAGE_APPLICATION",
        None,
    );
    let listed = app.get("/merchants?heritage=CENTURY_STORE", None).await;
    let items = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.iter().map(id_of).collect::<Vec<_>>(), vec![old]);
    app.get("/merchants?heritage=GOLD", None).await.error(
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
        Some("heritage"),
    );
}

#[tokio::test]
async fn a_rejected_heritage_application_keeps_the_reason() {
    let app = spawn_app().await;
    let id = app
        .merchant(registration("MANUFACTURER", "2000-01-01", "성수", "shoes"))
        .await;
    app.post(
        &format!("/merchants/{id}/heritage"),
        &merchant_actor(id),
        json!({"badge": "MASTER_ARTISAN"}),
    )
    .await
    .expect(StatusCode::OK);
    let rejected = app
        .post(
            &format!("/merchants/{id}/heritage/rejection"),
            &official(),
            json!({"reason": "증빙 부족"}),
        )
        .await;
    let heritage = &rejected.expect(StatusCode::OK)["heritage"];
    assert_eq!(
        (heritage["status"].as_str(), heritage["reason"].as_str()),
        (Some("REJECTED"), Some("증빙 부족"))
    );
    let listed = app.get("/merchants?heritage=MASTER_ARTISAN", None).await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn diagnoses_route_by_the_configured_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&dir);
    settings.diagnosis.marketability_threshold = 70;
    settings.diagnosis.online_capability_threshold = 40;
    let app = spawn_with(dir, settings).await;
    let id = app.merchant(retailer()).await;
    let path = format!("/merchants/{id}/diagnoses");
    for (marketability, online, route) in [
        (70, 40, "CHANNEL_LISTING"),
        (90, 39, "DEDICATED_SELLER"),
        (69, 100, "EDUCATION"),
    ] {
        let reply = app
            .post(
                &path,
                &expert(),
                json!({"marketability": marketability, "onlineCapability": online, "notes": "n"}),
            )
            .await;
        let diagnosis = &reply.expect(StatusCode::OK)["diagnosis"];
        assert_eq!(diagnosis["route"], route, "{marketability}/{online}");
        assert_eq!(diagnosis["expert"], "expert-kim");
        assert_eq!(diagnosis["marketability"], marketability);
    }
    app.post(
        &path,
        &expert(),
        json!({"marketability": 101, "onlineCapability": 5}),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "SCORE_OUT_OF_RANGE",
        Some("marketability"),
    );
    app.post(
        &path,
        &expert(),
        json!({"marketability": 5, "onlineCapability": -1}),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "SCORE_OUT_OF_RANGE",
        Some("onlineCapability"),
    );
    app.post(
        &path,
        &merchant_actor(id),
        json!({"marketability": 5, "onlineCapability": 5}),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
}

#[tokio::test]
async fn channel_onboarding_goes_through_review() {
    let app = spawn_app().await;
    let id = app.merchant(retailer()).await;
    let requested = app
        .post(
            &format!("/merchants/{id}/channel-onboardings"),
            &merchant_actor(id),
            json!({"channel": "Shopee", "market": "GLOBAL"}),
        )
        .await;
    let onboarding = requested.expect(StatusCode::OK)["channelOnboardings"][0].clone();
    assert_eq!(onboarding["status"], "REQUESTED");
    let path = format!(
        "/merchants/{id}/channel-onboardings/{}",
        onboarding["id"].as_str().unwrap()
    );
    app.put(&path, &merchant_actor(id), json!({"status": "LIVE"}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.put(&path, &official(), json!({"status": "LIVE"}))
        .await
        .error(
            StatusCode::CONFLICT,
            "ONBOARDING_TRANSITION_NOT_ALLOWED",
            Some("status"),
        );
    app.put(&path, &official(), json!({"status": "IN_REVIEW"}))
        .await
        .expect(StatusCode::OK);
    let live = app.put(&path, &operator(), json!({"status": "LIVE"})).await;
    assert_eq!(
        live.expect(StatusCode::OK)["channelOnboardings"][0]["status"],
        "LIVE"
    );
    app.put(
        &format!("/merchants/{id}/channel-onboardings/{}", Uuid::now_v7()),
        &official(),
        json!({"status": "LIVE"}),
    )
    .await
    .error(StatusCode::NOT_FOUND, "ONBOARDING_NOT_FOUND", None);
}

#[tokio::test]
async fn suspension_hides_a_merchant_from_the_public_directory() {
    let app = spawn_app().await;
    let id = app.merchant(retailer()).await;
    let suspension = format!("/merchants/{id}/suspension");
    app.post(&suspension, &merchant_actor(id), json!({"reason": "x"}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let suspended = app
        .post(
            &suspension,
            &official(),
            json!({"reason": "상품권 깡 의심"}),
        )
        .await;
    let body = suspended.expect(StatusCode::OK);
    assert_eq!(
        (body["status"].as_str(), body["suspensionReason"].as_str()),
        (Some("SUSPENDED"), Some("상품권 깡 의심"))
    );
    app.post(&suspension, &official(), json!({"reason": "again"}))
        .await
        .error(StatusCode::CONFLICT, "MERCHANT_ALREADY_SUSPENDED", None);
    let public = app.get("/merchants", None).await;
    assert_eq!(public.expect(StatusCode::OK)["items"], json!([]));
    app.get("/merchants?includeSuspended=true", Some(&citizen("c")))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let all = app
        .get("/merchants?includeSuspended=true", Some(&official()))
        .await;
    assert_eq!(
        all.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let reinstated = app.delete(&suspension, &operator()).await;
    assert_eq!(reinstated.expect(StatusCode::OK)["status"], "ACTIVE");
    let public = app.get("/merchants", None).await;
    assert_eq!(
        public.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn directory_filters_combine_and_pages_follow_cursors() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for (district, category) in [
        ("을지로", "food"),
        ("을지로", "print"),
        ("성수", "food"),
        ("을지로", "food"),
        ("을지로", "food"),
    ] {
        ids.push(
            app.merchant(registration("RETAILER", "2010-01-01", district, category))
                .await,
        );
    }
    let wanted: Vec<Uuid> = vec![ids[0], ids[3], ids[4]];
    let query = "/merchants?district=%EC%9D%84%EC%A7%80%EB%A1%9C&category=food";
    let page = app.get(&format!("{query}&first=2"), None).await;
    let page = page.expect(StatusCode::OK).clone();
    let first: Vec<Uuid> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(first, wanted[..2]);
    let cursor = page["nextCursor"].as_str().expect("a next page");
    let rest = app
        .get(&format!("{query}&first=2&after={cursor}"), None)
        .await;
    let rest = rest.expect(StatusCode::OK).clone();
    let second: Vec<Uuid> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(second, wanted[2..]);
    assert_eq!(rest["nextCursor"], Value::Null);
    let by_category = app.get("/merchants?category=food", None).await;
    assert_eq!(
        by_category.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    app.get("/merchants?first=0", None).await.error(
        StatusCode::BAD_REQUEST,
        "INVALID_PAGE_SIZE",
        Some("first"),
    );
    app.get("/merchants?first=101", None).await.error(
        StatusCode::BAD_REQUEST,
        "INVALID_PAGE_SIZE",
        Some("first"),
    );
    app.get("/merchants?after=nope", None).await.error(
        StatusCode::BAD_REQUEST,
        "INVALID_CURSOR",
        Some("after"),
    );
}

#[tokio::test]
async fn a_profile_change_moves_the_merchant_in_the_directory() {
    let app = spawn_app().await;
    let id = app
        .merchant(registration("RETAILER", "2010-01-01", "을지로", "food"))
        .await;
    let patched = app
        .patch(
            &format!("/merchants/{id}"),
            &merchant_actor(id),
            json!({"district": "성수", "revenueTier": "SMALL"}),
        )
        .await;
    let body = patched.expect(StatusCode::OK);
    assert_eq!(
        (
            body["district"].as_str(),
            body["revenueTier"].as_str(),
            body["version"].as_u64()
        ),
        (Some("성수"), Some("SMALL"), Some(2))
    );
    let old = app
        .get("/merchants?district=%EC%9D%84%EC%A7%80%EB%A1%9C", None)
        .await;
    assert_eq!(old.expect(StatusCode::OK)["items"], json!([]));
    let new = app
        .get("/merchants?district=%EC%84%B1%EC%88%98", None)
        .await;
    assert_eq!(new.expect(StatusCode::OK)["items"][0]["district"], "성수");
    app.patch(
        &format!("/merchants/{id}"),
        &merchant_actor(id),
        json!({"name": ""}),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "FIELD_REQUIRED", Some("name"));
    app.patch(
        &format!("/merchants/{id}"),
        &merchant_actor(id),
        json!({"colour": "red"}),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "UNKNOWN_FIELD", Some("colour"));
}

/// Body errors are a code, the field and a sentence for the partner; serde's
/// wording (positions, expected types, enum variants) never comes back.
#[tokio::test]
async fn body_errors_are_written_for_partners() {
    let app = spawn_app().await;
    let with = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut body = retailer();
        change(&mut body);
        body
    };
    let cases = [
        (
            with(&|b| b["kind"] = json!("SHOP")),
            "INVALID_FIELD",
            Some("kind"),
        ),
        (
            with(&|b| b["name"] = json!(42)),
            "INVALID_FIELD",
            Some("name"),
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("district");
            }),
            "FIELD_REQUIRED",
            Some("district"),
        ),
        (
            with(&|b| b["colour"] = json!("red")),
            "UNKNOWN_FIELD",
            Some("colour"),
        ),
        (json!("a merchant"), "INVALID_FIELD", None),
    ];
    for (body, code, field) in cases {
        let reply = app.post("/merchants", &operator(), body).await;
        reply.error(StatusCode::BAD_REQUEST, code, field);
        let message = reply.body["message"].as_str().unwrap();
        if let Some(field) = field {
            assert!(message.contains(field), "{message}");
        }
        for leak in [
            "line ",
            "column",
            "expected",
            "variant",
            "invalid type",
            "`",
        ] {
            assert!(!message.contains(leak), "{leak:?} in {message:?}");
        }
    }
    let broken = app
        .client
        .post(format!("{}/merchants", app.address))
        .header(golmok_runtime::ACTOR_HEADER, app.assertion(&operator()))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = broken.json().await.unwrap();
    assert_eq!(body["code"], "MALFORMED_BODY");
    assert_eq!(body["message"], "the request body is not valid JSON");
}
