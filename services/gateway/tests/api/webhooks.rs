//! Partner webhooks through GraphQL over the real creator-media service and
//! a real HTTP receiver: a MAMA partner registers an endpoint for its
//! tie-in, receives a promotion signed with the secret shown once, reads its
//! delivery log and replays from a cursor; another partner sees nothing.
//! The tie-in and promotion events are appended to creator-media's log from
//! their contract structs (the promotion mutations are built elsewhere).

use base64::Engine;
use chrono::Utc;
use golmok_contracts::creator_media::{OfferV1, PromotionPublishedV1, TieInCreatedV1};
use golmok_runtime::{Role, Service};
use golmok_testkit::events;
use golmok_testkit::webhook::Receiver;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{TestApp, error_codes, spawn_app};

const REGISTER: &str = "mutation($input: RegisterWebhookInput!) {
  registerWebhook(input: $input) {
    webhook { id url status tieInId partner }
    secret
    userErrors { field code message }
  }
}";

const DELIVERIES: &str = "query($id: ID!) {
  webhook(id: $id) {
    url
    deliveries(first: 10) {
      edges { node { eventId cursor type status replayed attempts { number statusCode } } }
    }
  }
}";

const REPLAY: &str = "mutation($input: ReplayWebhookInput!) {
  replayWebhook(input: $input) {
    replay { after enqueued }
    userErrors { field code message }
  }
}";

async fn append(app: &TestApp, stream: &str, name: &str, data: Value) -> u64 {
    let hosted = app.creator_media().hosted();
    let log = hosted.storage.log.as_ref();
    let (_, position) = events::append(log, "creator-media", stream, name, data).await;
    events::applied(
        hosted.storage.tables.as_ref(),
        "creator-media.webhooks",
        position,
    )
    .await;
    position
}

/// A tie-in read by `partner`, tagged `kpop`; answers its global id.
async fn tie_in(app: &TestApp, partner: &str) -> String {
    let id = Uuid::now_v7();
    let created = TieInCreatedV1 {
        tie_in_id: id,
        name: "MAMA 2026".into(),
        partner: partner.into(),
        starts: "2026-12-01T00:00:00Z".parse().unwrap(),
        ends: "2027-01-01T00:00:00Z".parse().unwrap(),
        tags: vec!["kpop".into()],
        categories: vec![],
        regions: vec![],
        at: Utc::now(),
    };
    let data = serde_json::to_value(created).unwrap();
    append(app, &format!("tie-in-{id}"), "TieInCreated", data).await;
    base64::engine::general_purpose::STANDARD.encode(format!("TieIn:{id}"))
}

async fn publish(app: &TestApp) -> u64 {
    let id = Uuid::now_v7();
    let published = PromotionPublishedV1 {
        promotion_id: id,
        merchant_id: Uuid::now_v7(),
        collaboration_id: None,
        title: "응원봉 10% 할인".into(),
        products: vec![Uuid::now_v7()],
        offer: OfferV1::PercentOff { bps: 1_000 },
        starts: "2026-12-05T00:00:00Z".parse().unwrap(),
        ends: "2026-12-20T00:00:00Z".parse().unwrap(),
        tags: vec!["kpop".into()],
        categories: vec!["goods".into()],
        region: "Seoul Mapo-gu".into(),
        tie_in: None,
        at: Utc::now(),
    };
    let data = serde_json::to_value(published).unwrap();
    append(app, &format!("promotion-{id}"), "PromotionPublished", data).await
}

#[tokio::test]
async fn a_partner_registers_a_webhook_receives_promotions_signed_reads_its_log_and_replays() {
    let app = spawn_app().await;
    let hooks = Receiver::start(0).await;
    let mama = app.token_for("mama", Role::Partner, None);
    let tie_in = tie_in(&app, "mama").await;

    // A URL that is neither https:// nor loopback http:// is refused.
    let bad = json!({"input": {"tieInId": tie_in, "url": "http://hooks.mama.example/"}});
    let refused = app.data(Some(&mama), REGISTER, bad).await;
    let refused = &refused["registerWebhook"];
    assert_eq!(refused["webhook"], Value::Null);
    assert_eq!(refused["secret"], Value::Null);
    assert_eq!(
        refused["userErrors"][0]["code"], "WEBHOOK_URL_INVALID",
        "{refused}"
    );
    assert_eq!(refused["userErrors"][0]["field"], json!(["input", "url"]));

    let input = json!({"input": {"tieInId": tie_in, "url": hooks.url, "description": "MAMA feed"}});
    let registered = app.data(Some(&mama), REGISTER, input).await;
    let registered = &registered["registerWebhook"];
    assert_eq!(registered["userErrors"], json!([]), "{registered}");
    assert_eq!(registered["webhook"]["status"], "ENABLED");
    assert_eq!(registered["webhook"]["tieInId"], tie_in);
    let webhook = registered["webhook"]["id"].as_str().unwrap().to_owned();
    let secret = registered["secret"].as_str().unwrap().to_owned();

    let first = publish(&app).await;
    let hits = hooks.wait_for(1).await;
    assert!(hits[0].signed_with(&secret), "{:?}", hits[0]);
    let body = hits[0].json();
    assert_eq!(body["type"], "promotion.published");
    assert_eq!(body["id"], hits[0].id);

    // The partner reads its log (never the secret); a node query finds it.
    let log = app
        .data(Some(&mama), DELIVERIES, json!({"id": webhook}))
        .await;
    assert!(!log.to_string().contains(&secret));
    let node = &log["webhook"]["deliveries"]["edges"][0]["node"];
    assert_eq!(node["eventId"], hits[0].id);
    assert_eq!(node["type"], "PROMOTION_PUBLISHED");
    let node_query = "query($id: ID!) { node(id: $id) { ... on Webhook { url } } }";
    let found = app
        .data(Some(&mama), node_query, json!({"id": webhook}))
        .await;
    assert_eq!(found["node"]["url"], hooks.url);

    // Another partner: the webhook reads as missing, its tie-in is not its own.
    let yes24 = app.token_for("yes24", Role::Partner, None);
    let other = app
        .data(Some(&yes24), DELIVERIES, json!({"id": webhook}))
        .await;
    assert_eq!(other["webhook"], Value::Null);
    let theirs = json!({"input": {"tieInId": tie_in, "url": hooks.url}});
    let theirs = app.data(Some(&yes24), REGISTER, theirs).await;
    assert_eq!(
        theirs["registerWebhook"]["userErrors"][0]["code"],
        "TIE_IN_NOT_FOUND"
    );
    let replay = json!({"input": {"webhookId": webhook, "after": "feed:0000000000000000"}});
    let denied = app.data(Some(&yes24), REPLAY, replay.clone()).await;
    assert_eq!(
        denied["replayWebhook"]["userErrors"][0]["code"],
        "WEBHOOK_NOT_FOUND"
    );
    let (_, listed) = app
        .graphql(
            Some(&yes24),
            "{ webhooks { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["webhooks"]["edges"], json!([]), "{listed}");
    // A creator is not a partner: the list is forbidden.
    let creator = app.token(Role::Creator, None);
    let (_, forbidden) = app
        .graphql(
            Some(&creator),
            "{ webhooks { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&forbidden), ["FORBIDDEN"]);

    // A replay from the start sends the item again with its event id.
    let second = publish(&app).await;
    hooks.wait_for(2).await;
    let replayed = app.data(Some(&mama), REPLAY, replay).await;
    assert_eq!(
        replayed["replayWebhook"]["replay"]["enqueued"], 2,
        "{replayed}"
    );
    let hits = hooks.wait_for(4).await;
    let mut again: Vec<&str> = hits[2..].iter().map(|h| h.id.as_str()).collect();
    let mut before: Vec<&str> = hits[..2].iter().map(|h| h.id.as_str()).collect();
    again.sort_unstable();
    before.sort_unstable();
    assert_eq!(again, before);
    assert!(first < second);
}
