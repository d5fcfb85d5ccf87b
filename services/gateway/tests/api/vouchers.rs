//! Vouchers through the gateway over the real storefront and voucher
//! service: officials run programmes and cases, citizens buy and pay,
//! merchants capture and read their redemptions.

use std::time::Duration;

use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{Shop, open_shop, place_order, stock_product};
use crate::support::{TestApp, spawn_app};

const CREATE: &str = "mutation($input: CreateVoucherProgrammeInput!) {
  createVoucherProgramme(input: $input) {
    programme { id name budget budgetRemaining discountBps faceValues feeTiers { micro small medium } }
    userErrors { field code message }
  }
}";

const PURCHASE: &str = "mutation($input: PurchaseVoucherInput!) {
  purchaseVoucher(input: $input) {
    wallet { id balance available purchases { faceValue discount paid } }
    userErrors { field code message }
  }
}";

const PAY: &str = "mutation($input: RedeemVoucherInput!) {
  payWithVoucher(input: $input) {
    redemption { id walletId amount status merchant { name } }
    wallet { balance available }
    userErrors { field code message }
  }
}";

const HOLD: &str = "mutation($input: RedeemVoucherInput!) {
  holdVoucher(input: $input) {
    redemption { id walletId amount status expiresAt }
    userErrors { field code message }
  }
}";

pub fn programme_input(shop_district: &str) -> Value {
    json!({
        "issuer": "서울특별시 마포구", "name": "마포사랑상품권", "region": "마포구",
        "districts": [shop_district], "faceValues": [10000, 50000], "discountBps": 1000,
        "monthlyCap": 300000, "validFrom": "2020-01-01", "validUntil": "2099-12-31",
        "categories": ["bakery"], "feeTiers": {"micro": 0, "small": 30, "medium": 50},
        "budget": 1000000,
    })
}

pub async fn programme(app: &TestApp) -> String {
    let official = app.token(Role::Official, None);
    let data = app
        .data(
            Some(&official),
            CREATE,
            json!({"input": programme_input("망원동")}),
        )
        .await;
    let payload = &data["createVoucherProgramme"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["programme"]["id"].as_str().unwrap().to_owned()
}

/// A citizen buys one voucher of `face`; returns the wallet's global id.
pub async fn buy(app: &TestApp, citizen: &str, programme: &str, face: i64) -> String {
    let data = app
        .data(
            Some(citizen),
            PURCHASE,
            json!({"input": {"programmeId": programme, "faceValue": face}}),
        )
        .await;
    let payload = &data["purchaseVoucher"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["wallet"]["id"].as_str().unwrap().to_owned()
}

/// Runs a redemption mutation, waiting out the moment the voucher service's
/// merchant directory has not yet seen a just-registered shop.
async fn redeem(app: &TestApp, citizen: &str, query: &str, field: &str, input: Value) -> Value {
    for _ in 0..100 {
        let data = app
            .data(Some(citizen), query, json!({"input": input}))
            .await;
        if data[field]["userErrors"][0]["code"] != "MERCHANT_NOT_FOUND" {
            return data[field].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the voucher service never learned of the merchant");
}

async fn pay(app: &TestApp, citizen: &str, wallet: &str, shop: &Shop, amount: i64) -> Value {
    let input = json!({"walletId": wallet, "merchantId": shop.id, "amount": amount});
    redeem(app, citizen, PAY, "payWithVoucher", input).await
}

#[tokio::test]
async fn a_citizen_buys_and_pays_and_the_merchant_sees_the_redemption() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let programme = programme(&app).await;
    let kim = app.token_for("citizen-kim", Role::Citizen, None);
    let data = app
        .data(
            Some(&kim),
            PURCHASE,
            json!({"input": {"programmeId": programme, "faceValue": 50000}}),
        )
        .await;
    let wallet = &data["purchaseVoucher"]["wallet"];
    assert_eq!(wallet["balance"], 50_000);
    assert_eq!(
        wallet["purchases"],
        json!([{"faceValue": 50000, "discount": 5000, "paid": 45000}])
    );
    let wallet_id = wallet["id"].as_str().unwrap().to_owned();

    let paid = pay(&app, &kim, &wallet_id, &shop, 12_000).await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    assert_eq!(paid["redemption"]["status"], "CAPTURED");
    assert_eq!(paid["redemption"]["merchant"]["name"], "망원 빵집");
    assert_eq!(
        paid["wallet"],
        json!({"balance": 38_000, "available": 38_000})
    );

    let mine = app
        .data(
            Some(&kim),
            "query($p: ID!) { myVoucherWallet(programmeId: $p) { id available programme { name budgetRemaining } } }",
            json!({"p": programme}),
        )
        .await;
    assert_eq!(mine["myVoucherWallet"]["available"], 38_000);
    assert_eq!(
        mine["myVoucherWallet"]["programme"],
        json!({"name": "마포사랑상품권", "budgetRemaining": 995000})
    );

    let redemptions = app
        .data(
            Some(&shop.token),
            "query($m: ID!) { voucherRedemptions(merchantId: $m, first: 10) { edges { node { amount status } } pageInfo { hasNextPage } } }",
            json!({"m": shop.id}),
        )
        .await;
    assert_eq!(
        redemptions["voucherRedemptions"],
        json!({"edges": [{"node": {"amount": 12000, "status": "CAPTURED"}}], "pageInfo": {"hasNextPage": false}})
    );

    // Relay ids: the wallet and the programme are nodes; another citizen sees no wallet.
    let node = "query($id: ID!) { node(id: $id) { id ... on VoucherWallet { balance } ... on VoucherProgramme { name } } }";
    let own = app.data(Some(&kim), node, json!({"id": wallet_id})).await;
    assert_eq!(own["node"]["balance"], 38_000);
    let lee = app.token_for("citizen-lee", Role::Citizen, None);
    let other = app.data(Some(&lee), node, json!({"id": wallet_id})).await;
    assert_eq!(other["node"], Value::Null);
    let by_id = app.data(Some(&lee), node, json!({"id": programme})).await;
    assert_eq!(by_id["node"]["name"], "마포사랑상품권");

    // The wallet's history is a connection, newest first.
    pay(&app, &kim, &wallet_id, &shop, 1_000).await;
    let history = "query($id: ID!, $after: String) { node(id: $id) { ... on VoucherWallet { redemptions(first: 1, after: $after) { edges { node { amount status } } pageInfo { hasNextPage endCursor } } } } }";
    let newest = app
        .data(Some(&kim), history, json!({"id": wallet_id}))
        .await;
    let page = &newest["node"]["redemptions"];
    assert_eq!(
        page["edges"],
        json!([{"node": {"amount": 1000, "status": "CAPTURED"}}])
    );
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let older = app
        .data(
            Some(&kim),
            history,
            json!({"id": wallet_id, "after": page["pageInfo"]["endCursor"]}),
        )
        .await;
    assert_eq!(
        older["node"]["redemptions"]["edges"],
        json!([{"node": {"amount": 12000, "status": "CAPTURED"}}])
    );
    assert_eq!(
        older["node"]["redemptions"]["pageInfo"]["hasNextPage"],
        false
    );
}

#[tokio::test]
async fn refusals_come_back_as_user_errors_with_codes_and_fields() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 떡집").await;
    let programme = programme(&app).await;
    let citizen = app.token(Role::Citizen, None);
    let refused = app
        .data(
            Some(&citizen),
            CREATE,
            json!({"input": programme_input("망원동")}),
        )
        .await;
    assert_eq!(refused["createVoucherProgramme"]["programme"], Value::Null);
    assert_eq!(
        refused["createVoucherProgramme"]["userErrors"][0]["code"],
        "FORBIDDEN"
    );

    let wallet = buy(&app, &citizen, &programme, 10_000).await;
    let short = pay(&app, &citizen, &wallet, &shop, 10_001).await;
    assert_eq!(short["redemption"], Value::Null);
    assert_eq!(
        short["userErrors"],
        json!([{"field": ["input", "amount"], "code": "INSUFFICIENT_BALANCE", "message": short["userErrors"][0]["message"]}])
    );
    // The merchant may not spend a citizen's wallet.
    let by_merchant = pay(&app, &shop.token, &wallet, &shop, 1_000).await;
    assert_eq!(by_merchant["userErrors"][0]["code"], "FORBIDDEN");
    // A product id where a wallet id belongs.
    let wrong = app
        .data(
            Some(&citizen),
            PAY,
            json!({"input": {"walletId": programme, "merchantId": shop.id, "amount": 1}}),
        )
        .await;
    assert_eq!(
        wrong["payWithVoucher"]["userErrors"][0]["field"],
        json!(["input", "walletId"])
    );
    assert_eq!(
        wrong["payWithVoucher"]["userErrors"][0]["code"],
        "WRONG_ID_TYPE"
    );
    let over_cap = app
        .data(
            Some(&citizen),
            PURCHASE,
            json!({"input": {"programmeId": programme, "faceValue": 20000}}),
        )
        .await;
    assert_eq!(
        over_cap["purchaseVoucher"]["userErrors"][0]["field"],
        json!(["input", "faceValue"])
    );
}

#[tokio::test]
async fn a_hold_is_captured_by_the_merchant_once_with_a_retried_key() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 카페").await;
    let programme = programme(&app).await;
    let citizen = app.token(Role::Citizen, None);
    let wallet = buy(&app, &citizen, &programme, 10_000).await;
    let input = json!({"walletId": wallet, "merchantId": shop.id, "amount": 4000, "idempotencyKey": "hold-1"});
    let held = redeem(&app, &citizen, HOLD, "holdVoucher", input.clone()).await;
    assert_eq!(held["redemption"]["status"], "HELD");
    let again = redeem(&app, &citizen, HOLD, "holdVoucher", input).await;
    assert_eq!(again, held, "the same key answers the same hold");
    let capture = "mutation($input: VoucherHoldInput!) { captureVoucherHold(input: $input) { redemption { status amount } userErrors { code } } }";
    let hold_input =
        json!({"input": {"walletId": wallet, "redemptionId": held["redemption"]["id"]}});
    let by_citizen = app.data(Some(&citizen), capture, hold_input.clone()).await;
    assert_eq!(
        by_citizen["captureVoucherHold"]["userErrors"][0]["code"],
        "FORBIDDEN"
    );
    let captured = app.data(Some(&shop.token), capture, hold_input).await;
    assert_eq!(
        captured["captureVoucherHold"],
        json!({"redemption": {"status": "CAPTURED", "amount": 4000}, "userErrors": []})
    );
    let mine = app
        .data(
            Some(&citizen),
            "query($p: ID!) { myVoucherWallet(programmeId: $p) { balance held } }",
            json!({"p": programme}),
        )
        .await;
    assert_eq!(mine["myVoucherWallet"], json!({"balance": 6000, "held": 0}));
}

#[tokio::test]
async fn an_official_suspends_a_merchant_a_fraud_rule_flagged() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 상회").await;
    let programme = programme(&app).await;
    let mut citizens = Vec::new();
    for _ in 0..6 {
        let citizen = app.token(Role::Citizen, None);
        let wallet = buy(&app, &citizen, &programme, 50_000).await;
        citizens.push((citizen, wallet));
    }
    for (citizen, wallet) in &citizens[..5] {
        let paid = pay(&app, citizen, wallet, &shop, 10_000).await;
        assert_eq!(paid["userErrors"], json!([]), "{paid}");
    }
    let official = app.token(Role::Official, None);
    let cases_query = "query($p: ID!) { fraudCases(programmeId: $p) { edges { node { id rule status merchant { name } } } } }";
    let mut cases = Value::Null;
    for _ in 0..100 {
        cases = app
            .data(Some(&official), cases_query, json!({"p": programme}))
            .await;
        if cases["fraudCases"]["edges"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let case = &cases["fraudCases"]["edges"][0]["node"];
    assert_eq!(case["rule"], "ROUND_AMOUNT_BURST");
    assert_eq!(case["merchant"]["name"], "망원 상회");
    let citizen_view = app
        .graphql(Some(&citizens[0].0), cases_query, json!({"p": programme}))
        .await;
    assert_eq!(
        crate::support::error_codes(&citizen_view.1),
        vec!["FORBIDDEN"]
    );

    let suspend = "mutation($input: DecideFraudCaseInput!) { suspendMerchantForFraudCase(input: $input) { fraudCase { status decidedBy reason } userErrors { code } } }";
    let decided = app
        .data(
            Some(&official),
            suspend,
            json!({"input": {"caseId": case["id"], "reason": "현장 점검"}}),
        )
        .await;
    assert_eq!(
        decided["suspendMerchantForFraudCase"]["fraudCase"]["status"],
        "MERCHANT_SUSPENDED"
    );
    let (citizen, wallet) = &citizens[5];
    let declined = pay(&app, citizen, wallet, &shop, 1_234).await;
    assert_eq!(declined["userErrors"][0]["code"], "MERCHANT_SUSPENDED");
    // The suspension reaches the storefront: the shop leaves the directory,
    // with the case as the reason.
    let suspended = merchant_until(&app, &shop, |m| m["status"] == "SUSPENDED").await;
    let reason = suspended["suspensionReason"].as_str().unwrap();
    assert!(reason.starts_with("voucher fraud case"), "{reason}");
    assert!(reason.ends_with("현장 점검"), "{reason}");
    let reinstate = "mutation($input: ReinstateMerchantForFraudCaseInput!) { reinstateMerchantForFraudCase(input: $input) { fraudCase { status } userErrors { code } } }";
    let lifted = app
        .data(
            Some(&official),
            reinstate,
            json!({"input": {"caseId": case["id"]}}),
        )
        .await;
    assert_eq!(
        lifted["reinstateMerchantForFraudCase"]["fraudCase"]["status"],
        "MERCHANT_REINSTATED"
    );
    // The storefront lifts its suspension too; then the merchant sells again.
    let active = merchant_until(&app, &shop, |m| m["status"] == "ACTIVE").await;
    assert_eq!(active["suspensionReason"], Value::Null);
    let mut paid = Value::Null;
    for _ in 0..100 {
        paid = pay(&app, citizen, wallet, &shop, 1_234).await;
        if paid["userErrors"][0]["code"] != "MERCHANT_SUSPENDED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
}

/// Polls the shop's merchant record (as an official) until `done` holds.
async fn merchant_until(app: &TestApp, shop: &Shop, done: impl Fn(&Value) -> bool) -> Value {
    let official = app.token(Role::Official, None);
    let query = "query($id: ID!) { merchant(id: $id) { status suspensionReason } }";
    for _ in 0..100 {
        let data = app
            .data(Some(&official), query, json!({"id": shop.id}))
            .await;
        if done(&data["merchant"]) {
            return data["merchant"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the merchant never reached the expected state");
}

const PAY_ORDER: &str = "mutation($input: PayOrderByVoucherInput!) {
  payOrderByVoucher(input: $input) {
    order { id status payment { method status code reason } }
    userErrors { field code message }
  }
}";

pub(crate) const CONFIRM_ORDER: &str = "mutation($input: ConfirmOrderInput!) {
  confirmOrder(input: $input) {
    order { id status confirmedAt payment { status } }
    userErrors { field code message }
  }
}";

const CANCEL_ORDER: &str = "mutation($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    order { id status payment { status } }
    userErrors { field code message }
  }
}";

/// A citizen orders `quantity` of `product` paid by voucher and asks the
/// programme's wallet to pay; answers the order's global id.
pub(crate) async fn order_paid_by_voucher(
    app: &TestApp,
    citizen: &str,
    shop: &Shop,
    product: &str,
    quantity: i64,
    programme: &str,
) -> String {
    let placed = place_order(app, citizen, shop, &[(product, quantity)]).await;
    assert_eq!(placed["userErrors"], json!([]), "{placed}");
    let order = placed["order"]["id"].as_str().unwrap().to_owned();
    let input = json!({"orderId": order, "programmeId": programme, "idempotencyKey": format!("pay-{order}")});
    let requested = app
        .data(Some(citizen), PAY_ORDER, json!({"input": input}))
        .await;
    let payload = &requested["payOrderByVoucher"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(payload["order"]["payment"]["status"], "REQUESTED");
    // The same key again answers the same, without a second request.
    let again = app
        .data(Some(citizen), PAY_ORDER, json!({"input": input}))
        .await;
    assert_eq!(
        again["payOrderByVoucher"]["order"]["payment"]["status"],
        "REQUESTED"
    );
    order
}

/// Polls the order (as `who`) until its payment leaves `from`.
pub(crate) async fn payment_after(app: &TestApp, who: &str, order: &str, from: &str) -> Value {
    let query =
        "query($id: ID!) { order(id: $id) { status payment { method status code reason } } }";
    for _ in 0..100 {
        let data = app.data(Some(who), query, json!({"id": order})).await;
        if data["order"]["payment"]["status"] != from {
            return data["order"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the order's payment stayed {from}");
}

pub(crate) async fn wallet_of(app: &TestApp, citizen: &str, programme: &str) -> Value {
    let data = app
        .data(
            Some(citizen),
            "query($p: ID!) { myVoucherWallet(programmeId: $p) { balance held available } }",
            json!({"p": programme}),
        )
        .await;
    data["myVoucherWallet"].clone()
}

/// A shop selling bread at 6,000 won, known to the voucher's directory.
pub(crate) async fn bakery(app: &TestApp, name: &str) -> (Shop, String) {
    let shop = open_shop(app, name).await;
    let product = stock_product(app, &shop, "소금빵", 6_000, 20).await;
    let official = app.token(Role::Official, None);
    for _ in 0..100 {
        let known = app
            .graphql(
                Some(&official),
                "query($m: ID!) { voucherRedemptions(merchantId: $m, first: 1) { edges { node { id } } } }",
                json!({"m": shop.id}),
            )
            .await;
        if crate::support::error_codes(&known.1).is_empty() {
            return (shop, product);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the voucher service never learned of the merchant");
}

#[tokio::test]
async fn a_citizen_pays_an_order_by_voucher_and_the_merchants_confirmation_captures_it() {
    let app = spawn_app().await;
    let (shop, bread) = bakery(&app, "망원 소금빵").await;
    let programme = programme(&app).await;
    let kim = app.token_for("citizen-kim", Role::Citizen, None);
    buy(&app, &kim, &programme, 50_000).await;
    let order = order_paid_by_voucher(&app, &kim, &shop, &bread, 3, &programme).await;

    let held = payment_after(&app, &kim, &order, "REQUESTED").await;
    assert_eq!(
        held["payment"],
        json!({"method": "VOUCHER", "status": "HELD", "code": null, "reason": null})
    );
    assert_eq!(
        wallet_of(&app, &kim, &programme).await,
        json!({"balance": 50000, "held": 18000, "available": 32000})
    );

    // Only the merchant confirms.
    let confirm = json!({"input": {"orderId": order, "idempotencyKey": "confirm-1"}});
    let by_buyer = app.data(Some(&kim), CONFIRM_ORDER, confirm.clone()).await;
    assert_eq!(
        by_buyer["confirmOrder"]["userErrors"][0]["code"],
        "FORBIDDEN"
    );
    let confirmed = app.data(Some(&shop.token), CONFIRM_ORDER, confirm).await;
    let payload = &confirmed["confirmOrder"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(payload["order"]["status"], "CONFIRMED");

    let paid = payment_after(&app, &kim, &order, "HELD").await;
    assert_eq!(paid["payment"]["status"], "PAID");
    assert_eq!(paid["status"], "CONFIRMED");
    assert_eq!(
        wallet_of(&app, &kim, &programme).await,
        json!({"balance": 32000, "held": 0, "available": 32000})
    );
    let redemptions = app
        .data(
            Some(&shop.token),
            "query($m: ID!) { voucherRedemptions(merchantId: $m, first: 10) { edges { node { amount status } } } }",
            json!({"m": shop.id}),
        )
        .await;
    assert_eq!(
        redemptions["voucherRedemptions"]["edges"],
        json!([{"node": {"amount": 18000, "status": "CAPTURED"}}])
    );
    // A paid order can no longer be cancelled.
    let cancel = json!({"input": {"orderId": order, "reason": "변심"}});
    let late = app.data(Some(&kim), CANCEL_ORDER, cancel).await;
    assert_eq!(
        late["cancelOrder"]["userErrors"][0]["code"],
        "PAYMENT_ALREADY_CAPTURED"
    );
}

#[tokio::test]
async fn cancelling_before_confirmation_voids_the_hold_and_restores_the_balance() {
    let app = spawn_app().await;
    let (shop, bread) = bakery(&app, "망원 베이글").await;
    let programme = programme(&app).await;
    let lee = app.token_for("citizen-lee", Role::Citizen, None);
    buy(&app, &lee, &programme, 10_000).await;
    let order = order_paid_by_voucher(&app, &lee, &shop, &bread, 1, &programme).await;
    assert_eq!(
        payment_after(&app, &lee, &order, "REQUESTED").await["payment"]["status"],
        "HELD"
    );
    assert_eq!(wallet_of(&app, &lee, &programme).await["available"], 4_000);

    let cancel = json!({"input": {"orderId": order, "reason": "변심"}});
    let cancelled = app.data(Some(&lee), CANCEL_ORDER, cancel).await;
    assert_eq!(
        cancelled["cancelOrder"]["order"]["status"], "CANCELLED",
        "{cancelled}"
    );
    let voided = payment_after(&app, &lee, &order, "HELD").await;
    assert_eq!(voided["payment"]["status"], "VOIDED");
    assert_eq!(
        wallet_of(&app, &lee, &programme).await,
        json!({"balance": 10000, "held": 0, "available": 10000})
    );
}

#[tokio::test]
async fn an_order_the_wallet_cannot_cover_is_declined_with_a_stable_code() {
    let app = spawn_app().await;
    let (shop, bread) = bakery(&app, "망원 식빵").await;
    let programme = programme(&app).await;
    let park = app.token_for("citizen-park", Role::Citizen, None);
    buy(&app, &park, &programme, 10_000).await;
    let order = order_paid_by_voucher(&app, &park, &shop, &bread, 2, &programme).await;
    let declined = payment_after(&app, &park, &order, "REQUESTED").await;
    assert_eq!(declined["payment"]["status"], "DECLINED");
    assert_eq!(declined["payment"]["code"], "INSUFFICIENT_BALANCE");
    assert!(
        declined["payment"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(
        wallet_of(&app, &park, &programme).await["available"],
        10_000
    );
    let confirm = json!({"input": {"orderId": order}});
    let refused = app.data(Some(&shop.token), CONFIRM_ORDER, confirm).await;
    assert_eq!(
        refused["confirmOrder"]["userErrors"][0]["code"],
        "PAYMENT_NOT_HELD"
    );
    // Someone else's order cannot be paid from one's own wallet: to them it
    // is not there at all.
    let other = app.token_for("citizen-choi", Role::Citizen, None);
    let input = json!({"input": {"orderId": order, "programmeId": programme}});
    let foreign = app.data(Some(&other), PAY_ORDER, input).await;
    assert_eq!(
        foreign["payOrderByVoucher"]["userErrors"][0]["code"], "ORDER_NOT_FOUND",
        "{foreign}"
    );
    assert_eq!(foreign["payOrderByVoucher"]["order"], Value::Null);
}
