//! RELIABILITY 9: many concurrent redemptions against one wallet through the
//! real HTTP API, then every request retried with its key.

use std::collections::BTreeMap;

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

const CLIENTS: usize = 24;
const AMOUNT: i64 = 3_000;

/// Sends until the service answers with something other than "busy, retry"
/// (503 is the one answer that resolves nothing; the key makes retrying safe).
async fn answered(
    app: &TestApp,
    path: &str,
    actor: &golmok_runtime::Actor,
    key: &str,
    body: serde_json::Value,
) -> Reply {
    loop {
        let reply = app
            .call(
                Method::POST,
                path,
                Some(actor),
                Some(key),
                Some(body.clone()),
            )
            .await;
        if reply.status != StatusCode::SERVICE_UNAVAILABLE {
            return reply;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_redemptions_never_overdraw_a_wallet_and_each_key_has_one_outcome() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 50_000).await;
    let request = |n: usize| {
        let route = if n.is_multiple_of(2) {
            "payments"
        } else {
            "holds"
        };
        (
            format!("/wallets/{wallet}/{route}"),
            format!("spend-{n}"),
            json!({"merchantId": merchant, "amount": AMOUNT}),
        )
    };
    let first: Vec<Reply> = join_all((0..CLIENTS).map(|n| {
        let (path, key, body) = request(n);
        let (app, kim) = (&app, &kim);
        async move { answered(app, &path, kim, &key, body).await }
    }))
    .await;
    let accepted = first
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let declined = first
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(
        accepted + declined,
        CLIENTS,
        "every request resolved: {first:?}"
    );
    assert_eq!(accepted, 16, "50,000 won covers 16 redemptions of 3,000");
    for reply in first
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
    {
        reply.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INSUFFICIENT_BALANCE",
            Some("amount"),
        );
    }
    // Every client retries with its key, concurrently: the same answers, nothing more spent.
    let again: Vec<Reply> = join_all((0..CLIENTS).map(|n| {
        let (path, key, body) = request(n);
        let (app, kim) = (&app, &kim);
        async move { answered(app, &path, kim, &key, body).await }
    }))
    .await;
    for (n, (before, after)) in first.iter().zip(&again).enumerate() {
        assert_eq!(before.status, after.status, "client {n}");
        assert_eq!(before.body, after.body, "client {n}");
    }
    let view = app.get(&format!("/wallets/{wallet}"), &kim).await;
    let view = view.expect(StatusCode::OK);
    assert_eq!(view["available"], 50_000 - 16 * AMOUNT);
    assert!(view["balance"].as_i64().unwrap() >= 0);
    let mut statuses = BTreeMap::new();
    for redemption in app.redemptions(wallet, &kim).await.as_array().unwrap() {
        *statuses
            .entry(redemption["status"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert_eq!(
        statuses.values().sum::<usize>(),
        CLIENTS,
        "one redemption per key: {statuses:?}"
    );
    assert_eq!(statuses.get("DECLINED"), Some(&8));
    app.assert_balanced(programme).await;
    let account = app.account(programme, &format!("wallet:{wallet}")).await;
    assert_eq!(
        account["available"],
        50_000 - 16 * AMOUNT,
        "the ledger agrees with the wallet"
    );
    app.stop().await;
}

/// RELIABILITY 12: concurrent purchases never commit more subsidy than the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_purchases_never_exceed_the_subsidy_budget() {
    let app = spawn_app().await;
    // 50,000 won at 10 % off takes 5,000 of subsidy: the budget pays for four.
    let programme = app.programme(json!({"budget": 20000})).await;
    let path = format!("/programmes/{programme}/purchases");
    let citizens: Vec<_> = (0..12).map(|n| citizen(&format!("citizen-{n}"))).collect();
    let replies: Vec<Reply> = join_all(citizens.iter().enumerate().map(|(n, who)| {
        let (app, path) = (&app, &path);
        async move {
            answered(
                app,
                path,
                who,
                &format!("buy-{n}"),
                json!({"faceValue": 50000}),
            )
            .await
        }
    }))
    .await;
    let bought = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(bought, 4, "{replies:?}");
    for refused in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        refused.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "SUBSIDY_BUDGET_EXHAUSTED",
            None,
        );
    }
    let read = app
        .get(&format!("/programmes/{programme}"), &official())
        .await;
    let view = read.expect(StatusCode::OK);
    assert_eq!(
        (
            view["budgetCommitted"].as_i64(),
            view["budgetRemaining"].as_i64()
        ),
        (Some(20_000), Some(0))
    );
    assert_eq!(app.account(programme, "subsidy_budget").await["balance"], 0);
    app.assert_balanced(programme).await;
    app.stop().await;
}
