use chrono::{DateTime, Utc};
use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::*;

fn at() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn endpoint(url: &str) -> Endpoint {
    Endpoint {
        webhook_id: Uuid::from_u128(1),
        tie_in: Uuid::from_u128(2),
        partner: "mama".into(),
        url: url.into(),
        description: " MAMA 2026 feed ".into(),
        secret_id: Uuid::from_u128(3),
        at: at(),
    }
}

fn registered() -> WebhookEvent {
    Webhook::given_nothing()
        .when(WebhookCommand::Register(endpoint(
            "https://hooks.mama.example/golmok",
        )))
        .events()
        .remove(0)
}

#[test]
fn https_and_loopback_http_are_accepted_and_nothing_else() {
    for good in [
        "https://hooks.mama.example/golmok",
        "HTTPS://hooks.mama.example:8443/a?b=c",
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://[::1]:8080/",
    ] {
        assert!(check_url(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "ftp://hooks.mama.example/",
        "http://hooks.mama.example/",
        "http://10.0.0.1/",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "https://",
        "https:///path",
        "https://user:pw@hooks.mama.example/",
        "https://hooks.mama.example:0/",
        "https://hooks.mama.example:99999/",
        "https://hooks.mama .example/",
        "hooks.mama.example",
    ] {
        assert_eq!(check_url(bad), Err(UrlInvalid), "{bad}");
    }
    let long = format!("https://a.example/{}", "x".repeat(2000));
    assert_eq!(check_url(&long), Err(UrlInvalid));
}

#[test]
fn registration_checks_the_url_and_trims_the_description() {
    let WebhookEvent::Registered(stored) = registered() else {
        panic!("registered");
    };
    assert_eq!(stored.description, "MAMA 2026 feed");
    Webhook::given_nothing()
        .when(WebhookCommand::Register(endpoint(
            "http://hooks.mama.example/",
        )))
        .then_error(WebhookError::UrlInvalid(UrlInvalid));
    let mut long = endpoint("https://hooks.mama.example/");
    long.description = "x".repeat(201);
    let error = Webhook::given_nothing()
        .when(WebhookCommand::Register(long))
        .error();
    assert_eq!(error.code(), "FIELD_TOO_LONG");
}

#[test]
fn registering_twice_is_idempotent_and_another_endpoint_under_the_id_is_refused() {
    Webhook::given([registered()])
        .when(WebhookCommand::Register(endpoint(
            "https://hooks.mama.example/golmok",
        )))
        .then_nothing();
    Webhook::given([registered()])
        .when(WebhookCommand::Register(endpoint("https://other.example/")))
        .then_error(WebhookError::AlreadyExists);
}

#[test]
fn a_rotation_names_the_new_secret_and_disable_and_delete_end_deliveries() {
    let rotated = Webhook::given([registered()])
        .when(WebhookCommand::RotateSecret {
            secret_id: Uuid::from_u128(4),
            at: at(),
        })
        .events();
    let expected = WebhookEvent::SecretRotated {
        webhook_id: Uuid::from_u128(1),
        secret_id: Uuid::from_u128(4),
        at: at(),
    };
    assert_eq!(rotated, vec![expected.clone()]);
    Webhook::given([registered(), expected])
        .when(WebhookCommand::RotateSecret {
            secret_id: Uuid::from_u128(4),
            at: at(),
        })
        .then_nothing();
    let disabled = Webhook::given([registered()])
        .when(WebhookCommand::Disable { at: at() })
        .events();
    Webhook::given([registered(), disabled[0].clone()])
        .when(WebhookCommand::Disable { at: at() })
        .then_nothing();
    let deleted = Webhook::given([registered()])
        .when(WebhookCommand::Delete { at: at() })
        .events();
    for command in [
        WebhookCommand::RotateSecret {
            secret_id: Uuid::from_u128(4),
            at: at(),
        },
        WebhookCommand::Disable { at: at() },
        WebhookCommand::Delete { at: at() },
    ] {
        Webhook::given([registered(), deleted[0].clone()])
            .when(command.clone())
            .then_error(WebhookError::NotFound);
        Webhook::given_nothing()
            .when(command)
            .then_error(WebhookError::NotFound);
    }
}
