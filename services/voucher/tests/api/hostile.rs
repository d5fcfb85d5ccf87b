//! Implausible and extreme input (issue 7): refused with a stable code and
//! nothing stored; a damaged read-model row does not take a list down.

use golmok_kernel::Mutation;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn programme_amounts_beyond_the_bound_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    for (field, value) in [
        ("faceValues", json!([10000, i64::MAX])),
        ("faceValues", json!([10_000_000_000_001_i64])),
        ("monthlyCap", json!(i64::MAX)),
        ("budget", json!(i64::MAX)),
    ] {
        let mut body = programme_body();
        body[field] = value;
        app.post("/programmes", &official(), body).await.error(
            StatusCode::BAD_REQUEST,
            "AMOUNT_TOO_LARGE",
            Some(field),
        );
    }
    let listed = app.get("/programmes", &official()).await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
    let mut at_bound = programme_body();
    at_bound["faceValues"] = json!([10_000_000_000_000_i64]);
    app.post("/programmes", &official(), at_bound)
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn programme_texts_with_nul_or_control_characters_are_refused() {
    let app = spawn_app().await;
    for (field, value) in [
        ("name", json!("중구\u{0}사랑상품권")),
        ("issuer", json!("서울특별시\u{1b}[2J 중구")),
        ("region", json!("중\u{85}구")),
        ("districts", json!(["을지로", "명동\u{7}"])),
    ] {
        let mut body = programme_body();
        body[field] = value;
        app.post("/programmes", &official(), body).await.error(
            StatusCode::BAD_REQUEST,
            "INVALID_TEXT",
            Some(field),
        );
    }
    let listed = app.get("/programmes", &official()).await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn a_damaged_read_model_row_is_skipped_in_lists_and_named_when_read_alone() {
    let app = spawn_app().await;
    let good = app.programme(json!({})).await;
    let bad = app.programme(json!({"name": "명동 상품권"})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let damaged = br#"{"id": 42, "faceValues": "lots"}"#.to_vec();
    app.app
        .tables()
        .write(vec![
            Mutation::put(
                "voucher_programmes",
                "all",
                &bad.to_string(),
                damaged.clone(),
            ),
            Mutation::put("voucher_merchants", &merchant.to_string(), "", damaged),
        ])
        .await
        .expect("the rows are damaged");

    let listed = app.get("/programmes", &official()).await;
    let items = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], good.to_string());
    // The programme itself is read from its events and still answers.
    let programme = app.get(&format!("/programmes/{bad}"), &official()).await;
    assert_eq!(programme.expect(StatusCode::OK)["name"], "명동 상품권");

    let alone = app
        .get(&format!("/merchants/{merchant}"), &merchant_actor(merchant))
        .await;
    alone.error(StatusCode::INTERNAL_SERVER_ERROR, "RECORD_UNREADABLE", None);
    assert!(
        alone.body["message"]
            .as_str()
            .unwrap()
            .contains(&merchant.to_string()),
        "{}",
        alone.body
    );
}
