use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_purchase_credits_the_face_value_and_charges_the_subsidy_budget() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let kim = citizen("kim");
    let reply = app
        .post(
            &format!("/programmes/{programme}/purchases"),
            &kim,
            json!({"faceValue": 50000}),
        )
        .await;
    let body = reply.expect(StatusCode::CREATED);
    assert_eq!(body["purchase"]["paid"], 45_000);
    assert_eq!(body["purchase"]["discount"], 5_000);
    assert_eq!(body["wallet"]["balance"], 50_000);
    let wallet = body["wallet"]["id"].as_str().unwrap();
    let read = app
        .get(&format!("/programmes/{programme}"), &official())
        .await;
    assert_eq!(read.expect(StatusCode::OK)["budgetRemaining"], 995_000);
    assert_eq!(
        app.account(programme, &format!("wallet:{wallet}")).await["balance"],
        50_000
    );
    assert_eq!(
        app.account(programme, "subsidy_budget").await["balance"],
        995_000
    );
    app.assert_balanced(programme).await;
    app.stop().await;
}

#[tokio::test]
async fn the_monthly_cap_and_the_budget_refuse_purchases_beyond_them() {
    let app = spawn_app().await;
    let programme = app
        .programme(json!({"monthlyCap": 100000, "budget": 12000}))
        .await;
    let kim = citizen("kim");
    app.buy(programme, &kim, 50_000).await;
    app.buy(programme, &kim, 50_000).await;
    let path = format!("/programmes/{programme}/purchases");
    app.post(&path, &kim, json!({"faceValue": 10000}))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "MONTHLY_CAP_EXCEEDED",
            Some("faceValue"),
        );
    // Budget left: 12,000 − 10,000 = 2,000; a 50,000 voucher needs 5,000.
    app.post(&path, &citizen("lee"), json!({"faceValue": 50000}))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "SUBSIDY_BUDGET_EXHAUSTED",
            None,
        );
    app.post(&path, &citizen("lee"), json!({"faceValue": 20000}))
        .await
        .error(
            StatusCode::BAD_REQUEST,
            "FACE_VALUE_NOT_OFFERED",
            Some("faceValue"),
        );
    let read = app
        .get(&format!("/programmes/{programme}"), &official())
        .await;
    assert_eq!(
        read.expect(StatusCode::OK)["budgetCommitted"],
        10_000,
        "refused purchases commit nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_hold_is_captured_by_its_merchant_and_a_payment_redeems_at_once() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 50_000).await;
    let held = app
        .post(
            &format!("/wallets/{wallet}/holds"),
            &kim,
            json!({"merchantId": merchant, "amount": 12000}),
        )
        .await;
    let body = held.expect(StatusCode::CREATED);
    assert_eq!(body["redemption"]["status"], "HELD");
    assert_eq!(body["wallet"]["available"], 38_000);
    let redemption = body["redemption"]["id"].as_str().unwrap().to_owned();
    let capture = format!("/wallets/{wallet}/redemptions/{redemption}/capture");
    app.post(&capture, &kim, json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let captured = app
        .post(&capture, &merchant_actor(merchant), json!({}))
        .await;
    let body = captured.expect(StatusCode::OK);
    assert_eq!(body["redemption"]["status"], "CAPTURED");
    assert_eq!(body["wallet"]["balance"], 38_000);
    app.post(&capture, &merchant_actor(merchant), json!({}))
        .await
        .error(StatusCode::CONFLICT, "REDEMPTION_NOT_HELD", None);
    let paid = app
        .post(
            &format!("/wallets/{wallet}/payments"),
            &kim,
            json!({"merchantId": merchant, "amount": 8000}),
        )
        .await;
    assert_eq!(
        paid.expect(StatusCode::CREATED)["wallet"]["balance"],
        30_000
    );
    assert_eq!(
        app.account(programme, &format!("merchant:{merchant}"))
            .await["balance"],
        20_000
    );
    let listed = app
        .get(
            &format!("/merchants/{merchant}/redemptions"),
            &merchant_actor(merchant),
        )
        .await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.assert_balanced(programme).await;
    app.stop().await;
}

#[tokio::test]
async fn a_void_or_a_timeout_gives_the_held_amount_back() {
    let app = spawn_with(|s| s.hold_timeout_secs = 1).await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("명동", "food", "MICRO").await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 10_000).await;
    let hold = |amount: i64| app.redeem("holds", wallet, &kim, merchant, amount);
    let first = hold(7_000).await;
    let redemption = first.expect(StatusCode::CREATED)["redemption"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let voided = app
        .post(
            &format!("/wallets/{wallet}/redemptions/{redemption}/void"),
            &kim,
            json!({}),
        )
        .await;
    assert_eq!(voided.expect(StatusCode::OK)["wallet"]["available"], 10_000);
    let second = hold(9_000).await;
    let redemption = second.expect(StatusCode::CREATED)["redemption"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    app.post(
        &format!("/wallets/{wallet}/redemptions/{redemption}/capture"),
        &merchant_actor(merchant),
        json!({}),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "HOLD_EXPIRED", None);
    let released = app
        .app
        .voucher()
        .release_timed_out_holds(chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(released, 1);
    let read = app.get(&format!("/wallets/{wallet}"), &kim).await;
    let view = read.expect(StatusCode::OK);
    assert_eq!(view["available"], 10_000);
    assert_eq!(
        app.redemptions(wallet, &kim)
            .await
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "TIMED_OUT")
            .count(),
        1
    );
    app.until(&format!("/programmes/{programme}/ledger/accounts"), |r| {
        r.body
            .as_array()
            .is_some_and(|a| a.iter().all(|acc| acc["debitsPending"] == 0))
    })
    .await;
    app.assert_balanced(programme).await;
    app.stop().await;
}

#[tokio::test]
async fn ineligible_merchants_are_declined_and_the_decline_is_recorded() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let far = app.merchant("강남", "food", "SMALL").await;
    let bar = app.merchant("을지로", "nightlife", "SMALL").await;
    let near = app.merchant("을지로", "food", "SMALL").await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 10_000).await;
    let pay =
        |merchant: uuid::Uuid, amount: i64| app.redeem("payments", wallet, &kim, merchant, amount);
    pay(far, 1_000).await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "MERCHANT_OUTSIDE_REGION",
        Some("merchantId"),
    );
    pay(bar, 1_000).await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "MERCHANT_CATEGORY_NOT_ELIGIBLE",
        Some("merchantId"),
    );
    pay(near, 10_001).await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "INSUFFICIENT_BALANCE",
        Some("amount"),
    );
    app.storefront_suspension(near, true).await;
    pay(near, 1_000).await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "MERCHANT_SUSPENDED",
        Some("merchantId"),
    );
    app.storefront_suspension(near, false).await;
    pay(near, 1_000).await.expect(StatusCode::CREATED);
    pay(uuid::Uuid::now_v7(), 1_000).await.error(
        StatusCode::NOT_FOUND,
        "MERCHANT_NOT_FOUND",
        Some("merchantId"),
    );
    let read = app.get(&format!("/wallets/{wallet}"), &kim).await;
    let view = read.expect(StatusCode::OK);
    assert_eq!(view["balance"], 9_000);
    let declined: Vec<_> = app
        .redemptions(wallet, &kim)
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "DECLINED")
        .map(|r| r["declineCode"].clone())
        .collect();
    assert_eq!(declined.len(), 4, "{declined:?}");
    app.stop().await;
}

#[tokio::test]
async fn an_unused_purchase_is_refunded_to_the_citizen_and_the_budget() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let kim = citizen("kim");
    app.buy(programme, &kim, 50_000).await;
    let second = app
        .post(
            &format!("/programmes/{programme}/purchases"),
            &kim,
            json!({"faceValue": 10000}),
        )
        .await;
    let body = second.expect(StatusCode::CREATED).clone();
    let (wallet, purchase) = (
        body["wallet"]["id"].as_str().unwrap(),
        body["purchase"]["id"].as_str().unwrap(),
    );
    app.post(
        &format!("/wallets/{wallet}/payments"),
        &kim,
        json!({"merchantId": merchant, "amount": 45000}),
    )
    .await
    .expect(StatusCode::CREATED);
    let refund = format!("/wallets/{wallet}/purchases/{purchase}/refund");
    app.post(&refund, &citizen("lee"), json!({})).await.error(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        None,
    );
    let refunded = app.post(&refund, &kim, json!({})).await;
    assert_eq!(refunded.expect(StatusCode::OK)["wallet"]["balance"], 5_000);
    app.post(&refund, &kim, json!({})).await.error(
        StatusCode::CONFLICT,
        "PURCHASE_ALREADY_REFUNDED",
        None,
    );
    let first = body["wallet"]["purchases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["face"] == 50000)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/wallets/{wallet}/purchases/{first}/refund"),
        &kim,
        json!({}),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "PURCHASE_USED", None);
    let read = app
        .get(&format!("/programmes/{programme}"), &official())
        .await;
    assert_eq!(
        read.expect(StatusCode::OK)["budgetCommitted"],
        5_000,
        "the refunded subsidy is back"
    );
    assert_eq!(
        app.account(programme, "subsidy_budget").await["balance"],
        995_000
    );
    app.assert_balanced(programme).await;
    app.stop().await;
}

#[tokio::test]
async fn a_wallet_is_private_to_its_owner() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let wallet = app.buy(programme, &citizen("kim"), 10_000).await;
    app.get(&format!("/wallets/{wallet}"), &citizen("lee"))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.get(&format!("/wallets/{wallet}/redemptions"), &citizen("lee"))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    assert_eq!(app.redemptions(wallet, &citizen("kim")).await, json!([]));
    app.post(
        &format!("/wallets/{wallet}/payments"),
        &citizen("lee"),
        json!({"merchantId": uuid::Uuid::now_v7(), "amount": 1}),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.get(&format!("/programmes/{programme}/wallet"), &citizen("lee"))
        .await
        .error(StatusCode::NOT_FOUND, "WALLET_NOT_FOUND", None);
    app.get(
        &format!("/programmes/{programme}/ledger/accounts/wallet:{wallet}/transfers"),
        &citizen("lee"),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let history = app
        .get(
            &format!("/programmes/{programme}/ledger/accounts/wallet:{wallet}/transfers"),
            &citizen("kim"),
        )
        .await;
    let transfers = history.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(transfers.len(), 2, "paid part and subsidy: {transfers:?}");
    app.call(Method::GET, &format!("/wallets/{wallet}"), None, None, None)
        .await
        .error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None);
    app.stop().await;
}

#[tokio::test]
async fn housekeeping_releases_timed_out_holds_by_itself() {
    let app = spawn_with(|s| {
        s.hold_timeout_secs = 1;
        s.housekeeping_interval_secs = 1;
    })
    .await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 10_000).await;
    app.redeem("holds", wallet, &kim, merchant, 6_000)
        .await
        .expect(StatusCode::CREATED);
    // Nobody touches the wallet: the background pass releases the hold.
    let released = app
        .until(&format!("/merchants/{merchant}/redemptions"), |r| {
            r.body["items"][0]["status"] == "TIMED_OUT"
        })
        .await;
    assert_eq!(released.body["items"].as_array().unwrap().len(), 1);
    // The ledger is its own projection of the same events: it applies the
    // release in its own time.
    let code = format!("wallet:{wallet}");
    app.until(&format!("/programmes/{programme}/ledger/accounts"), |r| {
        r.body.as_array().is_some_and(|all| {
            all.iter()
                .any(|a| a["code"] == code && a["debitsPending"] == 0)
        })
    })
    .await;
    let pending = app.account(programme, &code).await;
    assert_eq!(pending["debitsPending"], 0);
    assert_eq!(pending["available"], 10_000);
    app.stop().await;
}
