//! Returns through the gateway over the real storefront and voucher
//! service: a buyer returns a line of a paid voucher order, the units are
//! available again and the wallet is refunded (REFUNDED on the order).

use std::time::Duration;

use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::support::spawn_app;
use crate::vouchers::{
    CONFIRM_ORDER, bakery, buy, order_paid_by_voucher, payment_after, programme, wallet_of,
};

pub(crate) const RETURN: &str = "mutation($input: ReturnOrderLinesInput!) {
  returnOrderLines(input: $input) {
    order { id status returns { id amount reason lines { productId quantity amount } refund { status code } } }
    userErrors { field code message }
  }
}";

const RETURNS: &str = "query($id: ID!) {
  order(id: $id) { returns { amount refund { status at } } }
}";

fn refund_statuses(order: &Value) -> Vec<String> {
    order["returns"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| {
                    r["refund"]["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_buyer_returns_a_line_the_stock_comes_back_and_the_wallet_is_refunded() {
    let app = spawn_app().await;
    let (shop, bread) = bakery(&app, "망원 식빵").await;
    let programme = programme(&app).await;
    let kim = app.token_for("citizen-kim", Role::Citizen, None);
    buy(&app, &kim, &programme, 50_000).await;
    let order = order_paid_by_voucher(&app, &kim, &shop, &bread, 3, &programme).await;
    payment_after(&app, &kim, &order, "REQUESTED").await;

    // Not returnable before it is confirmed and paid.
    let line = |quantity: i64| json!([{"productId": bread, "quantity": quantity}]);
    let early = app
        .data(
            Some(&kim),
            RETURN,
            json!({"input": {"orderId": order, "lines": line(1), "reason": "파손"}}),
        )
        .await;
    assert_eq!(
        early["returnOrderLines"]["userErrors"][0]["code"],
        "ORDER_NOT_RETURNABLE"
    );

    let confirm = json!({"input": {"orderId": order}});
    let confirmed = app.data(Some(&shop.token), CONFIRM_ORDER, confirm).await;
    assert_eq!(confirmed["confirmOrder"]["userErrors"], json!([]));
    payment_after(&app, &kim, &order, "HELD").await;
    assert_eq!(wallet_of(&app, &kim, &programme).await["balance"], 32_000);
    let available = || async {
        let data = app
            .data(
                Some(&shop.token),
                "query($id: ID!) { product(id: $id) { available } }",
                json!({"id": bread}),
            )
            .await;
        data["product"]["available"].as_i64().unwrap()
    };
    assert_eq!(available().await, 17);

    // More than was bought is refused on the line.
    let too_many = app
        .data(
            Some(&kim),
            RETURN,
            json!({"input": {"orderId": order, "lines": line(4), "reason": "파손"}}),
        )
        .await;
    assert_eq!(
        too_many["returnOrderLines"]["userErrors"],
        json!([{"field": ["input", "lines", "0", "quantity"], "code": "RETURN_QUANTITY_EXCEEDED",
            "message": too_many["returnOrderLines"]["userErrors"][0]["message"]}])
    );
    // Another citizen cannot see the order, so cannot return it.
    let lee = app.token_for("citizen-lee", Role::Citizen, None);
    let stranger = app
        .data(
            Some(&lee),
            RETURN,
            json!({"input": {"orderId": order, "lines": line(1), "reason": "파손"}}),
        )
        .await;
    assert_eq!(
        stranger["returnOrderLines"]["userErrors"][0]["code"],
        "ORDER_NOT_FOUND"
    );

    let input = json!({"input": {"orderId": order, "lines": line(1), "reason": "파손", "idempotencyKey": "return-1"}});
    let returned = app.data(Some(&kim), RETURN, input.clone()).await;
    let payload = &returned["returnOrderLines"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    let first = &payload["order"]["returns"][0];
    assert_eq!(first["amount"], 6_000);
    assert_eq!(first["reason"], "파손");
    assert_eq!(
        first["lines"],
        json!([{"productId": bread, "quantity": 1, "amount": 6000}])
    );
    // The same key again answers the same return, without a second one.
    let again = app.data(Some(&kim), RETURN, input).await;
    assert_eq!(
        again["returnOrderLines"]["order"]["returns"][0]["id"],
        first["id"]
    );
    assert_eq!(available().await, 18);

    let mut refunded = Value::Null;
    for _ in 0..200 {
        let data = app.data(Some(&kim), RETURNS, json!({"id": order})).await;
        if refund_statuses(&data["order"]) != ["PENDING"] {
            refunded = data["order"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(refund_statuses(&refunded), ["REFUNDED"], "{refunded}");
    assert_eq!(refunded["returns"][0]["amount"], 6_000);
    assert_eq!(
        wallet_of(&app, &kim, &programme).await,
        json!({"balance": 38000, "held": 0, "available": 38000})
    );
}
