//! Paying orders by voucher and fraud suspensions: the storefront's side of
//! the flows with the voucher service, whose events are appended to a log in
//! their published wire format (schemas/events/voucher/).

use std::sync::Arc;

use chrono::Utc;
use golmok_kernel::{AppendRequest, Envelope, EventLog, ExpectedVersion};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, citizen, id_of, merchant_actor, official, retailer, spawn_app};

/// Appends one voucher event to `log`, as the voucher service would.
async fn publish(log: &Arc<dyn EventLog>, subject: &str, name: &str, data: Value) {
    let id = Uuid::now_v7();
    let envelope = Envelope {
        id,
        source: "/golmok/voucher".into(),
        event_type: format!("kr.golmok.voucher.{name}.v1"),
        subject: subject.into(),
        time: Utc::now(),
        stream_version: 0,
        correlation_id: id,
        causation_id: id,
        traceparent: None,
        data,
    };
    log.append(AppendRequest {
        stream: subject.into(),
        expected: ExpectedVersion::Any,
        events: vec![envelope],
        idempotency: None,
    })
    .await
    .expect("voucher event appended");
}

/// The voucher's answer about attempt `payment` of an order.
pub(crate) async fn answer(
    log: &Arc<dyn EventLog>,
    name: &str,
    order: &Value,
    payment: &Value,
    extra: Value,
) {
    let mut data = json!({
        "orderId": order["id"],
        "merchantId": order["merchantId"],
        "paymentId": payment,
        "at": Utc::now(),
    });
    if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        data.extend(extra.clone());
    }
    let subject = format!("order-payment-{}", order["id"].as_str().unwrap());
    publish(log, &subject, name, data).await;
}

/// A merchant selling one product at 5,000 won and an order of it by `buyer`.
async fn voucher_order(app: &TestApp, buyer: &str, payment: &str) -> (Uuid, Value) {
    let merchant = app.merchant(retailer()).await;
    let product = app.product(merchant, 5_000, 10).await;
    let reply = app
        .post(
            &format!("/merchants/{merchant}/orders"),
            &citizen(buyer),
            json!({"lines": [{"productId": product, "quantity": 2}], "payment": payment}),
        )
        .await;
    (merchant, reply.expect(StatusCode::CREATED).clone())
}

fn pay_path(merchant: Uuid, order: &Value) -> String {
    format!(
        "/merchants/{merchant}/orders/{}/voucher-payment",
        id_of(order)
    )
}

fn confirm_path(merchant: Uuid, order: &Value) -> String {
    format!("/merchants/{merchant}/orders/{}/confirmation", id_of(order))
}

#[tokio::test]
async fn only_the_buyer_requests_a_voucher_payment_and_only_once() {
    let app = spawn_app().await;
    let (merchant, order) = voucher_order(&app, "kim", "VOUCHER").await;
    let programme = Uuid::now_v7();
    let body = json!({"programmeId": programme});
    app.post(&pay_path(merchant, &order), &citizen("park"), body.clone())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let requested = app
        .post(&pay_path(merchant, &order), &citizen("kim"), body.clone())
        .await;
    let requested = requested.expect(StatusCode::ACCEPTED);
    assert_eq!(requested["payment"]["status"], "REQUESTED");
    assert_eq!(requested["payment"]["programmeId"], programme.to_string());
    assert!(requested["payment"]["paymentId"].is_string());
    app.post(&pay_path(merchant, &order), &citizen("kim"), body)
        .await
        .error(StatusCode::CONFLICT, "PAYMENT_TRANSITION_NOT_ALLOWED", None);
    app.post(
        &confirm_path(merchant, &order),
        &merchant_actor(merchant),
        json!({}),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "PAYMENT_NOT_HELD", None);
    app.post(&confirm_path(merchant, &order), &citizen("kim"), json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);

    let (card_merchant, card) = voucher_order(&app, "kim", "CARD").await;
    app.post(
        &pay_path(card_merchant, &card),
        &citizen("kim"),
        json!({"programmeId": programme}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "PAYMENT_METHOD_NOT_VOUCHER",
        None,
    );
    app.post(
        &pay_path(merchant, &order),
        &citizen("kim"),
        json!({"programmeId": "not-a-uuid"}),
    )
    .await
    .error(
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD",
        Some("programmeId"),
    );
}

#[tokio::test]
async fn the_voucher_services_answers_move_the_payment_to_paid() {
    let app = spawn_app().await;
    let log = app.voucher_log().await;
    let (merchant, order) = voucher_order(&app, "kim", "VOUCHER").await;
    let kim = citizen("kim");
    let order_path = format!("/orders/{}", id_of(&order));
    let requested = app
        .post(
            &pay_path(merchant, &order),
            &kim,
            json!({"programmeId": Uuid::now_v7()}),
        )
        .await
        .expect(StatusCode::ACCEPTED)
        .clone();
    let payment = requested["payment"]["paymentId"].clone();

    // An answer about some other attempt changes nothing.
    answer(
        &log,
        "OrderPaymentHeld",
        &order,
        &json!(Uuid::now_v7()),
        json!({"walletId": Uuid::now_v7(), "amount": 10_000}),
    )
    .await;
    let held = json!({"walletId": Uuid::now_v7(), "amount": 10_000});
    answer(&log, "OrderPaymentHeld", &order, &payment, held.clone()).await;
    app.until(&order_path, &kim, |o| o["payment"]["status"] == "HELD")
        .await;
    // Redelivered: still held, and the merchant can confirm once.
    answer(&log, "OrderPaymentHeld", &order, &payment, held).await;
    let confirmed = app
        .post(
            &confirm_path(merchant, &order),
            &merchant_actor(merchant),
            json!({}),
        )
        .await;
    let confirmed = confirmed.expect(StatusCode::OK);
    assert_eq!(confirmed["status"], "CONFIRMED");
    assert_eq!(confirmed["payment"]["status"], "HELD");
    app.post(
        &confirm_path(merchant, &order),
        &merchant_actor(merchant),
        json!({}),
    )
    .await
    .error(StatusCode::CONFLICT, "ORDER_ALREADY_CONFIRMED", None);
    app.post(
        &format!(
            "/merchants/{merchant}/orders/{}/cancellation",
            id_of(&order)
        ),
        &kim,
        json!({"reason": "변심"}),
    )
    .await
    .error(StatusCode::CONFLICT, "ORDER_ALREADY_CONFIRMED", None);

    answer(&log, "OrderPaymentCaptured", &order, &payment, json!({})).await;
    let paid = app
        .until(&order_path, &kim, |o| o["payment"]["status"] == "PAID")
        .await;
    assert_eq!(paid["status"], "CONFIRMED");
    assert!(paid["confirmedAt"].is_string());
}

#[tokio::test]
async fn a_declined_payment_carries_the_code_and_can_be_requested_again() {
    let app = spawn_app().await;
    let log = app.voucher_log().await;
    let (merchant, order) = voucher_order(&app, "lee", "VOUCHER").await;
    let lee = citizen("lee");
    let order_path = format!("/orders/{}", id_of(&order));
    let body = json!({"programmeId": Uuid::now_v7()});
    let first = app
        .post(&pay_path(merchant, &order), &lee, body.clone())
        .await;
    let first = first.expect(StatusCode::ACCEPTED)["payment"]["paymentId"].clone();
    let decline =
        json!({"code": "INSUFFICIENT_BALANCE", "reason": "the wallet has 3000 won available"});
    answer(
        &log,
        "OrderPaymentDeclined",
        &order,
        &first,
        decline.clone(),
    )
    .await;
    let declined = app
        .until(&order_path, &lee, |o| o["payment"]["status"] == "DECLINED")
        .await;
    assert_eq!(declined["payment"]["code"], "INSUFFICIENT_BALANCE");
    assert_eq!(
        declined["payment"]["reason"],
        "the wallet has 3000 won available"
    );

    let second = app.post(&pay_path(merchant, &order), &lee, body).await;
    let second = second.expect(StatusCode::ACCEPTED).clone();
    assert_eq!(second["payment"]["status"], "REQUESTED");
    assert!(second["payment"]["code"].is_null());
    assert_ne!(second["payment"]["paymentId"], first);
    // The first attempt's decline, redelivered, does not touch the second:
    // the second's hold (behind it in the log) still finds it REQUESTED.
    answer(&log, "OrderPaymentDeclined", &order, &first, decline).await;
    let held = json!({"walletId": Uuid::now_v7(), "amount": 10_000});
    answer(
        &log,
        "OrderPaymentHeld",
        &order,
        &second["payment"]["paymentId"],
        held,
    )
    .await;
    let now = app
        .until(&order_path, &lee, |o| o["payment"]["status"] != "REQUESTED")
        .await;
    assert_eq!(now["payment"]["status"], "HELD");
    assert!(now["payment"]["code"].is_null());
}

#[tokio::test]
async fn cancelling_a_held_order_ends_voided_once_the_hold_is_released() {
    let app = spawn_app().await;
    let log = app.voucher_log().await;
    let (merchant, order) = voucher_order(&app, "choi", "VOUCHER").await;
    let choi = citizen("choi");
    let order_path = format!("/orders/{}", id_of(&order));
    let requested = app
        .post(
            &pay_path(merchant, &order),
            &choi,
            json!({"programmeId": Uuid::now_v7()}),
        )
        .await;
    let payment = requested.expect(StatusCode::ACCEPTED)["payment"]["paymentId"].clone();
    answer(
        &log,
        "OrderPaymentHeld",
        &order,
        &payment,
        json!({"walletId": Uuid::now_v7(), "amount": 10_000}),
    )
    .await;
    app.until(&order_path, &choi, |o| o["payment"]["status"] == "HELD")
        .await;
    let cancelled = app
        .post(
            &format!(
                "/merchants/{merchant}/orders/{}/cancellation",
                id_of(&order)
            ),
            &choi,
            json!({"reason": "변심"}),
        )
        .await;
    let cancelled = cancelled.expect(StatusCode::OK);
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["payment"]["status"], "HELD");
    answer(&log, "OrderPaymentVoided", &order, &payment, json!({})).await;
    app.until(&order_path, &choi, |o| o["payment"]["status"] == "VOIDED")
        .await;
}

#[tokio::test]
async fn a_fraud_suspension_in_the_voucher_service_suspends_the_merchant_here() {
    let app = spawn_app().await;
    let log = app.voucher_log().await;
    let (merchant, _) = voucher_order(&app, "kim", "VOUCHER").await;
    let case = Uuid::now_v7();
    let subject = format!("case-{case}");
    publish(
        &log,
        &subject,
        "CaseOpened",
        json!({"caseId": case, "programmeId": Uuid::now_v7(), "merchantId": merchant,
               "rule": "ROUND_AMOUNT_BURST", "evidence": "5 round redemptions", "at": Utc::now()}),
    )
    .await;
    publish(
        &log,
        &subject,
        "CaseMerchantSuspended",
        json!({"official": "official-jung-gu", "reason": "현장 점검에서 깡 확인", "at": Utc::now()}),
    )
    .await;
    let path = format!("/merchants/{merchant}");
    let suspended = app
        .until(&path, &official(), |m| m["status"] == "SUSPENDED")
        .await;
    let reason = suspended["suspensionReason"].as_str().unwrap();
    assert!(reason.contains(&case.to_string()), "{reason}");
    assert!(reason.ends_with("현장 점검에서 깡 확인"), "{reason}");
    let directory = app.get("/merchants", None).await;
    let listed: Vec<&Value> = directory.body["items"].as_array().unwrap().iter().collect();
    assert!(listed.iter().all(|m| m["id"] != merchant.to_string()));

    publish(
        &log,
        &subject,
        "CaseMerchantReinstated",
        json!({"official": "official-jung-gu", "at": Utc::now()}),
    )
    .await;
    app.until(&path, &official(), |m| m["status"] == "ACTIVE")
        .await;
}

#[tokio::test]
async fn a_case_does_not_lift_a_suspension_it_did_not_cause() {
    let app = spawn_app().await;
    let log = app.voucher_log().await;
    let merchant = app.merchant(retailer()).await;
    let path = format!("/merchants/{merchant}");
    app.post(
        &format!("{path}/suspension"),
        &official(),
        json!({"reason": "영업 신고 누락"}),
    )
    .await
    .expect(StatusCode::OK);
    let case = Uuid::now_v7();
    let subject = format!("case-{case}");
    publish(
        &log,
        &subject,
        "CaseOpened",
        json!({"caseId": case, "programmeId": Uuid::now_v7(), "merchantId": merchant,
               "rule": "VELOCITY_ABOVE_BASELINE", "evidence": "x", "at": Utc::now()}),
    )
    .await;
    publish(
        &log,
        &subject,
        "CaseMerchantSuspended",
        json!({"official": "o", "reason": "깡", "at": Utc::now()}),
    )
    .await;
    publish(
        &log,
        &subject,
        "CaseMerchantReinstated",
        json!({"official": "o", "at": Utc::now()}),
    )
    .await;
    // A marker merchant suspended after the case shows the consumer got past it.
    let marker = app.merchant(retailer()).await;
    let marker_case = Uuid::now_v7();
    let marker_subject = format!("case-{marker_case}");
    publish(
        &log,
        &marker_subject,
        "CaseOpened",
        json!({"caseId": marker_case, "programmeId": Uuid::now_v7(), "merchantId": marker,
               "rule": "VELOCITY_ABOVE_BASELINE", "evidence": "x", "at": Utc::now()}),
    )
    .await;
    publish(
        &log,
        &marker_subject,
        "CaseMerchantSuspended",
        json!({"official": "o", "reason": "깡", "at": Utc::now()}),
    )
    .await;
    app.until(&format!("/merchants/{marker}"), &official(), |m| {
        m["status"] == "SUSPENDED"
    })
    .await;
    let still = app.get(&path, Some(&official())).await;
    assert_eq!(still.body["status"], "SUSPENDED");
    assert_eq!(still.body["suspensionReason"], "영업 신고 누락");
}
