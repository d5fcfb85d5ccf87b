//! Published videos through the gateway over the real creator-media and
//! storefront services: a creator with an active collaboration publishes a
//! video of the merchant's product; it is listed under the product and the
//! creator until it is unpublished; a creator without a collaboration is
//! refused.

use chrono::{Duration, Utc};
use golmok_runtime::Role;
use serde_json::{Value, json};

use crate::collaborations::{creator, delegate};
use crate::journeys::{Shop, open_shop, stock_product};
use crate::support::{TestApp, spawn_app};

const PUBLISH: &str = "mutation($input: PublishVideoInput!) {
  publishVideo(input: $input) {
    video { id title url platform status publishedBy creator { handle } merchant { name } products { name } publishedAt }
    userErrors { field code }
  }
}";

const UNPUBLISH: &str = "mutation($id: ID!) {
  unpublishVideo(input: {videoId: $id}) { video { status unpublishedAt } userErrors { field code } }
}";

const LISTS: &str = "query($product: ID!, $creator: ID!, $video: ID!) {
  videos(productId: $product, first: 10) { edges { node { id title } } }
  creator(id: $creator) { videos(first: 10) { edges { node { id } } } }
  node(id: $video) { ... on Video { status title } }
}";

/// The merchant invites the creator to promote `products`; the creator
/// (`token`) accepts.
async fn collaborate(app: &TestApp, shop: &Shop, token: &str, creator: &str, products: &[&str]) {
    let terms = json!({
        "merchantId": shop.id,
        "creatorId": creator,
        "productIds": products,
        "commissionBps": 1000,
        "starts": Utc::now() - Duration::hours(1),
        "ends": Utc::now() + Duration::days(30),
        "mode": "PROMOTION",
    });
    delegate(app, shop, token, terms).await;
}

fn video(shop: &Shop, creator: &str, products: &[&str]) -> Value {
    json!({"input": {
        "merchantId": shop.id,
        "creatorId": creator,
        "title": "소금빵 먹방",
        "url": "https://youtube.com/watch?v=salt-bread",
        "platform": "YOUTUBE",
        "productIds": products,
    }})
}

fn ids(connection: &Value) -> Vec<&str> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{connection}"))
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_creator_under_a_collaboration_publishes_a_video_of_the_merchants_product() {
    let app = spawn_app().await;
    let shop = open_shop(&app, "망원 베이커리").await;
    let bread = stock_product(&app, &shop, "소금빵", 5_500, 10).await;
    let cake = stock_product(&app, &shop, "당근케이크", 7_000, 3).await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let kim_id = creator(&app, &kim, "alley.cook").await;
    let lee = app.token_for("creator-lee", Role::Creator, None);
    let lee_id = creator(&app, &lee, "lee.bakes").await;
    collaborate(&app, &shop, &kim, &kim_id, &[&bread]).await;

    // A creator without a collaboration with the merchant is refused; so is
    // a product the collaboration does not cover.
    let refused = app
        .data(Some(&lee), PUBLISH, video(&shop, &lee_id, &[&bread]))
        .await;
    assert_eq!(
        refused["publishVideo"],
        json!({"video": null, "userErrors": [{"field": ["input", "creatorId"], "code": "COLLABORATION_NOT_ACTIVE"}]})
    );
    let uncovered = app
        .data(Some(&kim), PUBLISH, video(&shop, &kim_id, &[&cake]))
        .await;
    assert_eq!(
        uncovered["publishVideo"]["userErrors"][0]["code"],
        "PRODUCT_NOT_COVERED"
    );

    let published = app
        .data(Some(&kim), PUBLISH, video(&shop, &kim_id, &[&bread]))
        .await;
    let published = &published["publishVideo"];
    assert_eq!(published["userErrors"], json!([]), "{published}");
    let video = &published["video"];
    assert_eq!(video["status"], "PUBLISHED");
    assert_eq!(video["publishedBy"], "CREATOR");
    assert_eq!(video["platform"], "YOUTUBE");
    assert_eq!(video["creator"]["handle"], "alley.cook");
    assert_eq!(video["merchant"]["name"], "망원 베이커리");
    assert_eq!(video["products"], json!([{"name": "소금빵"}]));
    let id = video["id"].as_str().unwrap().to_owned();

    // Public: listed under the product and the creator, for anyone.
    let vars = json!({"product": bread, "creator": kim_id, "video": id});
    let lists = app.data(None, LISTS, vars.clone()).await;
    assert_eq!(ids(&lists["videos"]), [id.as_str()]);
    assert_eq!(ids(&lists["creator"]["videos"]), [id.as_str()]);
    assert_eq!(lists["node"]["title"], "소금빵 먹방");
    let cakes = app
        .data(
            None,
            LISTS,
            json!({"product": cake, "creator": lee_id, "video": id}),
        )
        .await;
    assert_eq!(ids(&cakes["videos"]), Vec::<&str>::new());
    assert_eq!(ids(&cakes["creator"]["videos"]), Vec::<&str>::new());

    // Another creator may not take it down; its publisher does, and it
    // drops out of the lists.
    let forbidden = app.data(Some(&lee), UNPUBLISH, json!({"id": id})).await;
    assert_eq!(
        forbidden["unpublishVideo"]["userErrors"][0]["code"],
        "FORBIDDEN"
    );
    let down = app.data(Some(&kim), UNPUBLISH, json!({"id": id})).await;
    assert_eq!(down["unpublishVideo"]["userErrors"], json!([]));
    assert_eq!(down["unpublishVideo"]["video"]["status"], "UNPUBLISHED");
    let lists = app.data(None, LISTS, vars).await;
    assert_eq!(ids(&lists["videos"]), Vec::<&str>::new());
    assert_eq!(ids(&lists["creator"]["videos"]), Vec::<&str>::new());
    assert_eq!(lists["node"]["status"], "UNPUBLISHED");
    let again = app
        .data(Some(&shop.token), UNPUBLISH, json!({"id": id}))
        .await;
    assert_eq!(
        again["unpublishVideo"]["userErrors"],
        json!([{"field": null, "code": "VIDEO_NOT_PUBLISHED"}])
    );
}
