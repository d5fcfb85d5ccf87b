//! Paying storefront orders by voucher, across both services over their
//! event logs: request → hold → confirmation → capture, cancellation → void,
//! declines with stable codes, and redelivery that never holds twice.

use std::sync::Arc;
use std::time::Duration;

use golmok_kernel::{EventHandler, LogTail, Projections};
use golmok_runtime::Actor;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

pub(crate) struct Shop {
    pub(crate) programme: Uuid,
    pub(crate) merchant: Uuid,
    pub(crate) product: Uuid,
}

/// A programme and a merchant of its region selling at `price` won.
pub(crate) async fn shop(app: &TestApp, price: i64) -> Shop {
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let product = app.product(merchant, price).await;
    Shop {
        programme,
        merchant,
        product,
    }
}

/// `buyer` orders `quantity` units and asks the programme's wallet to pay.
pub(crate) async fn order_and_pay(
    app: &TestApp,
    shop: &Shop,
    buyer: &Actor,
    quantity: i64,
) -> Uuid {
    let placed = app
        .storefront(
            Method::POST,
            &format!("/merchants/{}/orders", shop.merchant),
            buyer,
            json!({"lines": [{"productId": shop.product, "quantity": quantity}], "payment": "VOUCHER"}),
        )
        .await;
    let order = id_of(placed.expect(StatusCode::CREATED));
    app.storefront(
        Method::POST,
        &format!(
            "/merchants/{}/orders/{order}/voucher-payment",
            shop.merchant
        ),
        buyer,
        json!({"programmeId": shop.programme}),
    )
    .await
    .expect(StatusCode::ACCEPTED);
    order
}

pub(crate) async fn wallet(app: &TestApp, wallet: Uuid, owner: &Actor) -> Value {
    app.get(&format!("/wallets/{wallet}"), owner)
        .await
        .expect(StatusCode::OK)
        .clone()
}

pub(crate) fn status(order: &Value) -> &str {
    order["payment"]["status"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_confirmed_order_is_captured_from_the_wallet_and_paid() {
    let app = spawn_app().await;
    let shop = shop(&app, 6_000).await;
    let kim = citizen("kim");
    let wallet_id = app.buy(shop.programme, &kim, 50_000).await;
    let order = order_and_pay(&app, &shop, &kim, 2).await;

    let held = app
        .order_until(order, &kim, |o| status(o) != "REQUESTED")
        .await;
    assert_eq!(status(&held), "HELD", "{held}");
    let before = wallet(&app, wallet_id, &kim).await;
    assert_eq!(
        (before["balance"].as_i64(), before["held"].as_i64()),
        (Some(50_000), Some(12_000))
    );
    assert_eq!(before["available"], 38_000);

    let confirmation = format!("/merchants/{}/orders/{order}/confirmation", shop.merchant);
    app.storefront(
        Method::POST,
        &confirmation,
        &merchant_actor(shop.merchant),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    let paid = app.order_until(order, &kim, |o| status(o) == "PAID").await;
    assert_eq!(paid["status"], "CONFIRMED");

    let after = wallet(&app, wallet_id, &kim).await;
    assert_eq!(
        (after["balance"].as_i64(), after["held"].as_i64()),
        (Some(38_000), Some(0))
    );
    let redemptions = app
        .get(
            &format!("/merchants/{}/redemptions", shop.merchant),
            &merchant_actor(shop.merchant),
        )
        .await;
    let items = redemptions.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["status"], "CAPTURED");
    assert_eq!(items[0]["amount"], 12_000);
    assert_eq!(items[0]["walletId"], wallet_id.to_string());
    app.assert_balanced(shop.programme).await;
}

#[tokio::test]
async fn cancelling_before_confirmation_voids_the_hold_and_restores_the_wallet() {
    let app = spawn_app().await;
    let shop = shop(&app, 7_000).await;
    let lee = citizen("lee");
    let wallet_id = app.buy(shop.programme, &lee, 10_000).await;
    let order = order_and_pay(&app, &shop, &lee, 1).await;
    app.order_until(order, &lee, |o| status(o) == "HELD").await;
    assert_eq!(wallet(&app, wallet_id, &lee).await["available"], 3_000);

    let cancellation = format!("/merchants/{}/orders/{order}/cancellation", shop.merchant);
    app.storefront(Method::POST, &cancellation, &lee, json!({"reason": "변심"}))
        .await
        .expect(StatusCode::OK);
    let voided = app
        .order_until(order, &lee, |o| status(o) == "VOIDED")
        .await;
    assert_eq!(voided["status"], "CANCELLED");
    let restored = wallet(&app, wallet_id, &lee).await;
    assert_eq!(
        (restored["balance"].as_i64(), restored["available"].as_i64()),
        (Some(10_000), Some(10_000))
    );
    assert_eq!(
        app.redemptions(wallet_id, &lee).await[0]["status"],
        "VOIDED"
    );
    app.assert_balanced(shop.programme).await;
}

#[tokio::test]
async fn payments_the_wallet_cannot_make_are_declined_with_a_stable_code() {
    let app = spawn_app().await;
    let shop = shop(&app, 8_000).await;
    let park = citizen("park");
    let wallet_id = app.buy(shop.programme, &park, 10_000).await;
    let order = order_and_pay(&app, &shop, &park, 2).await;
    let declined = app
        .order_until(order, &park, |o| status(o) == "DECLINED")
        .await;
    assert_eq!(declined["payment"]["code"], "INSUFFICIENT_BALANCE");
    assert_eq!(wallet(&app, wallet_id, &park).await["available"], 10_000);

    // Without a wallet in the programme at all.
    let nobody = citizen("nobody");
    let order = order_and_pay(&app, &shop, &nobody, 1).await;
    let declined = app
        .order_until(order, &nobody, |o| status(o) == "DECLINED")
        .await;
    assert_eq!(declined["payment"]["code"], "WALLET_NOT_FOUND");

    // A merchant suspended in the storefront takes no voucher payments.
    let choi = citizen("choi");
    app.buy(shop.programme, &choi, 50_000).await;
    let order = order_and_pay(&app, &shop, &choi, 1).await;
    app.order_until(order, &choi, |o| status(o) == "HELD").await;
    let second = app
        .storefront(
            Method::POST,
            &format!("/merchants/{}/orders", shop.merchant),
            &choi,
            json!({"lines": [{"productId": shop.product, "quantity": 1}], "payment": "VOUCHER"}),
        )
        .await;
    let second = id_of(second.expect(StatusCode::CREATED));
    app.storefront_suspension(shop.merchant, true).await;
    app.storefront(
        Method::POST,
        &format!(
            "/merchants/{}/orders/{second}/voucher-payment",
            shop.merchant
        ),
        &choi,
        json!({"programmeId": shop.programme}),
    )
    .await
    .expect(StatusCode::ACCEPTED);
    let declined = app
        .order_until(second, &choi, |o| status(o) == "DECLINED")
        .await;
    assert_eq!(declined["payment"]["code"], "MERCHANT_SUSPENDED");
}

#[tokio::test]
async fn redelivered_storefront_events_never_hold_or_capture_twice() {
    let app = spawn_app().await;
    let shop = shop(&app, 5_000).await;
    let kim = citizen("kim");
    let wallet_id = app.buy(shop.programme, &kim, 50_000).await;
    let paid = order_and_pay(&app, &shop, &kim, 2).await;
    app.order_until(paid, &kim, |o| status(o) == "HELD").await;
    let confirmation = format!("/merchants/{}/orders/{paid}/confirmation", shop.merchant);
    app.storefront(
        Method::POST,
        &confirmation,
        &merchant_actor(shop.merchant),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    app.order_until(paid, &kim, |o| status(o) == "PAID").await;
    let held = order_and_pay(&app, &shop, &kim, 1).await;
    app.order_until(held, &kim, |o| status(o) == "HELD").await;
    let before = wallet(&app, wallet_id, &kim).await;
    let history_before = app.redemptions(wallet_id, &kim).await;

    // Every storefront event again, to the same process, as a consumer whose
    // inbox and checkpoint were lost would receive them.
    let elsewhere = tempfile::tempdir().unwrap();
    let tables =
        golmok_embedded::EmbeddedStore::open(&elsewhere.path().join("inbox.redb")).unwrap();
    let process = voucher::app::OrderPaymentProcess::new(Arc::clone(app.app.voucher()));
    let log = app.storefront_log();
    let head = *log.head().borrow();
    let again = Projections::start_sources(
        vec![(
            LogTail::after(log, 0),
            Arc::new(process) as Arc<dyn EventHandler>,
        )],
        tables,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert!(again.settle(head).await, "the redelivery finished");
    again.stop().await;

    let after = wallet(&app, wallet_id, &kim).await;
    assert_eq!(after["balance"], before["balance"]);
    assert_eq!(after["held"], 5_000);
    let history = app.redemptions(wallet_id, &kim).await;
    assert_eq!(history, history_before);
    assert_eq!(history.as_array().unwrap().len(), 2);
    app.assert_balanced(shop.programme).await;
}
