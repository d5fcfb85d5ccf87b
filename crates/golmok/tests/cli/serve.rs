//! Services as separate processes: `golmok serve storefront` and `golmok
//! serve gateway` talking HTTP, the storefront restarted under the gateway.

use serde_json::json;

use crate::support::{Golmok, REGISTER, bakery, free_address, token};

#[tokio::test]
async fn the_gateway_calls_a_storefront_process_over_http_and_survives_its_restart() {
    let storefront_dir = tempfile::tempdir().unwrap();
    let gateway_dir = tempfile::tempdir().unwrap();
    let storefront_address = free_address();
    let storefront_url = format!("http://{storefront_address}");
    let storefront = Golmok::serve(
        "storefront",
        storefront_dir.path(),
        &storefront_address,
        &[],
    );
    assert_eq!(storefront.get("/readyz").await, (200, "ready".to_owned()));
    let upstream = [("GOLMOK__UPSTREAMS__STOREFRONT", storefront_url.as_str())];
    let gateway = Golmok::serve("gateway", gateway_dir.path(), "127.0.0.1:0", &upstream);

    let merchant = token(gateway_dir.path(), "merchant");
    let registered = gateway
        .graphql(Some(&merchant), REGISTER, bakery("220-81-62517"))
        .await;
    assert_eq!(registered["registerMerchant"]["userErrors"], json!([]));
    let id = registered["registerMerchant"]["merchant"]["id"].clone();
    let lookup = "query($id: ID!) { merchant(id: $id) { name status } }";
    let found = gateway.graphql(None, lookup, json!({"id": id})).await;
    assert_eq!(
        found["merchant"],
        json!({"name": "망원 빵집", "status": "ACTIVE"})
    );

    // The storefront stops: the gateway stays up and says the service is unavailable.
    let (status, _) = storefront.terminate();
    assert!(status.success());
    let down = gateway.graphql_body(None, lookup, json!({"id": id})).await;
    assert_eq!(
        down["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{down}"
    );
    assert_eq!(gateway.get("/livez").await.0, 200);

    // Back on the same address and data: the merchant is still there.
    let storefront = Golmok::serve(
        "storefront",
        storefront_dir.path(),
        &storefront_address,
        &[],
    );
    let found = gateway.graphql(None, lookup, json!({"id": id})).await;
    assert_eq!(
        found["merchant"],
        json!({"name": "망원 빵집", "status": "ACTIVE"})
    );
    let (status, _) = gateway.terminate();
    assert!(status.success());
    let (status, _) = storefront.terminate();
    assert!(status.success());
}
