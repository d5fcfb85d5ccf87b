//! Services as separate processes: `golmok serve storefront` and `golmok
//! serve gateway` talking HTTP, the storefront restarted under the gateway;
//! the storefront refuses calls the gateway did not sign for it.

use std::time::{Duration, SystemTime};

use golmok_runtime::{ACTOR_HEADER, ASSERTION_KEY_FILE, Actor, Role, TrustRoot};
use serde_json::{Value, json};

use crate::support::{Golmok, REGISTER, bakery, business_number, free_address, token};

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
    // The deployment's actor-assertion key, shared as a cluster mounts one
    // Secret in every pod.
    std::fs::copy(
        storefront_dir.path().join(ASSERTION_KEY_FILE),
        gateway_dir.path().join(ASSERTION_KEY_FILE),
    )
    .unwrap();
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

    // Around the gateway, the storefront trusts no caller: each call whose
    // assertion is missing, forged, expired or for another service is 401
    // with its code, and nothing is registered.
    let key = TrustRoot::load_or_create(&storefront_dir.path().join(ASSERTION_KEY_FILE)).unwrap();
    let forger = TrustRoot::load_or_create(&gateway_dir.path().join("forged.key")).unwrap();
    let official = Actor {
        subject: "official-jung-gu".to_owned(),
        role: Role::Official,
        merchant_id: None,
    };
    let now = SystemTime::now();
    let plain_json = serde_json::to_string(&official).unwrap();
    let refusals = [
        (None, "ACTOR_ASSERTION_MISSING"),
        (Some(plain_json), "ACTOR_ASSERTION_INVALID"),
        (
            Some(text(
                forger.key_for("storefront").sign(Some(&official), now),
            )),
            "ACTOR_ASSERTION_INVALID",
        ),
        (
            Some(text(
                key.key_for("storefront")
                    .sign(Some(&official), now - Duration::from_secs(120)),
            )),
            "ACTOR_ASSERTION_EXPIRED",
        ),
        (
            Some(text(key.key_for("voucher").sign(Some(&official), now))),
            "ACTOR_ASSERTION_WRONG_AUDIENCE",
        ),
    ];
    for (assertion, code) in refusals {
        let (status, body) = register_directly(&storefront_url, assertion.as_deref()).await;
        assert_eq!((status, body["code"].as_str()), (401, Some(code)), "{body}");
    }
    // The same business number is still free: no refused call registered it.
    let signed = text(key.key_for("storefront").sign(Some(&official), now));
    let (status, body) = register_directly(&storefront_url, Some(&signed)).await;
    assert_eq!(
        status, 201,
        "the gateway's own assertion is trusted: {body}"
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

fn text(value: reqwest::header::HeaderValue) -> String {
    value.to_str().unwrap().to_owned()
}

/// `POST /merchants` straight to the storefront process with `assertion` as
/// its `x-golmok-actor` header; the status and body.
async fn register_directly(storefront: &str, assertion: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{storefront}/merchants"))
        .json(&bakery(&business_number(7))["input"]);
    if let Some(assertion) = assertion {
        request = request.header(ACTOR_HEADER, assertion);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}
