//! Matching over HTTP without the storefront: what the service refuses
//! before it knows a merchant (the ranking with the storefront's events is
//! tested through the gateway, and as pure functions in the domain).

use golmok_testkit::service::{citizen, expert, merchant_actor};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use golmok_runtime::Actor;
use golmok_testkit::service::Reply;

use crate::helpers::{TestApp, creator, official, spawn_app};

async fn get(app: &TestApp, actor: Option<&Actor>, path: String) -> Reply {
    app.call(Method::GET, &path, actor, None, None).await
}

#[tokio::test]
async fn matching_refuses_what_it_cannot_answer_with_a_code() {
    let app = spawn_app().await;
    let merchant = Uuid::now_v7();
    let path = format!("/merchants/{merchant}/creator-matches");
    // Known to no one yet: the storefront's events have not arrived.
    for actor in [merchant_actor(merchant), expert(), official()] {
        get(&app, Some(&actor), path.clone()).await.error(
            StatusCode::NOT_FOUND,
            "MERCHANT_NOT_FOUND",
            None,
        );
    }
    // Another merchant reads it as missing; a citizen or a creator may not ask.
    get(&app, Some(&merchant_actor(Uuid::now_v7())), path.clone())
        .await
        .error(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND", None);
    get(&app, Some(&citizen("kim")), path.clone()).await.error(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        None,
    );
    get(&app, Some(&creator("creator-a")), path.clone())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    get(&app, None, path.clone())
        .await
        .error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None);
    for first in ["0", "51", "ten"] {
        get(&app, Some(&official()), format!("{path}?first={first}"))
            .await
            .error(StatusCode::BAD_REQUEST, "INVALID_PAGE_SIZE", Some("first"));
    }
    get(
        &app,
        Some(&official()),
        "/merchants/not-a-uuid/creator-matches".to_owned(),
    )
    .await
    .error(StatusCode::NOT_FOUND, "MERCHANT_NOT_FOUND", None);
}
