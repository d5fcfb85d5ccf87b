use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_burst_of_round_amounts_opens_a_case_and_an_official_can_suspend_the_merchant() {
    let app = spawn_app().await;
    let programme = app.programme(json!({})).await;
    let merchant = app.merchant("을지로", "food", "SMALL").await;
    let mut wallets = Vec::new();
    for n in 0..6 {
        let who = citizen(&format!("citizen-{n}"));
        let wallet = app.buy(programme, &who, 50_000).await;
        wallets.push((who, wallet));
    }
    for (who, wallet) in &wallets[..5] {
        app.post(
            &format!("/wallets/{wallet}/payments"),
            who,
            json!({"merchantId": merchant, "amount": 10000}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    let cases = app
        .until(&format!("/programmes/{programme}/cases"), |r| {
            r.body["items"].as_array().is_some_and(|i| !i.is_empty())
        })
        .await;
    let items = cases.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["rule"], "ROUND_AMOUNT_BURST");
    assert_eq!(items[0]["merchantId"], merchant.to_string());
    assert_eq!(items[0]["status"], "OPEN");
    let case = items[0]["id"].as_str().unwrap().to_owned();
    app.get(
        &format!("/programmes/{programme}/cases"),
        &citizen("citizen-0"),
    )
    .await
    .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);

    let suspended = app
        .post(
            &format!("/cases/{case}/suspension"),
            &official(),
            json!({"reason": "현장 점검에서 깡 확인"}),
        )
        .await;
    assert_eq!(
        suspended.expect(StatusCode::OK)["status"],
        "MERCHANT_SUSPENDED"
    );
    let (who, wallet) = &wallets[5];
    let pay = || app.redeem("payments", *wallet, who, merchant, 1234);
    pay().await.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "MERCHANT_SUSPENDED",
        Some("merchantId"),
    );
    let standing = app
        .get(&format!("/merchants/{merchant}"), &official())
        .await;
    assert_eq!(
        standing.expect(StatusCode::OK)["voucherSuspendedIn"],
        json!([programme])
    );
    // The storefront follows: the merchant is suspended there with the case
    // as the reason, which the voucher's directory hears back.
    app.until(&format!("/merchants/{merchant}"), |r| {
        r.body["suspended"] == true
    })
    .await;
    let path = format!("/merchants/{merchant}");
    let storefront = app
        .storefront_until(&path, |r| r.body["status"] == "SUSPENDED")
        .await;
    let storefront = storefront.expect(StatusCode::OK);
    assert_eq!(storefront["status"], "SUSPENDED");
    let reason = storefront["suspensionReason"].as_str().unwrap();
    assert!(reason.contains(&case), "{reason}");
    assert!(reason.ends_with("현장 점검에서 깡 확인"), "{reason}");

    let reinstated = app
        .call(
            Method::DELETE,
            &format!("/cases/{case}/suspension"),
            Some(&official()),
            None,
            None,
        )
        .await;
    assert_eq!(
        reinstated.expect(StatusCode::OK)["status"],
        "MERCHANT_REINSTATED"
    );
    app.until(&format!("/merchants/{merchant}"), |r| {
        r.body["suspended"] == false
    })
    .await;
    let storefront = app
        .storefront_until(&path, |r| r.body["status"] == "ACTIVE")
        .await;
    assert_eq!(storefront.expect(StatusCode::OK)["status"], "ACTIVE");
    pay().await.expect(StatusCode::CREATED);
    app.post(
        &format!("/cases/{case}/dismissal"),
        &official(),
        json!({"reason": "이미 처리됨"}),
    )
    .await
    .error(StatusCode::CONFLICT, "CASE_TRANSITION_NOT_ALLOWED", None);
    app.stop().await;
}
