use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use gateway::LimitSettings;
use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{REGISTER, registration};
use crate::support::{error_codes, spawn_gateway};

fn failing() -> Router {
    Router::new().fallback(|| async {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"code": "UNAVAILABLE", "message": "the disk is full at /var/lib/storefront"})),
        )
    })
}

/// A failing or slow storefront is a GraphQL error UNAVAILABLE, for reads and
/// mutations alike, and its internals are not shown.
#[tokio::test]
async fn a_failing_service_is_unavailable_not_a_user_error() {
    let slow = Router::new().fallback(|| async {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        Json(json!({}))
    });
    let quick_timeout = LimitSettings {
        upstream_timeout_ms: 200,
        ..LimitSettings::default()
    };
    for app in [
        spawn_gateway(failing(), LimitSettings::default()).await,
        spawn_gateway(slow, quick_timeout).await,
    ] {
        let (_, body) = app
            .graphql(None, "{ merchants { nodes { name } } }", json!({}))
            .await;
        assert_eq!(error_codes(&body), vec!["UNAVAILABLE"], "{body}");
        assert!(!body.to_string().contains("/var/lib"), "{body}");

        let token = app.token(Role::Operator, None);
        let (_, body) = app
            .graphql(
                Some(&token),
                REGISTER,
                json!({"input": registration("가게")}),
            )
            .await;
        assert_eq!(error_codes(&body), vec!["UNAVAILABLE"], "{body}");
        assert_eq!(body["data"], Value::Null, "{body}");
    }
}
