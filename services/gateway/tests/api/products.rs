use serde_json::json;

use crate::journeys::{open_shop, stock_product};
use crate::support::{error_codes, spawn_app};

/// The merchant edits, reprices, unpublishes: buyers stop seeing the product,
/// the merchant still does.
#[tokio::test]
async fn a_merchant_manages_its_catalogue() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "빵집").await;
    let bread = stock_product(&app, &shop, "소금빵", 3_500, 10).await;
    let token = Some(shop.token.as_str());

    let data = app
        .data(
            token,
            "mutation($p: ID!) {
               updateProduct(input: {productId: $p, description: \"버터 듬뿍\"}) { product { name description } userErrors { code } }
               changeProductPrice(input: {productId: $p, price: 4000}) { product { price } userErrors { code } }
             }",
            json!({"p": bread}),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "updateProduct": {"product": {"name": "소금빵", "description": "버터 듬뿍"}, "userErrors": []},
            "changeProductPrice": {"product": {"price": 4000}, "userErrors": []},
        })
    );
    let data = app
        .data(
            token,
            "mutation($p: ID!) { changeProductPrice(input: {productId: $p, price: 0}) { product { price } userErrors { field code } } }",
            json!({"p": bread}),
        )
        .await;
    assert_eq!(
        data["changeProductPrice"],
        json!({"product": null, "userErrors": [{"field": ["input", "price"], "code": "PRICE_NOT_POSITIVE"}]})
    );

    let data = app
        .data(
            token,
            "mutation($p: ID!) { unpublishProduct(input: {productId: $p}) { product { published } userErrors { code } } }",
            json!({"p": bread}),
        )
        .await;
    assert_eq!(
        data["unpublishProduct"],
        json!({"product": {"published": false}, "userErrors": []})
    );
    let public = app
        .data(
            None,
            "query($p: ID!) { product(id: $p) { name } }",
            json!({"p": bread}),
        )
        .await;
    assert_eq!(public, json!({"product": null}));
    let own = app
        .data(
            token,
            "query($m: ID!) { merchant(id: $m) { products { nodes { name price published } } } }",
            json!({"m": shop.id}),
        )
        .await;
    assert_eq!(
        own["merchant"]["products"]["nodes"],
        json!([{"name": "소금빵", "price": 4000, "published": false}])
    );

    let (_, body) = app
        .graphql(
            None,
            "{ products(merchantId: \"bm9wZQ==\") { nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), vec!["INVALID_ID"]);
}
