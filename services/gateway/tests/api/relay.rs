use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::journeys::{add_product, global_id, open_shop, place_order, stock_product, uuid_of};
use crate::support::{error_codes, spawn_app};

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id
  ... on Merchant { name } ... on Product { name } ... on Order { total } } }";

#[tokio::test]
async fn node_round_trips_every_type() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "노드 상회").await;
    let product = stock_product(&app, &shop, "떡", 2_000, 5).await;
    let citizen = app.token(Role::Citizen, None);
    let order = place_order(&app, &citizen, &shop, &[(&product, 2)]).await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (id, typename, field, value, token) in [
        (&shop.id, "Merchant", "name", json!("노드 상회"), None),
        (&product, "Product", "name", json!("떡"), None),
        (
            &order,
            "Order",
            "total",
            json!(4_000),
            Some(citizen.as_str()),
        ),
    ] {
        let data = app.data(token, NODE, json!({"id": id})).await;
        assert_eq!(data["node"]["__typename"], typename);
        assert_eq!(data["node"]["id"], json!(id), "the id round-trips");
        assert_eq!(data["node"][field], value);
    }
    let typed = app
        .data(
            Some(&citizen),
            "query($m: ID!, $p: ID!, $o: ID!) { merchant(id: $m) { id } product(id: $p) { id } order(id: $o) { id } }",
            json!({"m": shop.id, "p": product, "o": order}),
        )
        .await;
    assert_eq!(
        typed,
        json!({"merchant": {"id": shop.id}, "product": {"id": product}, "order": {"id": order}})
    );
}

#[tokio::test]
async fn bad_ids_get_clear_codes() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "가게").await;
    let cases = [
        (NODE, json!({"id": "bm9wZQ=="}), "INVALID_ID"),
        (NODE, json!({"id": shop.uuid.to_string()}), "INVALID_ID"),
        (
            NODE,
            json!({"id": global_id("ChannelOnboarding", shop.uuid)}),
            "NOT_A_NODE",
        ),
        (
            "query($id: ID!) { product(id: $id) { id } }",
            json!({"id": shop.id}),
            "WRONG_ID_TYPE",
        ),
        (
            "query($id: ID!) { merchant(id: $id) { id } }",
            json!({"id": "%%%"}),
            "INVALID_ID",
        ),
    ];
    for (query, variables, code) in cases {
        let (_, body) = app.graphql(None, query, variables.clone()).await;
        assert_eq!(error_codes(&body), vec![code], "{variables}: {body}");
    }
    let unknown = app
        .data(
            None,
            NODE,
            json!({"id": global_id("Merchant", uuid::Uuid::now_v7())}),
        )
        .await;
    assert_eq!(unknown, json!({"node": null}));
}

const PAGE: &str = "query($m: ID!, $first: Int, $after: String) {
  products(merchantId: $m, first: $first, after: $after) {
    edges { cursor node { name } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}";

#[tokio::test]
async fn connections_page_forward_with_cursors() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "많은 상회").await;
    let mut names = Vec::new();
    for i in 0..5 {
        let name = format!("상품 {i}");
        add_product(&app, &shop, &name, 1_000 + i, 1).await;
        names.push(name);
    }
    let token = Some(shop.token.as_str());
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app
            .data(
                token,
                PAGE,
                json!({"m": shop.id, "first": 2, "after": after}),
            )
            .await;
        let connection = &data["products"];
        let edges = connection["edges"].as_array().unwrap();
        assert!(edges.len() <= 2);
        assert_eq!(connection["pageInfo"]["hasPreviousPage"], !after.is_null());
        seen.extend(
            edges
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        assert_eq!(
            connection["pageInfo"]["endCursor"],
            edges.last().unwrap()["cursor"]
        );
        after = connection["pageInfo"]["endCursor"].clone();
        assert!(pages < 10, "paging must end");
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, names, "every product exactly once: {seen:?}");

    // Resuming after any edge continues right after it.
    let all = app
        .data(token, PAGE, json!({"m": shop.id, "first": 5}))
        .await;
    let edges = all["products"]["edges"].as_array().unwrap().clone();
    let from_second = app
        .data(
            token,
            PAGE,
            json!({"m": shop.id, "first": 2, "after": edges[1]["cursor"]}),
        )
        .await;
    let names_after: Vec<&Value> = from_second["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["name"])
        .collect();
    assert_eq!(
        names_after,
        vec![&edges[2]["node"]["name"], &edges[3]["node"]["name"]]
    );

    let (_, body) = app
        .graphql(
            token,
            PAGE,
            json!({"m": shop.id, "first": 2, "after": "forged"}),
        )
        .await;
    assert_eq!(error_codes(&body), vec!["INVALID_CURSOR"]);
    let (_, body) = app
        .graphql(token, PAGE, json!({"m": shop.id, "first": 0}))
        .await;
    assert_eq!(error_codes(&body), vec!["INVALID_ARGUMENT"]);
}

/// An order's lines ask for their products, and each product for its
/// merchant: each product once, the merchant once.
#[tokio::test]
async fn order_lines_load_each_product_and_merchant_once() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "묶음 상회").await;
    let products = [
        stock_product(&app, &shop, "하나", 1_000, 5).await,
        stock_product(&app, &shop, "둘", 1_000, 5).await,
        stock_product(&app, &shop, "셋", 1_000, 5).await,
    ];
    let citizen = app.token(Role::Citizen, None);
    let lines: Vec<(&str, i64)> = products.iter().map(|p| (p.as_str(), 1)).collect();
    let order = place_order(&app, &citizen, &shop, &lines).await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.forget_upstream_calls();
    let data = app
        .data(
            Some(&citizen),
            "query($o: ID!) { order(id: $o) { merchant { name } lines { product { name merchant { name } } } } }",
            json!({"o": order}),
        )
        .await;
    assert_eq!(data["order"]["lines"].as_array().unwrap().len(), 3);
    let mut paths: Vec<String> = app.upstream_calls().into_iter().map(|c| c.path).collect();
    paths.sort();
    let mut expected = vec![
        format!("/orders/{}", uuid_of(&order)),
        format!("/merchants/{}", shop.uuid),
    ];
    expected.extend(products.iter().map(|p| format!("/products/{}", uuid_of(p))));
    expected.sort();
    assert_eq!(paths, expected);
}
