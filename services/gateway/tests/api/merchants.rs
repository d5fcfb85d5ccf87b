use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::open_shop;
use crate::support::{TestApp, error_codes, spawn_app};

const MERCHANT_FIELDS: &str = "merchant { name category status suspensionReason version
  heritage { badge status appliedAt decidedAt decidedBy reason }
  diagnosis { marketability onlineCapability notes route expert }
  channelOnboardings { id channel market status } }
  userErrors { field code message }";

async fn mutate(app: &TestApp, token: &str, field: &str, input: Value) -> Value {
    let name = field[..1].to_uppercase() + &field[1..];
    let query = format!(
        "mutation($input: {name}Input!) {{ {field}(input: $input) {{ {MERCHANT_FIELDS} }} }}"
    );
    let data = app.data(Some(token), &query, json!({"input": input})).await;
    let payload = data[field].clone();
    assert_eq!(payload["userErrors"], json!([]), "{field}: {payload}");
    payload["merchant"].clone()
}

async fn directory(app: &TestApp, token: Option<&str>, filter: Value) -> Vec<String> {
    let data = app
        .data(
            token,
            "query($f: MerchantFilter) { merchants(filter: $f) { nodes { name } } }",
            json!({"f": filter}),
        )
        .await;
    data["merchants"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Every merchant mutation once, by the role that may make it.
#[tokio::test]
async fn a_merchant_through_its_whole_life() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "백년 국밥").await;
    let _other = open_shop(&app, "새 가게").await;
    let official = app.token_for("official-mapo", Role::Official, None);
    let expert = app.token_for("expert-lee", Role::Expert, None);

    let merchant = mutate(
        &app,
        &shop.token,
        "updateMerchant",
        json!({"merchantId": shop.id, "category": "restaurant"}),
    )
    .await;
    assert_eq!(
        (merchant["name"].as_str(), merchant["category"].as_str()),
        (Some("백년 국밥"), Some("restaurant"))
    );

    let merchant = mutate(
        &app,
        &shop.token,
        "applyForHeritage",
        json!({"merchantId": shop.id, "badge": "CENTURY_STORE"}),
    )
    .await;
    assert_eq!(merchant["heritage"]["status"], "APPLIED");
    assert!(merchant["heritage"]["appliedAt"].is_string());
    assert!(
        directory(&app, None, json!({"heritage": "CENTURY_STORE"}))
            .await
            .is_empty()
    );

    let merchant = mutate(
        &app,
        &official,
        "approveHeritage",
        json!({"merchantId": shop.id}),
    )
    .await;
    assert_eq!(merchant["heritage"]["status"], "APPROVED");
    assert_eq!(merchant["heritage"]["decidedBy"], "official-mapo");
    assert_eq!(
        directory(
            &app,
            None,
            json!({"heritage": "CENTURY_STORE", "district": "망원동"})
        )
        .await,
        vec!["백년 국밥"]
    );

    let merchant = mutate(
        &app,
        &expert,
        "recordDiagnosis",
        json!({"merchantId": shop.id, "marketability": 80, "onlineCapability": 30, "notes": "맛집"}),
    )
    .await;
    assert_eq!(
        merchant["diagnosis"],
        json!({"marketability": 80, "onlineCapability": 30, "notes": "맛집", "route": "DEDICATED_SELLER", "expert": "expert-lee"})
    );

    let merchant = mutate(
        &app,
        &shop.token,
        "requestChannelOnboarding",
        json!({"merchantId": shop.id, "channel": "global-mall", "market": "GLOBAL"}),
    )
    .await;
    let onboarding = merchant["channelOnboardings"][0].clone();
    assert_eq!(onboarding["status"], "REQUESTED");
    let merchant = mutate(
        &app,
        &official,
        "updateChannelOnboarding",
        json!({"merchantId": shop.id, "onboardingId": onboarding["id"], "status": "IN_REVIEW"}),
    )
    .await;
    assert_eq!(merchant["channelOnboardings"][0]["status"], "IN_REVIEW");
    assert_eq!(merchant["channelOnboardings"][0]["id"], onboarding["id"]);

    let merchant = mutate(
        &app,
        &official,
        "suspendMerchant",
        json!({"merchantId": shop.id, "reason": "깡 의심"}),
    )
    .await;
    assert_eq!(
        (
            merchant["status"].as_str(),
            merchant["suspensionReason"].as_str()
        ),
        (Some("SUSPENDED"), Some("깡 의심"))
    );
    assert_eq!(directory(&app, None, json!({})).await, vec!["새 가게"]);
    assert_eq!(
        directory(&app, Some(&official), json!({"includeSuspended": true})).await,
        vec!["백년 국밥", "새 가게"]
    );
    let (_, body) = app
        .graphql(
            Some(&shop.token),
            "{ merchants(filter: {includeSuspended: true}) { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), vec!["FORBIDDEN"], "{body}");

    let merchant = mutate(
        &app,
        &official,
        "reinstateMerchant",
        json!({"merchantId": shop.id}),
    )
    .await;
    assert_eq!(merchant["status"], "ACTIVE");
    assert_eq!(
        directory(&app, None, json!({})).await,
        vec!["백년 국밥", "새 가게"]
    );
}

#[tokio::test]
async fn heritage_rules_and_rejection() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "젊은 가게").await;
    let official = app.token(Role::Official, None);
    let data = app
        .data(
            Some(&shop.token),
            "mutation($m: ID!) { applyForHeritage(input: {merchantId: $m, badge: MASTER_ARTISAN}) { merchant { name } userErrors { field code } } }",
            json!({"m": shop.id}),
        )
        .await;
    assert_eq!(
        data["applyForHeritage"]["userErrors"],
        json!([{"field": ["input", "badge"], "code": "HERITAGE_REQUIRES_MANUFACTURER"}])
    );
    mutate(
        &app,
        &shop.token,
        "applyForHeritage",
        json!({"merchantId": shop.id, "badge": "CENTURY_STORE"}),
    )
    .await;
    let merchant = mutate(
        &app,
        &official,
        "rejectHeritage",
        json!({"merchantId": shop.id, "reason": "서류 미비"}),
    )
    .await;
    assert_eq!(merchant["heritage"]["status"], "REJECTED");
    assert_eq!(merchant["heritage"]["reason"], "서류 미비");
}
