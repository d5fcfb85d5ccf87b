//! A merchant follows its orders' changes (`orderStatus`) through the
//! served gateway with real clients, while a buyer places, pays and returns
//! an order through GraphQL mutations over the real storefront and voucher
//! service; the feed reads the storefront's published order events.

use golmok_contracts::creator_media::parse_feed_cursor;
use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::feed::refusal;
use crate::feed_support::{Ask, Followed, Subscriber, Transport};
use crate::journeys::{Shop, open_shop, place_order, stock_product};
use crate::returns::RETURN;
use crate::support::{TestApp, spawn_app};
use crate::vouchers::{
    CONFIRM_ORDER, bakery, buy, order_paid_by_voucher, payment_after, programme,
};

/// A client of `transport` with `token` following `shop`'s orders after
/// `after`, exiting after `count` items.
async fn follow(
    app: &TestApp,
    transport: Transport,
    token: &str,
    shop: &Shop,
    after: Option<&str>,
    count: usize,
) -> Subscriber {
    let ask = Ask {
        transport,
        token: Some(token),
        tie_in: "",
        after,
        count,
    };
    Subscriber::follow(app, Followed::Orders(&shop.id), ask).await
}

/// (event, status, payment, amount) of each item.
fn changes(items: &[Value]) -> Vec<(&str, &str, &str, Value)> {
    items
        .iter()
        .map(|item| {
            (
                item["event"].as_str().expect("an event"),
                item["status"].as_str().expect("a status"),
                item["payment"].as_str().expect("a payment status"),
                item["amount"].clone(),
            )
        })
        .collect()
}

fn cursor(item: &Value) -> &str {
    item["cursor"].as_str().expect("a cursor")
}

#[tokio::test]
async fn a_merchant_follows_an_order_placed_paid_and_returned_and_resumes_from_its_cursor() {
    let app = spawn_app().await;
    let (shop, bread) = bakery(&app, "망원 식빵").await;
    let programme = programme(&app).await;
    let kim = app.token_for("citizen-kim", Role::Citizen, None);
    buy(&app, &kim, &programme, 50_000).await;

    // Subscribed over graphql-transport-ws before the order is placed.
    let mut live = follow(&app, Transport::Modern, &shop.token, &shop, None, 2).await;
    live.ready().await;
    let order = order_paid_by_voucher(&app, &kim, &shop, &bread, 3, &programme).await;
    let first = live.items(2).await;
    assert!(live.rest().await.is_empty());
    assert_eq!(
        changes(&first),
        [
            ("PLACED", "PLACED", "AWAITING", Value::Null),
            ("PAYMENT_REQUESTED", "PLACED", "REQUESTED", json!(18_000)),
        ]
    );
    assert_eq!(first[0]["orderId"], order);
    assert_eq!(first[0]["merchantId"], shop.id);
    assert_eq!(first[0]["total"], 18_000);

    // Disconnected: the payment is held, the merchant confirms, the wallet
    // is charged, a line comes back and is refunded; another shop's order
    // is no part of this feed.
    payment_after(&app, &kim, &order, "REQUESTED").await;
    let confirm = json!({"input": {"orderId": order}});
    let confirmed = app.data(Some(&shop.token), CONFIRM_ORDER, confirm).await;
    assert_eq!(confirmed["confirmOrder"]["userErrors"], json!([]));
    payment_after(&app, &kim, &order, "HELD").await;
    let other = open_shop(&app, "연남 떡집").await;
    let rice_cake = stock_product(&app, &other, "인절미", 4_000, 10).await;
    let elsewhere = place_order(&app, &kim, &other, &[(&rice_cake, 1)]).await;
    assert_eq!(elsewhere["userErrors"], json!([]), "{elsewhere}");
    let lines = json!([{"productId": bread, "quantity": 1}]);
    let returned = app
        .data(
            Some(&kim),
            RETURN,
            json!({"input": {"orderId": order, "lines": lines, "reason": "파손"}}),
        )
        .await;
    assert_eq!(returned["returnOrderLines"]["userErrors"], json!([]));

    // Reconnected after its cursor, over SSE: exactly what it missed, in order.
    let after = cursor(&first[1]).to_owned();
    let mut again = follow(&app, Transport::Sse, &shop.token, &shop, Some(&after), 5).await;
    let missed = again.items(5).await;
    assert!(again.rest().await.is_empty());
    assert_eq!(
        changes(&missed),
        [
            ("PAYMENT_HELD", "PLACED", "HELD", Value::Null),
            ("CONFIRMED", "CONFIRMED", "HELD", Value::Null),
            ("PAID", "CONFIRMED", "PAID", Value::Null),
            ("LINES_RETURNED", "CONFIRMED", "PAID", json!(6_000)),
            ("REFUNDED", "CONFIRMED", "PAID", json!(6_000)),
        ]
    );
    assert!(missed.iter().all(|item| item["orderId"] == order));
    assert_eq!(missed[3]["reason"], "파손");
    assert_eq!(missed[3]["returnId"], missed[4]["returnId"]);
    let positions: Vec<u64> = first
        .iter()
        .chain(&missed)
        .map(|item| parse_feed_cursor(cursor(item)).expect("a feed cursor"))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "in log order: {positions:?}"
    );

    // From the start over the legacy graphql-ws protocol: the same seven
    // items; an operator reads them too.
    let whole = [first, missed].concat();
    let mut legacy = follow(&app, Transport::Legacy, &shop.token, &shop, None, 7).await;
    assert_eq!(legacy.items(7).await, whole);
    let operator = app.token(Role::Operator, None);
    let mut operator_reader = follow(&app, Transport::Modern, &operator, &shop, None, 7).await;
    assert_eq!(operator_reader.items(7).await, whole);

    // After the last cursor, nothing until something new: the other shop's
    // order placed now is not this merchant's.
    let last = cursor(&whole[6]).to_owned();
    let mut caught_up = follow(&app, Transport::Modern, &shop.token, &shop, Some(&last), 1).await;
    caught_up.ready().await;
    place_order(&app, &kim, &other, &[(&rice_cake, 1)]).await;
    let next = place_order(&app, &kim, &shop, &[(&bread, 1)]).await;
    let next_item = caught_up.items(1).await;
    assert_eq!(next_item[0]["event"], "PLACED");
    assert_eq!(next_item[0]["orderId"], next["order"]["id"]);
}

#[tokio::test]
async fn another_merchant_a_citizen_or_no_token_is_refused() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 빵집").await;
    let other = open_shop(&app, "연남 떡집").await;
    let citizen = app.token(Role::Citizen, None);
    let official_less_partner = app.token_for("mama", Role::Partner, None);
    for (token, transport) in [
        (&other.token, Transport::Modern),
        (&other.token, Transport::Legacy),
        (&other.token, Transport::Sse),
        (&citizen, Transport::Modern),
        (&official_less_partner, Transport::Modern),
    ] {
        let lines = follow(&app, transport, token, &shop, None, 1)
            .await
            .rest()
            .await;
        assert_eq!(refusal(&lines), ["FORBIDDEN"], "{transport:?} {lines:?}");
    }
    let bad_cursor = follow(
        &app,
        Transport::Modern,
        &shop.token,
        &shop,
        Some("feed:1"),
        1,
    )
    .await
    .rest()
    .await;
    assert_eq!(refusal(&bad_cursor), ["INVALID_CURSOR"]);
    let anonymous = Subscriber::follow(
        &app,
        Followed::Orders(&shop.id),
        Ask {
            transport: Transport::Sse,
            token: None,
            tie_in: "",
            after: None,
            count: 1,
        },
    )
    .await;
    assert_eq!(refusal(&anonymous.rest().await), ["UNAUTHENTICATED"]);
}
