//! The routes every Golmok process serves, as `golmok up` serves them with
//! the gateway: unknown routes and methods answer the JSON error body and
//! are counted without their path becoming a label.

use gateway::LimitSettings;
use golmok_runtime::ErrorBody;
use reqwest::{Method, StatusCode};

use crate::fake_storefront::Catalogue;
use crate::support::{TestApp, spawn_gateway};

async fn call(app: &TestApp, method: Method, path: &str) -> (StatusCode, String, String) {
    let response = app
        .client
        .request(method, app.url(path))
        .send()
        .await
        .expect("an answer");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_the_json_error_body() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    for (method, path, status, code) in [
        (
            Method::GET,
            "/no/such/route-4d2f",
            StatusCode::NOT_FOUND,
            "ROUTE_NOT_FOUND",
        ),
        (
            Method::GET,
            "/graphql/assets/nothing.js",
            StatusCode::NOT_FOUND,
            "ROUTE_NOT_FOUND",
        ),
        (
            Method::DELETE,
            "/graphql",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            Method::POST,
            "/livez",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            Method::PUT,
            "/metrics",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        let (answered, content_type, body) = call(&app, method.clone(), path).await;
        assert_eq!(answered, status, "{method} {path}: {body}");
        assert_eq!(content_type, "application/json", "{method} {path}");
        let error: ErrorBody = serde_json::from_str(&body)
            .unwrap_or_else(|_| panic!("{method} {path}: a JSON error body: {body:?}"));
        assert_eq!(error.code, code, "{method} {path}");
        assert!(!error.message.is_empty());
    }
}

#[tokio::test]
async fn unknown_routes_are_counted_as_unmatched() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    let (status, _, _) = call(&app, Method::GET, "/wp-admin/secret-9c1e").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, metrics) = call(&app, Method::GET, "/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("http_requests_total{")
                && line.contains("route=\"unmatched\"")
                && line.contains("status=\"404\"")),
        "{metrics}"
    );
    assert!(!metrics.contains("wp-admin"), "paths never become labels");
}

#[tokio::test]
async fn calls_to_services_are_counted_and_timed_by_service() {
    let app = spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await;
    let (_, body) = app
        .graphql(
            None,
            "{ merchants { nodes { name } } }",
            serde_json::json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, _, metrics) = call(&app, Method::GET, "/metrics").await;
    assert!(
        metrics.lines().any(
            |line| line.starts_with("golmok_gateway_upstream_calls_total{")
                && line.contains("service=\"storefront\"")
                && line.contains("outcome=\"success\"")
        ),
        "{metrics}"
    );
    assert!(
        metrics.lines().any(
            |line| line.starts_with("golmok_gateway_upstream_call_seconds")
                && line.contains("service=\"storefront\"")
        ),
        "{metrics}"
    );
}
