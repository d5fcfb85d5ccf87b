//! RELIABILITY 17, clause by clause (Stripe semantics).

use futures::future::join_all;
use golmok_testkit::idempotency::{Replayable, assert_idempotent};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

struct Funded {
    app: TestApp,
    programme: Uuid,
    merchant: Uuid,
    wallet: Uuid,
}

async fn funded() -> Funded {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let wallet = app.buy(programme, &citizen("kim"), 50_000).await;
    Funded {
        app,
        programme,
        merchant,
        wallet,
    }
}

impl Funded {
    async fn pay(&self, key: Option<&str>, body: serde_json::Value) -> Reply {
        let path = format!("/wallets/{}/payments", self.wallet);
        self.app
            .call(Method::POST, &path, Some(&citizen("kim")), key, Some(body))
            .await
    }

    async fn balance(&self) -> i64 {
        let view = self
            .app
            .get(&format!("/wallets/{}", self.wallet), &citizen("kim"))
            .await;
        view.expect(StatusCode::OK)["balance"].as_i64().unwrap()
    }
}

#[tokio::test]
async fn the_same_key_and_body_answer_the_first_response_and_execute_once() {
    let f = funded().await;
    let body = json!({"merchantId": f.merchant, "amount": 7000});
    let first = f.pay(Some("pay-1"), body.clone()).await;
    let answer = first.expect(StatusCode::CREATED).clone();
    // The wallet changes afterwards; a replay still answers as the first call did.
    f.pay(None, json!({"merchantId": f.merchant, "amount": 1000}))
        .await
        .expect(StatusCode::CREATED);
    let reordered = json!({"amount": 7000, "merchantId": f.merchant});
    let again = f.pay(Some("pay-1"), reordered).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, answer);
    assert_eq!(f.balance().await, 50_000 - 7_000 - 1_000);
    f.app.stop().await;
}

#[tokio::test]
async fn the_same_key_with_another_body_or_route_is_refused() {
    let f = funded().await;
    f.pay(
        Some("pay-2"),
        json!({"merchantId": f.merchant, "amount": 7000}),
    )
    .await
    .expect(StatusCode::CREATED);
    f.pay(
        Some("pay-2"),
        json!({"merchantId": f.merchant, "amount": 7001}),
    )
    .await
    .error(
        StatusCode::CONFLICT,
        "IDEMPOTENCY_KEY_REUSED",
        Some("idempotency-key"),
    );
    let hold = format!("/wallets/{}/holds", f.wallet);
    f.app
        .call(
            Method::POST,
            &hold,
            Some(&citizen("kim")),
            Some("pay-2"),
            Some(json!({"merchantId": f.merchant, "amount": 7000})),
        )
        .await
        .error(
            StatusCode::CONFLICT,
            "IDEMPOTENCY_KEY_REUSED",
            Some("idempotency-key"),
        );
    assert_eq!(f.balance().await, 43_000, "only the first request executed");
    f.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_execute_once() {
    let f = funded().await;
    let body = json!({"merchantId": f.merchant, "amount": 5000});
    let replies = join_all((0..16).map(|_| f.pay(Some("pay-3"), body.clone()))).await;
    let settled: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status != StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(!settled.is_empty());
    for reply in &settled {
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert_eq!(reply.body, settled[0].body);
    }
    assert_eq!(f.balance().await, 45_000);
    let listed = f
        .app
        .get(
            &format!("/merchants/{}/redemptions", f.merchant),
            &merchant_actor(f.merchant),
        )
        .await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    f.app.stop().await;
}

#[tokio::test]
async fn a_declined_request_replays_its_decline_even_when_it_would_now_pass() {
    let f = funded().await;
    let body = json!({"merchantId": f.merchant, "amount": 60000});
    let first = f.pay(Some("pay-4"), body.clone()).await;
    first.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "INSUFFICIENT_BALANCE",
        Some("amount"),
    );
    f.app.buy(f.programme, &citizen("kim"), 50_000).await;
    let again = f.pay(Some("pay-4"), body).await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert_eq!(f.balance().await, 100_000);
    f.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_purchase_retried_or_raced_with_its_key_buys_once() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let path = format!("/programmes/{programme}/purchases");
    let kim = citizen("kim");
    let buy = || {
        app.call(
            Method::POST,
            &path,
            Some(&kim),
            Some("buy-1"),
            Some(json!({"faceValue": 50000})),
        )
    };
    let replies = join_all((0..8).map(|_| buy())).await;
    let created: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert!(!created.is_empty(), "{replies:?}");
    assert!(created.iter().all(|r| r.body == created[0].body));
    let later = buy().await;
    assert_eq!(later.body, created[0].body);
    let wallet = app
        .get(&format!("/programmes/{programme}/wallet"), &kim)
        .await;
    assert_eq!(
        wallet.expect(StatusCode::OK)["purchases"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let read = app
        .get(&format!("/programmes/{programme}"), &official())
        .await;
    assert_eq!(
        read.expect(StatusCode::OK)["budgetCommitted"],
        5_000,
        "the subsidy is committed once"
    );
    app.stop().await;
}

#[tokio::test]
async fn keys_belong_to_their_caller_and_must_be_well_formed() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let path = format!("/programmes/{programme}/purchases");
    let body = json!({"faceValue": 10000});
    for name in ["kim", "lee"] {
        let reply = app
            .call(
                Method::POST,
                &path,
                Some(&citizen(name)),
                Some("same-key"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(reply.expect(StatusCode::CREATED)["wallet"]["owner"], name);
    }
    app.call(
        Method::POST,
        &path,
        Some(&citizen("kim")),
        Some("has space"),
        Some(body),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "INVALID_IDEMPOTENCY_KEY",
        Some("idempotency-key"),
    );
    app.stop().await;
}

#[tokio::test]
async fn keys_and_balances_survive_a_restart() {
    let f = funded().await;
    let body = json!({"merchantId": f.merchant, "amount": 9000});
    let first = f.pay(Some("pay-5"), body.clone()).await;
    let answer = first.expect(StatusCode::CREATED).clone();
    let (programme, merchant, wallet) = (f.programme, f.merchant, f.wallet);
    let app = f.app.restart().await;
    let f = Funded {
        app,
        programme,
        merchant,
        wallet,
    };
    let again = f.pay(Some("pay-5"), body).await;
    assert_eq!((again.status, &again.body), (StatusCode::CREATED, &answer));
    assert_eq!(f.balance().await, 41_000);
    assert_eq!(
        f.app
            .account(programme, &format!("merchant:{merchant}"))
            .await["balance"],
        9_000
    );
    f.app.stop().await;
}

/// RELIABILITY 17 through the contract test both services share.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_keeps_the_shared_idempotency_contract() {
    let f = funded().await;
    let command = Replayable {
        method: Method::POST,
        path: format!("/wallets/{}/payments", f.wallet),
        body: json!({"merchantId": f.merchant, "amount": 5000}),
        other_body: json!({"merchantId": f.merchant, "amount": 5001}),
    };
    let (app, list) = (
        &f.app,
        &format!("/merchants/{}/redemptions?first=100", f.merchant),
    );
    let owner = &merchant_actor(f.merchant);
    let redemptions = move || async move {
        let listed = app.get(list, owner).await;
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_idempotent(&f.app, &citizen("kim"), &command, redemptions).await;
    assert_eq!(f.balance().await, 40_000, "two payments of 5,000 were made");
    f.app.stop().await;
}
