//! What `POST /graphql` accepts and answers as (GraphQL over HTTP), and
//! CORS: bodies a browser can send cross-site without asking first are
//! refused, and only configured origins are granted cross-origin calls.

use gateway::{CorsSettings, LimitSettings, Settings};
use reqwest::StatusCode;
use serde_json::Value;

use crate::fake_storefront::Catalogue;
use crate::support::{TestApp, error_codes, spawn_configured, spawn_gateway};

const QUERY: &str = r#"{"query": "{ __typename }"}"#;
const ORIGIN: &str = "https://app.example.com";

async fn post(app: &TestApp, content_type: Option<&str>, body: &str) -> reqwest::Response {
    let mut request = app.client.post(app.url("/graphql")).body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.expect("the gateway answers")
}

#[tokio::test]
async fn only_json_bodies_are_executed() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    for content_type in ["application/json", "application/json; charset=utf-8"] {
        let response = post(&app, Some(content_type), QUERY).await;
        assert_eq!(response.status(), StatusCode::OK, "{content_type}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"]["__typename"], "Query", "{content_type}");
    }
    // What an HTML form or a `no-cors` fetch from any web page can send.
    for content_type in [
        Some("text/plain"),
        Some("text/plain; charset=utf-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/graphql"),
        None,
    ] {
        let response = post(&app, content_type, QUERY).await;
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{content_type:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_codes(&body), vec!["UNSUPPORTED_MEDIA_TYPE"]);
    }
}

#[tokio::test]
async fn the_answer_type_follows_accept() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json"),
            "application/graphql-response+json",
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
    ] {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(QUERY);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], expected, "{accept:?}");
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(body["data"]["__typename"], "Query");
    }
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization",
        )
        .send()
        .await
        .expect("the gateway answers")
}

#[tokio::test]
async fn cors_is_granted_to_configured_origins_only() {
    let settings = Settings {
        cors: CorsSettings {
            allowed_origins: vec![ORIGIN.to_owned()],
            ..CorsSettings::default()
        },
        ..Settings::default()
    };
    let app = spawn_configured(Catalogue::new(1, 0).router(), settings).await;

    let granted = preflight(&app, ORIGIN).await;
    assert!(granted.status().is_success(), "{}", granted.status());
    let headers = granted.headers();
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    let call = app
        .client
        .post(app.url("/graphql"))
        .header("origin", ORIGIN)
        .header("content-type", "application/json")
        .body(QUERY)
        .send()
        .await
        .unwrap();
    assert_eq!(call.headers()["access-control-allow-origin"], ORIGIN);

    let refused = preflight(&app, "https://evil.example.net").await;
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        refused.headers()
    );
}

#[tokio::test]
async fn without_configured_origins_no_cors_is_granted() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    let answer = preflight(&app, ORIGIN).await;
    assert!(
        answer
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        answer.headers()
    );
}
