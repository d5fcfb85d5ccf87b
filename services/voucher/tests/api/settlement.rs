//! Settlement needs a closed business day, so these tests call the service's
//! application API (the one the HTTP routes call) with a later "now"; what
//! the HTTP API shows of the result is read over HTTP.

use chrono::{Days, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::json;
use voucher::domain::seoul_date;

use crate::helpers::*;

#[tokio::test]
async fn a_closed_day_settles_captures_minus_refunds_and_fees_paid_t_plus_2() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let small = app.merchant("을지로", "food", "SMALL").await;
    let micro = app.merchant("명동", "food", "MICRO").await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 50_000).await;
    let pay =
        |merchant: uuid::Uuid, amount: i64| app.redeem("payments", wallet, &kim, merchant, amount);
    let first = pay(small, 10_000).await;
    let redemption = first.expect(StatusCode::CREATED)["redemption"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let held = app
        .post(
            &format!("/wallets/{wallet}/holds"),
            &kim,
            json!({"merchantId": small, "amount": 5000}),
        )
        .await;
    let hold = held.expect(StatusCode::CREATED)["redemption"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/wallets/{wallet}/redemptions/{hold}/capture"),
        &merchant_actor(small),
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    pay(micro, 7_000).await.expect(StatusCode::CREATED);
    let refund = app
        .post(
            &format!("/wallets/{wallet}/redemptions/{redemption}/refunds"),
            &merchant_actor(small),
            json!({"amount": 1000}),
        )
        .await;
    assert_eq!(
        refund.expect(StatusCode::OK)["redemption"]["refunded"],
        1_000
    );

    let today = seoul_date(Utc::now());
    app.post(
        &format!("/programmes/{programme}/settlements"),
        &official(),
        json!({"businessDate": today}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "BUSINESS_DAY_NOT_CLOSED",
        Some("businessDate"),
    );

    let tomorrow = Utc::now() + TimeDelta::days(1);
    let voucher = app.app.voucher();
    let batches = voucher.settle(programme, today, tomorrow).await.unwrap();
    assert_eq!(batches.len(), 2);
    let of = |merchant| batches.iter().find(|b| b.merchant_id == merchant).unwrap();
    // 10,000 − 1,000 refunded + 5,000 captured; 0.3 % fee for a small merchant.
    assert_eq!(
        (of(small).gross, of(small).fee, of(small).net),
        (14_000, 42, 13_958)
    );
    assert_eq!(
        (of(micro).gross, of(micro).fee, of(micro).net),
        (7_000, 0, 7_000)
    );
    let payout_on = voucher.policy().calendar.add_business_days(today, 2);
    assert_eq!(of(small).payout_on, payout_on);
    assert_eq!(
        voucher.settle(programme, today, tomorrow).await.unwrap(),
        batches,
        "settling again changes nothing"
    );

    let mine = app
        .get(
            &format!("/merchants/{small}/settlements"),
            &merchant_actor(small),
        )
        .await;
    assert_eq!(mine.expect(StatusCode::OK)["items"][0]["net"], 13_958);
    app.get(
        &format!("/merchants/{small}/settlements"),
        &merchant_actor(micro),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let report = app
        .get(
            &format!("/programmes/{programme}/settlements?date={today}"),
            &official(),
        )
        .await;
    assert_eq!(report.expect(StatusCode::OK).as_array().unwrap().len(), 2);
    assert_eq!(
        app.account(programme, &format!("merchant:{small}")).await["balance"],
        0
    );
    assert_eq!(app.account(programme, "fees").await["balance"], 42);
    assert_eq!(app.account(programme, "clearing").await["balance"], 20_958);

    assert!(
        voucher
            .pay_out(programme, tomorrow)
            .await
            .unwrap()
            .is_empty(),
        "T+2 has not come"
    );
    let due = payout_on.and_hms_opt(0, 0, 0).unwrap().and_utc() - TimeDelta::hours(9);
    let paid = voucher.pay_out(programme, due).await.unwrap();
    assert_eq!(paid.len(), 2);
    assert!(paid.iter().all(|b| b.paid_at == Some(due)));
    assert_eq!(app.account(programme, "clearing").await["balance"], 0);
    app.assert_balanced(programme).await;
    app.stop().await;
}

#[tokio::test]
async fn a_capture_after_its_days_batch_settles_in_the_next_one() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "MEDIUM").await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 10_000).await;
    let pay = |amount: i64| app.redeem("payments", wallet, &kim, merchant, amount);
    pay(4_000).await.expect(StatusCode::CREATED);
    let today = seoul_date(Utc::now());
    let voucher = app.app.voucher();
    let first = voucher
        .settle(programme, today, Utc::now() + TimeDelta::days(1))
        .await
        .unwrap();
    assert_eq!(first[0].gross, 4_000);
    // A straggler of the same day, after its batch was cut.
    pay(3_000).await.expect(StatusCode::CREATED);
    assert_eq!(
        voucher
            .settle(programme, today, Utc::now() + TimeDelta::days(1))
            .await
            .unwrap(),
        first
    );
    let next_day = today.checked_add_days(Days::new(1)).unwrap();
    let second = voucher
        .settle(programme, next_day, Utc::now() + TimeDelta::days(2))
        .await
        .unwrap();
    assert_eq!(
        (second[0].gross, second[0].fee),
        (3_000, 15),
        "0.5 % for a medium merchant"
    );
    assert_eq!(
        app.account(programme, &format!("merchant:{merchant}"))
            .await["balance"],
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn after_validity_the_unused_balance_expires() {
    let app = spawn_app().await;
    let today = seoul_date(Utc::now());
    let programme = app.programme(json!({"validUntil": today})).await;
    let kim = citizen("kim");
    let wallet = app.buy(programme, &kim, 10_000).await;
    app.post(
        &format!("/programmes/{programme}/expiry"),
        &official(),
        json!({}),
    )
    .await
    .error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "PROGRAMME_STILL_VALID",
        None,
    );
    let expired = app
        .app
        .voucher()
        .expire(programme, Utc::now() + TimeDelta::days(1))
        .await
        .unwrap();
    assert_eq!(expired, 1);
    let view = app.get(&format!("/wallets/{wallet}"), &kim).await;
    let view = view.expect(StatusCode::OK);
    assert_eq!(
        (view["balance"].as_i64(), view["expired"].as_i64()),
        (Some(0), Some(10_000))
    );
    assert_eq!(app.account(programme, "expired").await["balance"], 10_000);
    app.assert_balanced(programme).await;
    app.stop().await;
}

#[tokio::test]
async fn an_issuer_reports_the_batches_of_all_its_programmes_and_no_others() {
    let app = spawn_app().await;
    let first = app.programme(json!({})).await;
    let second = app.programme(json!({"name": "중구 청년상품권"})).await;
    let other = app
        .programme(json!({"issuer": "서울특별시 마포구", "districts": ["을지로"]}))
        .await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let kim = citizen("kim");
    for programme in [first, second, other] {
        let wallet = app.buy(programme, &kim, 10_000).await;
        app.redeem("payments", wallet, &kim, merchant, 2_000)
            .await
            .expect(StatusCode::CREATED);
        let today = seoul_date(Utc::now());
        app.app
            .voucher()
            .settle(programme, today, Utc::now() + TimeDelta::days(1))
            .await
            .unwrap();
    }
    let report = app
        .get("/settlements?issuer=서울특별시%20중구", &official())
        .await;
    let batches = report.expect(StatusCode::OK).as_array().unwrap().clone();
    let mut programmes: Vec<&str> = batches
        .iter()
        .map(|b| b["programmeId"].as_str().unwrap())
        .collect();
    programmes.sort();
    let mut expected = vec![first.to_string(), second.to_string()];
    expected.sort();
    assert_eq!(programmes, expected);
    app.get("/settlements", &official()).await.error(
        StatusCode::BAD_REQUEST,
        "FIELD_REQUIRED",
        Some("issuer"),
    );
    app.get("/settlements?issuer=x", &merchant_actor(merchant))
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    app.stop().await;
}
