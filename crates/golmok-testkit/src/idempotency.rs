//! RELIABILITY 17, the idempotency contract every command of every service
//! keeps, asserted through real HTTP by one function both services' API
//! tests call.

use std::future::Future;

use futures::future::join_all;
use golmok_runtime::{Actor, IDEMPOTENCY_HEADER};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::service::Client;

/// How many requests race with one key.
const RACERS: usize = 20;

/// A command whose replays are checked: its route, a body, and another body
/// the same route accepts.
pub struct Replayable {
    pub method: Method,
    pub path: String,
    pub body: Value,
    pub other_body: Value,
}

/// Asserts RELIABILITY 17 against the service `client` calls, as `actor`:
///
/// - the same key with the same body answers the same status and body, and
///   the command takes effect once;
/// - the same key with another body is refused, `409 IDEMPOTENCY_KEY_REUSED`
///   naming the `idempotency-key` field, with no effect;
/// - 20 concurrent requests with one key take effect once and all answer
///   the same.
///
/// `effects` counts the command's effect as the service shows it (for
/// instance the length of a list the command adds to).
pub async fn assert_idempotent<F, Fut>(
    client: &Client,
    actor: &Actor,
    command: &Replayable,
    effects: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = usize>,
{
    // An answer is its status and JSON body (headers such as `date` vary).
    let call = |key: &'static str, body: &Value| {
        let body = body.clone();
        async move {
            let reply = client
                .call(
                    command.method.clone(),
                    &command.path,
                    Some(actor),
                    Some(key),
                    Some(body),
                )
                .await;
            (reply.status, reply.body)
        }
    };
    let before = effects().await;

    let first = call("r17-once", &command.body).await;
    assert!(first.0.is_success(), "the command succeeds: {first:?}");
    assert_eq!(effects().await, before + 1, "the command takes effect");
    let again = call("r17-once", &command.body).await;
    assert_eq!(again, first, "a replay answers the first response");
    assert_eq!(effects().await, before + 1, "a replay has no effect");

    let reused = call("r17-once", &command.other_body).await;
    assert_eq!(reused.0, StatusCode::CONFLICT, "{reused:?}");
    assert_eq!(reused.1["code"], "IDEMPOTENCY_KEY_REUSED", "{reused:?}");
    assert_eq!(reused.1["field"], IDEMPOTENCY_HEADER, "{reused:?}");
    assert_eq!(effects().await, before + 1, "a refused reuse has no effect");

    let raced = join_all((0..RACERS).map(|_| call("r17-race", &command.body))).await;
    assert!(raced[0].0.is_success(), "{:?}", raced[0]);
    for answer in &raced {
        assert_eq!(answer, &raced[0], "every racer answers the same");
    }
    assert_eq!(
        effects().await,
        before + 2,
        "{RACERS} racers with one key take effect once"
    );
}
