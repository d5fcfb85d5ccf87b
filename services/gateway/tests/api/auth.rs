use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use gateway::LimitSettings;
use gateway::auth::{Claims, SigningKey};
use golmok_runtime::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fake_storefront::Catalogue;
use crate::support::{TestApp, error_codes, spawn_gateway};

const REGISTER: &str = r#"mutation {
  registerMerchant(input: {businessNumber: "1208147521", name: "망원 빵집", kind: RETAILER, category: "bakery",
                           district: "망원동", foundedOn: "1990-03-01", revenueTier: MICRO}) {
    merchant { id } userErrors { code }
  }
}"#;

async fn app() -> TestApp {
    spawn_gateway(Catalogue::new(1, 0).router(), LimitSettings::default()).await
}

fn claims(app: &TestApp) -> Claims {
    Claims::new(
        "u-1",
        Role::Merchant,
        None,
        Duration::from_secs(600),
        &app.settings.auth,
    )
}

fn secret(app: &TestApp) -> Vec<u8> {
    let text = std::fs::read_to_string(&app.settings.auth.signing_key_file).unwrap();
    STANDARD.decode(text.trim()).unwrap()
}

fn sign(
    secret: &[u8],
    algorithm: Algorithm,
    kid: Option<&str>,
    claims: &impl serde::Serialize,
) -> String {
    let header = Header {
        kid: kid.map(str::to_owned),
        ..Header::new(algorithm)
    };
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// Every way a token can be wrong, each named.
fn bad_tokens(app: &TestApp) -> Vec<(&'static str, String)> {
    let secret = secret(app);
    let kid = app.key.kid().to_owned();
    let now = jsonwebtoken::get_current_timestamp();
    let other_dir = tempfile::tempdir().unwrap();
    let other_key = SigningKey::load_or_create(&other_dir.path().join("other.key")).unwrap();
    let other_secret = STANDARD
        .decode(
            std::fs::read_to_string(other_dir.path().join("other.key"))
                .unwrap()
                .trim(),
        )
        .unwrap();

    let none_header =
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(app)).unwrap());
    let tampered = {
        let token = app.key.mint(&Claims {
            role: Role::Citizen,
            ..claims(app)
        });
        let parts: Vec<&str> = token.split('.').collect();
        let mut body: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        body["role"] = json!("operator");
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(body.to_string()),
            parts[2]
        )
    };
    vec![
        ("alg none", format!("{none_header}.{payload}.")),
        (
            "HS512",
            sign(&secret, Algorithm::HS512, Some(&kid), &claims(app)),
        ),
        (
            "wrong key, our kid",
            sign(&other_secret, Algorithm::HS256, Some(&kid), &claims(app)),
        ),
        ("another gateway's token", other_key.mint(&claims(app))),
        (
            "unknown kid",
            sign(
                &secret,
                Algorithm::HS256,
                Some("0011223344556677"),
                &claims(app),
            ),
        ),
        (
            "no kid",
            sign(&secret, Algorithm::HS256, None, &claims(app)),
        ),
        (
            "expired",
            app.key.mint(&Claims {
                exp: now - 3600,
                iat: now - 7200,
                nbf: Some(now - 7200),
                ..claims(app)
            }),
        ),
        (
            "future nbf",
            app.key.mint(&Claims {
                nbf: Some(now + 3600),
                ..claims(app)
            }),
        ),
        (
            "wrong audience",
            app.key.mint(&Claims {
                aud: "someone-else".into(),
                ..claims(app)
            }),
        ),
        (
            "wrong issuer",
            app.key.mint(&Claims {
                iss: "someone-else".into(),
                ..claims(app)
            }),
        ),
        ("tampered payload", tampered),
        ("garbage", "not-a-token".into()),
    ]
}

#[tokio::test]
async fn bad_tokens_are_refused_before_any_resolver_runs() {
    let app = app().await;
    for (what, token) in bad_tokens(&app) {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&json!({"query": REGISTER}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Bearer error="invalid_token""#,
            "{what}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            error_codes(&body),
            vec!["UNAUTHENTICATED"],
            "{what}: {body}"
        );
        assert!(body.get("data").is_none(), "{what}: {body}");
        assert_eq!(
            app.upstream_calls(),
            vec![],
            "{what}: the storefront must not be called"
        );
    }
}

#[tokio::test]
async fn a_non_bearer_authorization_is_refused() {
    let app = app().await;
    let body = serde_json::to_vec(&json!({"query": "{ viewer { subject } }"})).unwrap();
    for authorization in ["Basic dXNlcjpwYXNz", "Bearer", "Token abc"] {
        let (status, body) = app.post_raw(Some(authorization), body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization}");
        assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn without_a_token_the_caller_is_anonymous() {
    let app = app().await;
    let data = app.data(None, "{ viewer { subject } }", json!({})).await;
    assert_eq!(data, json!({"viewer": null}));
    let (_, body) = app
        .graphql(None, "{ myOrders { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn a_valid_token_is_the_viewer_and_is_forwarded_as_the_actor() {
    let app = app().await;
    let merchant = Uuid::now_v7();
    let token = app.token_for("owner-7", Role::Merchant, Some(merchant));
    let data = app
        .data(Some(&token), "{ viewer { subject role } }", json!({}))
        .await;
    assert_eq!(
        data,
        json!({"viewer": {"subject": "owner-7", "role": "MERCHANT"}})
    );

    let (_, body) = app.graphql(Some(&token), REGISTER, json!({})).await;
    assert_eq!(
        body["data"]["registerMerchant"]["userErrors"],
        json!([]),
        "{body}"
    );
    let calls = app.upstream_calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str()),
        ("POST", "/merchants")
    );
    let actor = calls[0].actor.clone().expect("the actor header is sent");
    assert_eq!(
        (actor.subject.as_str(), actor.role, actor.merchant_id),
        ("owner-7", Role::Merchant, Some(merchant))
    );
}

#[tokio::test]
async fn anonymous_calls_carry_no_actor() {
    let app = app().await;
    app.data(
        None,
        "{ merchants(first: 1) { edges { cursor } } }",
        json!({}),
    )
    .await;
    let calls = app.upstream_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].actor, None);
}

/// Claims the gateway cannot read are refused with a sentence about the
/// claim, never with the JSON parser's account of where it stopped.
#[tokio::test]
async fn unreadable_claims_are_explained_without_parser_internals() {
    let app = app().await;
    let secret = secret(&app);
    let kid = app.key.kid().to_owned();
    let now = jsonwebtoken::get_current_timestamp();
    let auth = &app.settings.auth;
    let cases = [
        (
            json!({"sub": "u", "role": "citizen", "iss": auth.issuer, "aud": auth.audience, "iat": now, "nbf": now}),
            "exp",
        ),
        (
            json!({"sub": "u", "role": "king", "iss": auth.issuer, "aud": auth.audience, "iat": now, "exp": now + 60}),
            "role",
        ),
        (
            json!({"sub": 7, "role": "citizen", "iss": auth.issuer, "aud": auth.audience, "iat": now, "exp": now + 60}),
            "claims",
        ),
    ];
    for (claims, named) in cases {
        let token = sign(&secret, Algorithm::HS256, Some(&kid), &claims);
        let (status, body) = app
            .post_raw(
                Some(&format!("Bearer {token}")),
                serde_json::to_vec(&json!({"query": "{ viewer { subject } }"})).unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"], "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(named), "{named}: {message}");
        for leak in [
            "line ",
            "column",
            "missing field",
            "unknown variant",
            "expected",
        ] {
            assert!(!message.contains(leak), "{leak:?} in {message:?}");
        }
    }
}
