//! `golmok up` as a newcomer runs it: the real binary on a fresh data
//! directory, driven over HTTP the way the README tour does, stopped with
//! SIGTERM and started again on the same directory.

use serde_json::{Value, json};

use crate::support::{Golmok, REGISTER, bakery, token, token_command};

const STOCK: &str =
    "query($p: ID!) { product(id: $p) { name stock reserved available published } }";

#[tokio::test]
async fn the_readme_tour_works_and_its_data_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let suite = Golmok::up(data.path());

    assert_eq!(suite.get("/livez").await.0, 200);
    assert_eq!(suite.get("/readyz").await, (200, "ready".to_owned()));
    let (status, graphiql) = suite.get("/graphql").await;
    assert_eq!(status, 200);
    assert!(graphiql.contains("graphiql"), "GraphiQL is served");
    assert!(
        !graphiql.contains("https://") && !graphiql.contains("http://"),
        "GraphiQL loads nothing from the internet"
    );

    // A merchant signs up with a fresh merchant token.
    let merchant = token(data.path(), "merchant");
    let refused = suite
        .graphql(Some(&merchant), REGISTER, bakery("220-81-62518"))
        .await;
    assert_eq!(
        refused["registerMerchant"],
        json!({"merchant": null, "userErrors": [
            {"field": ["input", "businessNumber"], "code": "BUSINESS_NUMBER_CHECKSUM_MISMATCH"}
        ]})
    );
    let registered = suite
        .graphql(Some(&merchant), REGISTER, bakery("220-81-62517"))
        .await;
    assert_eq!(registered["registerMerchant"]["userErrors"], json!([]));
    let merchant_id = registered["registerMerchant"]["merchant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // It lists and publishes a product.
    let created = suite
        .graphql(
            Some(&merchant),
            "mutation($m: ID!) { createProduct(input: {merchantId: $m, name: \"소금빵\", price: 3500, stock: 10}) {
               product { id } userErrors { code } } }",
            json!({"m": merchant_id}),
        )
        .await;
    let product = created["createProduct"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let published = suite
        .graphql(
            Some(&merchant),
            "mutation($p: ID!) { publishProduct(input: {productId: $p}) { product { published } userErrors { code } } }",
            json!({"p": product}),
        )
        .await;
    assert_eq!(
        published["publishProduct"],
        json!({"product": {"published": true}, "userErrors": []})
    );

    // A citizen orders two; an order for more than is left is refused whole.
    let citizen = token(data.path(), "citizen");
    let order = "mutation($m: ID!, $p: ID!, $n: Int!) {
      placeOrder(input: {merchantId: $m, lines: [{productId: $p, quantity: $n}], payment: VOUCHER}) {
        order { id total status } userErrors { code } } }";
    let placed = suite
        .graphql(
            Some(&citizen),
            order,
            json!({"m": merchant_id, "p": product, "n": 2}),
        )
        .await;
    assert_eq!(placed["placeOrder"]["userErrors"], json!([]));
    assert_eq!(placed["placeOrder"]["order"]["total"], 7_000);
    assert_eq!(placed["placeOrder"]["order"]["status"], "PLACED");
    let order_id = placed["placeOrder"]["order"]["id"].clone();
    let too_many = suite
        .graphql(
            Some(&citizen),
            order,
            json!({"m": merchant_id, "p": product, "n": 9}),
        )
        .await;
    assert_eq!(too_many["placeOrder"]["order"], Value::Null);
    assert_eq!(
        too_many["placeOrder"]["userErrors"][0]["code"],
        "INSUFFICIENT_STOCK"
    );
    let before = suite.graphql(None, STOCK, json!({"p": product})).await;
    assert_eq!(
        before["product"],
        json!({"name": "소금빵", "stock": 10, "reserved": 2, "available": 8, "published": true})
    );

    // An unknown route answers the JSON error body and is counted without its path.
    let (status, missing) = suite.get("/no-such-route-7f3a").await;
    assert_eq!(status, 404);
    let missing: Value = serde_json::from_str(&missing).expect("a JSON error body");
    assert_eq!(missing["code"], "ROUTE_NOT_FOUND");

    let (_, metrics) = suite.get("/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("http_requests_total{")
                && line.contains("route=\"unmatched\"")
                && line.contains("status=\"404\"")),
        "{metrics}"
    );
    assert!(
        !metrics.contains("no-such-route"),
        "paths never become labels"
    );
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("http_requests_total{")
                && line.contains("route=\"/graphql\"")
                && line.contains("status=\"200\"")),
        "{metrics}"
    );

    let (status, printed) = suite.terminate();
    assert!(status.success(), "SIGTERM is a clean stop: {status}");
    assert!(
        printed.iter().any(|line| line.contains("golmok stopped")),
        "{printed:?}"
    );
    // Everything on stdout since the start is a JSON log line; the banner
    // was read from stderr.
    for line in &printed {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|_| panic!("every log line is JSON: {line}"));
    }
    assert!(
        printed.iter().any(|line| line.contains("golmok is up")),
        "the start is logged too: {printed:?}"
    );

    // Same directory, new process: the data, the key and its tokens hold.
    let suite = Golmok::up(data.path());
    let after = suite.graphql(None, STOCK, json!({"p": product})).await;
    assert_eq!(after["product"], before["product"]);
    let mine = suite
        .graphql(
            Some(&citizen),
            "{ myOrders { edges { node { id total } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["myOrders"]["edges"],
        json!([{"node": {"id": order_id, "total": 7_000}}])
    );
    let newcomer = token(data.path(), "merchant");
    let again = suite
        .graphql(Some(&newcomer), REGISTER, bakery("220-81-62517"))
        .await;
    assert_eq!(
        again["registerMerchant"]["userErrors"][0]["code"],
        "BUSINESS_NUMBER_TAKEN"
    );
    let (status, _) = suite.terminate();
    assert!(status.success());
}

#[test]
fn token_names_the_roles_it_accepts() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = token_command(data.path(), &["--role", "mayor"]);
    assert!(!ok);
    assert!(stderr.contains("unknown role"), "{stderr}");
    let (ok, _, stderr) = token_command(
        data.path(),
        &[
            "--role",
            "citizen",
            "--merchant",
            "01a2260f-e8b9-7799-ba29-b455606b9b98",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("--merchant goes only with --role merchant"));
}

#[test]
fn tokens_are_signed_with_one_key_kept_private_in_the_data_dir() {
    let data = tempfile::tempdir().unwrap();
    let first = token(data.path(), "official");
    let second = token(data.path(), "official");
    let header = |token: &str| token.split('.').next().unwrap().to_owned();
    assert_eq!(header(&first), header(&second), "same key id");
    let key = data.path().join("jwt-signing.key");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
