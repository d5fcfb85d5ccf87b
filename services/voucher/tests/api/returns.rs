//! Returns of storefront orders paid by voucher, across both services: the
//! return's amount goes back to the buyer's wallet through the wallet's
//! refund of the captured redemption, exactly once — also when every
//! storefront event is delivered again and after a restart — and the ledger
//! still balances. A card order's return refunds nothing here.

use std::sync::Arc;
use std::time::Duration;

use golmok_kernel::{EventHandler, LogTail, Projections};
use golmok_runtime::Actor;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::orders::{Shop, order_and_pay, shop, status, wallet};

async fn confirm(app: &TestApp, shop: &Shop, order: Uuid) {
    let confirmation = format!("/merchants/{}/orders/{order}/confirmation", shop.merchant);
    app.storefront(
        Method::POST,
        &confirmation,
        &merchant_actor(shop.merchant),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
}

async fn return_one(app: &TestApp, shop: &Shop, order: Uuid, buyer: &Actor) -> Value {
    app.storefront(
        Method::POST,
        &format!("/merchants/{}/orders/{order}/returns", shop.merchant),
        buyer,
        json!({"lines": [{"productId": shop.product, "quantity": 1}], "reason": "포장 파손"}),
    )
    .await
    .expect(StatusCode::CREATED)
    .clone()
}

fn refund_status(order: &Value) -> &str {
    order["returns"][0]["refund"]["status"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_returned_line_is_refunded_to_the_wallet_exactly_once() {
    let app = spawn_app().await;
    let shop = shop(&app, 6_000).await;
    let kim = citizen("kim");
    let wallet_id = app.buy(shop.programme, &kim, 50_000).await;
    let order = order_and_pay(&app, &shop, &kim, 2).await;
    app.order_until(order, &kim, |o| status(o) == "HELD").await;
    confirm(&app, &shop, order).await;
    app.order_until(order, &kim, |o| status(o) == "PAID").await;
    assert_eq!(wallet(&app, wallet_id, &kim).await["balance"], 38_000);

    let returned = return_one(&app, &shop, order, &kim).await;
    assert_eq!(returned["returns"][0]["amount"], 6_000, "{returned}");
    assert_eq!(refund_status(&returned), "PENDING");
    let refunded = app
        .order_until(order, &kim, |o| refund_status(o) != "PENDING")
        .await;
    assert_eq!(refund_status(&refunded), "REFUNDED", "{refunded}");
    let after = wallet(&app, wallet_id, &kim).await;
    assert_eq!(after["balance"], 44_000, "{after}");
    let history = app.redemptions(wallet_id, &kim).await;
    assert_eq!(history[0]["refunded"], 6_000, "{history}");
    app.assert_balanced(shop.programme).await;

    // Every storefront event again, as a consumer that lost its inbox and
    // checkpoint would receive them: no second refund.
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
    assert_eq!(wallet(&app, wallet_id, &kim).await["balance"], 44_000);

    // And after a restart on the same data.
    let app = app.restart().await;
    let order_now = app
        .order_until(order, &kim, |o| refund_status(o) == "REFUNDED")
        .await;
    assert_eq!(order_now["returns"].as_array().unwrap().len(), 1);
    let after = wallet(&app, wallet_id, &kim).await;
    assert_eq!(after["balance"], 44_000, "{after}");
    let history = app.redemptions(wallet_id, &kim).await;
    assert_eq!(history[0]["refunded"], 6_000, "{history}");
    app.assert_balanced(shop.programme).await;
}

#[tokio::test]
async fn a_second_return_refunds_its_own_amount_and_a_card_order_refunds_nothing() {
    let app = spawn_app().await;
    let shop = shop(&app, 5_000).await;
    let lee = citizen("lee");
    let wallet_id = app.buy(shop.programme, &lee, 50_000).await;
    let order = order_and_pay(&app, &shop, &lee, 2).await;
    app.order_until(order, &lee, |o| status(o) == "HELD").await;
    confirm(&app, &shop, order).await;
    app.order_until(order, &lee, |o| status(o) == "PAID").await;
    return_one(&app, &shop, order, &lee).await;
    return_one(&app, &shop, order, &lee).await;
    let both = app
        .order_until(order, &lee, |o| {
            o["returns"]
                .as_array()
                .is_some_and(|r| r.iter().all(|r| r["refund"]["status"] == "REFUNDED"))
        })
        .await;
    assert_eq!(both["returns"].as_array().unwrap().len(), 2);
    assert_eq!(wallet(&app, wallet_id, &lee).await["balance"], 50_000);
    // Nothing is left to return.
    let third = app
        .storefront(
            Method::POST,
            &format!("/merchants/{}/orders/{order}/returns", shop.merchant),
            &lee,
            json!({"lines": [{"productId": shop.product, "quantity": 1}], "reason": "x"}),
        )
        .await;
    assert_eq!(
        third.expect(StatusCode::UNPROCESSABLE_ENTITY)["code"],
        "RETURN_QUANTITY_EXCEEDED"
    );

    let placed = app
        .storefront(
            Method::POST,
            &format!("/merchants/{}/orders", shop.merchant),
            &lee,
            json!({"lines": [{"productId": shop.product, "quantity": 1}], "payment": "CARD"}),
        )
        .await;
    let card = id_of(placed.expect(StatusCode::CREATED));
    confirm(&app, &shop, card).await;
    let returned = return_one(&app, &shop, card, &lee).await;
    assert_eq!(refund_status(&returned), "NOT_APPLICABLE", "{returned}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(wallet(&app, wallet_id, &lee).await["balance"], 50_000);
    app.assert_balanced(shop.programme).await;
}
