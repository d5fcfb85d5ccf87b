use golmok_runtime::Role;
use serde_json::json;

use crate::journeys::{open_shop, place_order, stock_product};
use crate::support::spawn_app;

/// A merchant signs up, lists two products and publishes them; a citizen
/// orders both; both sides see the order; the citizen cancels and the stock
/// comes back.
#[tokio::test]
async fn register_list_publish_order_and_cancel() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let bread = stock_product(&app, &shop, "소금빵", 3_500, 10).await;
    let cake = stock_product(&app, &shop, "카스테라", 12_000, 2).await;

    let viewer = app
        .data(
            Some(&shop.token),
            "{ viewer { role merchant { id name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer,
        json!({"viewer": {"role": "MERCHANT", "merchant": {"id": shop.id, "name": "망원 빵집"}}})
    );

    let citizen = app.token_for("citizen-kim", Role::Citizen, None);
    let placed = place_order(&app, &citizen, &shop, &[(&bread, 3), (&cake, 1)]).await;
    assert_eq!(placed["userErrors"], json!([]), "{placed}");
    let order = &placed["order"];
    assert_eq!(order["total"], 3 * 3_500 + 12_000);
    assert_eq!(order["status"], "PLACED");
    assert_eq!(order["buyer"], "citizen-kim");
    assert_eq!(order["payment"]["method"], "VOUCHER");
    assert_eq!(
        order["lines"],
        json!([
            {"quantity": 3, "unitPrice": 3_500, "lineTotal": 10_500, "product": {"id": bread, "name": "소금빵"}},
            {"quantity": 1, "unitPrice": 12_000, "lineTotal": 12_000, "product": {"id": cake, "name": "카스테라"}},
        ])
    );
    let order_id = order["id"].as_str().unwrap().to_owned();

    let stock = "query($id: ID!) { product(id: $id) { stock reserved available } }";
    let bread_stock = app.data(None, stock, json!({"id": bread})).await;
    assert_eq!(
        bread_stock["product"],
        json!({"stock": 10, "reserved": 3, "available": 7})
    );

    let mine = app
        .data(Some(&citizen), "{ myOrders { edges { node { id total } } } viewer { orders { edges { node { id } } } } }", json!({}))
        .await;
    assert_eq!(
        mine["myOrders"]["edges"],
        json!([{"node": {"id": order_id, "total": 22_500}}])
    );
    assert_eq!(
        mine["viewer"]["orders"]["edges"],
        json!([{"node": {"id": order_id}}])
    );
    let theirs = app
        .data(
            Some(&shop.token),
            "query($m: ID!) { merchantOrders(merchantId: $m) { edges { node { id buyer } } } }",
            json!({"m": shop.id}),
        )
        .await;
    assert_eq!(
        theirs["merchantOrders"]["edges"],
        json!([{"node": {"id": order_id, "buyer": "citizen-kim"}}])
    );

    let cancelled = app
        .data(
            Some(&citizen),
            "mutation($id: ID!) { cancelOrder(input: {orderId: $id, reason: \"plans changed\"}) {
               order { status cancelReason cancelledAt } userErrors { code } } }",
            json!({"id": order_id}),
        )
        .await;
    let payload = &cancelled["cancelOrder"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(payload["order"]["status"], "CANCELLED");
    assert_eq!(payload["order"]["cancelReason"], "plans changed");
    assert!(payload["order"]["cancelledAt"].is_string());
    let bread_stock = app.data(None, stock, json!({"id": bread})).await;
    assert_eq!(
        bread_stock["product"],
        json!({"stock": 10, "reserved": 0, "available": 10})
    );
}
