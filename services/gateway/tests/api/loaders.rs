use gateway::LimitSettings;
use serde_json::json;

use crate::fake_storefront::Catalogue;
use crate::support::spawn_gateway;

/// Ten products of one merchant, each asked for its merchant: the merchant
/// is fetched once, not ten times.
#[tokio::test]
async fn a_fanned_out_field_is_fetched_once_per_object() {
    let catalogue = Catalogue::new(1, 10);
    let app = spawn_gateway(catalogue.router(), LimitSettings::default()).await;
    let query = "query($m: ID!) { products(merchantId: $m, first: 10) { edges { node { name merchant { name } } } } }";
    let merchant_id = base64_id("Merchant", catalogue.merchants[0]);
    let data = app.data(None, query, json!({"m": merchant_id})).await;
    let edges = data["products"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 10);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["merchant"]["name"] == "가게 0")
    );
    let paths: Vec<String> = app.upstream_calls().into_iter().map(|c| c.path).collect();
    let merchant_path = format!("/merchants/{}", catalogue.merchants[0]);
    assert_eq!(
        paths,
        vec![
            format!("/merchants/{}/products?first=10", catalogue.merchants[0]),
            merchant_path
        ]
    );
}

fn base64_id(kind: &str, id: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}:{id}"))
}
