//! Returns of confirmed orders over HTTP: per line within the window, the
//! units available again, quantities across partial returns, who may
//! return, and the refund's status from the voucher service's answer.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TestApp, citizen, id_of, merchant_actor, retailer, settings, spawn_app, spawn_with,
};
use crate::voucher_flow::answer;

/// A merchant with products #a (5,000 won, 10 units) and #b (12,000 won, 3),
/// and a confirmed CARD order of 4 × #a and 2 × #b by citizen-lee.
async fn confirmed_order(app: &TestApp) -> (Uuid, Uuid, Uuid, Value) {
    let merchant = app.merchant(retailer()).await;
    let a = app.product(merchant, 5_000, 10).await;
    let b = app.product(merchant, 12_000, 3).await;
    let lines = json!([{"productId": a, "quantity": 4}, {"productId": b, "quantity": 2}]);
    let placed = app
        .post(
            &format!("/merchants/{merchant}/orders"),
            &citizen("citizen-lee"),
            json!({"lines": lines, "payment": "CARD"}),
        )
        .await;
    let order = placed.expect(StatusCode::CREATED).clone();
    app.post(
        &format!(
            "/merchants/{merchant}/orders/{}/confirmation",
            id_of(&order)
        ),
        &merchant_actor(merchant),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    (merchant, a, b, order)
}

fn returns_path(merchant: Uuid, order: &Value) -> String {
    format!("/merchants/{merchant}/orders/{}/returns", id_of(order))
}

fn lines(lines: &[(Uuid, i64)]) -> Value {
    json!({
        "lines": lines.iter().map(|(p, q)| json!({"productId": p, "quantity": q})).collect::<Vec<_>>(),
        "reason": "포장 파손",
    })
}

async fn available(app: &TestApp, merchant: Uuid, product: Uuid) -> Value {
    let reply = app
        .get(
            &format!("/products/{product}"),
            Some(&merchant_actor(merchant)),
        )
        .await;
    reply.expect(StatusCode::OK)["available"].clone()
}

#[tokio::test]
async fn lines_are_returned_in_parts_until_nothing_is_left() {
    let app = spawn_app().await;
    let (merchant, a, b, order) = confirmed_order(&app).await;
    let path = returns_path(merchant, &order);
    assert_eq!(available(&app, merchant, a).await, 6);

    let first = app
        .post(&path, &citizen("citizen-lee"), lines(&[(a, 1), (b, 1)]))
        .await;
    let first = first.expect(StatusCode::CREATED).clone();
    assert_eq!(first["status"], "CONFIRMED");
    let returned = &first["returns"][0];
    assert_eq!(returned["amount"], 17_000);
    assert_eq!(returned["reason"], "포장 파손");
    assert_eq!(
        returned["lines"],
        json!([
            {"productId": a, "quantity": 1, "amount": 5_000},
            {"productId": b, "quantity": 1, "amount": 12_000},
        ])
    );
    assert_eq!(returned["refund"], json!({"status": "NOT_APPLICABLE"}));
    assert_eq!(available(&app, merchant, a).await, 7);
    assert_eq!(available(&app, merchant, b).await, 2);

    // The merchant returns the rest of #a; one more unit of #a is refused.
    app.post(&path, &merchant_actor(merchant), lines(&[(a, 3)]))
        .await
        .expect(StatusCode::CREATED);
    app.post(&path, &citizen("citizen-lee"), lines(&[(b, 1), (a, 1)]))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "RETURN_QUANTITY_EXCEEDED",
            Some("lines.1.quantity"),
        );
    let last = app
        .post(&path, &citizen("citizen-lee"), lines(&[(b, 1)]))
        .await;
    let last = last.expect(StatusCode::CREATED).clone();
    assert_eq!(last["returns"].as_array().unwrap().len(), 3);
    assert_eq!(available(&app, merchant, a).await, 10);
    assert_eq!(available(&app, merchant, b).await, 3);
    let read = app
        .get(
            &format!("/orders/{}", id_of(&order)),
            Some(&citizen("citizen-lee")),
        )
        .await;
    assert_eq!(read.expect(StatusCode::OK), &last);
}

#[tokio::test]
async fn bad_returns_are_refused_with_stable_codes_and_change_nothing() {
    let app = spawn_app().await;
    let (merchant, a, b, order) = confirmed_order(&app).await;
    let path = returns_path(merchant, &order);
    let lee = citizen("citizen-lee");
    app.post(&path, &citizen("someone-else"), lines(&[(a, 1)]))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    // A partner whose subject happens to be the buyer's is not the buyer.
    let partner = golmok_runtime::Actor {
        subject: "citizen-lee".into(),
        role: golmok_runtime::Role::Partner,
        merchant_id: None,
    };
    app.post(&path, &partner, lines(&[(a, 1)])).await.error(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        None,
    );
    app.post(&path, &lee, lines(&[(a, 1), (Uuid::now_v7(), 1)]))
        .await
        .error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ORDER_LINE_NOT_FOUND",
            Some("lines.1.productId"),
        );
    app.post(&path, &lee, lines(&[(b, 3)])).await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "RETURN_QUANTITY_EXCEEDED",
        Some("lines.0.quantity"),
    );
    app.post(&path, &lee, lines(&[])).await.error(
        StatusCode::BAD_REQUEST,
        "ORDER_LINES_REQUIRED",
        Some("lines"),
    );
    app.post(
        &path,
        &lee,
        json!({"lines": [{"productId": a, "quantity": 1}], "reason": " "}),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "FIELD_REQUIRED", Some("reason"));

    // A placed order is not returnable yet.
    let placed = app
        .post(
            &format!("/merchants/{merchant}/orders"),
            &lee,
            json!({"lines": [{"productId": a, "quantity": 1}], "payment": "CARD"}),
        )
        .await;
    let placed = placed.expect(StatusCode::CREATED).clone();
    app.post(&returns_path(merchant, &placed), &lee, lines(&[(a, 1)]))
        .await
        .error(StatusCode::CONFLICT, "ORDER_NOT_RETURNABLE", None);

    let read = app
        .get(&format!("/orders/{}", id_of(&order)), Some(&lee))
        .await;
    assert_eq!(read.expect(StatusCode::OK).get("returns"), None);
    assert_eq!(available(&app, merchant, a).await, 5);
}

#[tokio::test]
async fn a_return_after_the_window_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&dir);
    settings.returns.window_days = 0;
    let app = spawn_with(dir, settings).await;
    let (merchant, a, _, order) = confirmed_order(&app).await;
    app.post(
        &returns_path(merchant, &order),
        &citizen("citizen-lee"),
        lines(&[(a, 1)]),
    )
    .await
    .error(StatusCode::CONFLICT, "RETURN_WINDOW_CLOSED", None);
}

#[tokio::test]
async fn a_voucher_return_shows_the_voucher_services_answer_once() {
    let app = spawn_app().await;
    let log = app.voucher_log().await;
    let merchant = app.merchant(retailer()).await;
    let product = app.product(merchant, 5_000, 10).await;
    let lee = citizen("citizen-lee");
    let placed = app
        .post(
            &format!("/merchants/{merchant}/orders"),
            &lee,
            json!({"lines": [{"productId": product, "quantity": 2}], "payment": "VOUCHER"}),
        )
        .await;
    let order = placed.expect(StatusCode::CREATED).clone();
    let order_path = format!("/orders/{}", id_of(&order));
    let requested = app
        .post(
            &format!(
                "/merchants/{merchant}/orders/{}/voucher-payment",
                id_of(&order)
            ),
            &lee,
            json!({"programmeId": Uuid::now_v7()}),
        )
        .await;
    let payment = requested.expect(StatusCode::ACCEPTED)["payment"]["paymentId"].clone();
    let held = json!({"walletId": Uuid::now_v7(), "amount": 10_000});
    answer(&log, "OrderPaymentHeld", &order, &payment, held).await;
    app.until(&order_path, &lee, |o| o["payment"]["status"] == "HELD")
        .await;
    app.post(
        &format!(
            "/merchants/{merchant}/orders/{}/confirmation",
            id_of(&order)
        ),
        &merchant_actor(merchant),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    // Not returnable until the capture is answered.
    let path = returns_path(merchant, &order);
    app.post(&path, &lee, lines(&[(product, 1)])).await.error(
        StatusCode::CONFLICT,
        "ORDER_NOT_RETURNABLE",
        None,
    );
    answer(&log, "OrderPaymentCaptured", &order, &payment, json!({})).await;
    app.until(&order_path, &lee, |o| o["payment"]["status"] == "PAID")
        .await;

    let returned = app.post(&path, &lee, lines(&[(product, 1)])).await;
    let returned = returned.expect(StatusCode::CREATED).clone();
    assert_eq!(
        returned["returns"][0]["refund"],
        json!({"status": "PENDING"})
    );
    let return_id = returned["returns"][0]["id"].clone();
    let declined =
        json!({"returnId": return_id, "code": "REFUND_WINDOW_CLOSED", "reason": "too late"});
    answer(
        &log,
        "OrderPaymentRefundDeclined",
        &order,
        &payment,
        declined,
    )
    .await;
    let refund = app
        .until(&order_path, &lee, |o| {
            o["returns"][0]["refund"]["status"] != "PENDING"
        })
        .await["returns"][0]["refund"]
        .clone();
    assert_eq!(refund["status"], "DECLINED");
    assert_eq!(refund["code"], "REFUND_WINDOW_CLOSED");
    // A later answer about the same return changes nothing.
    let refunded = json!({"returnId": return_id, "amount": 5_000});
    answer(&log, "OrderPaymentRefunded", &order, &payment, refunded).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let read = app.get(&order_path, Some(&lee)).await;
    assert_eq!(read.expect(StatusCode::OK)["returns"][0]["refund"], refund);
}
