//! A creator's commissions through the gateway: the storefront's order
//! events (written here to a stand-in of its log, with the attribution the
//! storefront gives an order placed with the creator's code) accrue the
//! commission in creator media; the creator reads `commissionAccount` and
//! `commissions`, an official pays out with `payOutCommissions`, a clawback
//! is deducted from the payout; nobody else reads them. The same process
//! follows the storefront's topic as `golmok up --bus kafka` runs it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use golmok_kafka::{KafkaSettings, KafkaSource, Relay, TopicSpec, events_topic, migrate};
use golmok_kernel::{EventHandler, EventLog, EventSource, LogTail, Projections};
use golmok_runtime::{Role, Service};
use golmok_testkit::{Kafka, events};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::journeys::{Shop, global_id, open_shop, uuid_of};
use crate::support::{TestApp, spawn_app};

const REGISTER: &str = "mutation($input: RegisterCreatorInput!) {
  registerCreator(input: $input) { creator { id } userErrors { code } }
}";

const INVITE: &str = "mutation($input: CollaborationInput!) {
  inviteCreator(input: $input) { collaboration { id } userErrors { field code } }
}";

const ACCEPT: &str = "mutation($id: ID!) {
  acceptCollaboration(input: {collaborationId: $id}) { collaboration { status } userErrors { code } }
}";

const COMMISSIONS: &str = "query($id: ID!) {
  creator(id: $id) {
    commissionAccount { held payable owed paidOut }
    commissions(first: 10) {
      nodes { orderId merchantId status accrued reversed clawedBack payoutId
              collaboration { id } lines { productId sales bps commission takenBack } }
    }
  }
}";

const ACCOUNT: &str = "query($id: ID!) {
  creator(id: $id) { handle commissionAccount { held payable owed paidOut } }
}";

const PAY_OUT: &str = "mutation($input: PayOutCommissionsInput!) {
  payOutCommissions(input: $input) {
    payout { id orderIds payable clawedBack net creator { handle } }
    userErrors { field code }
  }
}";

/// Appends one storefront event of `merchant`'s shop stream to `log`.
async fn emit(log: &Arc<dyn EventLog>, merchant: Uuid, name: &str, data: Value) {
    let stream = format!("shop-{merchant}");
    events::append(log.as_ref(), "storefront", &stream, name, data).await;
}

/// The account once `done` holds (within 30 s: a Kafka consumer joins its group first).
async fn account_until(
    app: &TestApp,
    token: &str,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let data = app.data(Some(token), COMMISSIONS, json!({"id": id})).await;
        if done(&data["creator"]["commissionAccount"]) {
            return data["creator"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{data}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A merchant's shop and a creator (its owner's token, its global id)
/// collaborating on every product, kimchi at 15 %.
struct Collaborating {
    shop: Shop,
    kim: String,
    creator: String,
    kimchi: Uuid,
    collaboration: String,
}

async fn collaborating(app: &TestApp) -> Collaborating {
    let shop = open_shop(app, "망원 반찬가게").await;
    let kim = app.token_for("creator-kim", Role::Creator, None);
    let input = json!({
        "handle": "alley.cook", "displayName": "골목 요리사",
        "channels": [{"platform": "YOUTUBE", "url": "https://youtube.com/@alley.cook", "audience": 50_000}],
        "categories": ["food"], "region": "마포구", "languages": ["ko"],
    });
    let registered = app
        .data(Some(&kim), REGISTER, json!({"input": input}))
        .await;
    let creator = registered["registerCreator"]["creator"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kimchi = Uuid::now_v7();
    let terms = json!({
        "merchantId": shop.id, "creatorId": creator, "commissionBps": 1000,
        "productCommissions": [{"productId": global_id("Product", kimchi), "bps": 1500}],
        "starts": Utc::now() - TimeDelta::hours(1), "ends": Utc::now() + TimeDelta::days(30),
        "mode": "PROMOTION",
    });
    let invited = app
        .data(Some(&shop.token), INVITE, json!({"input": terms}))
        .await;
    let collaboration = invited["inviteCreator"]["collaboration"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{invited}"))
        .to_owned();
    let accepted = app
        .data(Some(&kim), ACCEPT, json!({"id": collaboration}))
        .await;
    assert_eq!(accepted["acceptCollaboration"]["userErrors"], json!([]));
    Collaborating {
        shop,
        kim,
        creator,
        kimchi,
        collaboration,
    }
}

/// Creator media's commission process over `source` (commissions held for
/// a second instead of the return window), its rows in `dir`.
async fn follow(
    app: &TestApp,
    source: impl EventSource,
    dir: &tempfile::TempDir,
) -> Arc<Projections> {
    let inbox = golmok_embedded::EmbeddedStore::open(&dir.path().join("inbox.redb")).unwrap();
    let media = app.creator_media();
    let process = creator_media::app::commissions::OrderCommissions::new(
        Arc::clone(media.service()),
        TimeDelta::seconds(1),
    );
    Projections::start_sources(
        vec![(source, Arc::new(process) as Arc<dyn EventHandler>)],
        inbox,
        media.consistency_timeout(),
    )
    .await
    .unwrap()
}

/// A stand-in for the storefront's log.
fn storefront_log(dir: &tempfile::TempDir) -> Arc<dyn EventLog> {
    golmok_embedded::EmbeddedStore::open(&dir.path().join("storefront.redb")).unwrap()
}

/// Two jars of kimchi ordered with the creator's code, and confirmed.
async fn order_kimchi(log: &Arc<dyn EventLog>, c: &Collaborating) -> Uuid {
    let (merchant, creator) = (c.shop.uuid, uuid_of(&c.creator));
    let order = Uuid::now_v7();
    let placed = json!({
        "orderId": order, "merchantId": merchant, "buyer": "citizen-lee",
        "lines": [{"productId": c.kimchi, "name": "포기김치", "unitPrice": 20_000, "quantity": 2}],
        "total": 40_000, "payment": "CARD",
        "attribution": {"creatorId": creator, "code": "ALLEY.COOK"}, "at": Utc::now(),
    });
    emit(log, merchant, "OrderPlaced", placed).await;
    let confirmed = json!({"orderId": order, "at": Utc::now()});
    emit(log, merchant, "OrderConfirmed", confirmed).await;
    order
}

/// One jar of `order` comes back.
async fn return_a_jar(log: &Arc<dyn EventLog>, c: &Collaborating, order: Uuid) {
    let returned = json!({
        "orderId": order, "returnId": Uuid::now_v7(),
        "lines": [{"productId": c.kimchi, "quantity": 1, "amount": 20_000}],
        "amount": 20_000, "reason": "변심", "at": Utc::now(),
    });
    emit(log, c.shop.uuid, "OrderLinesReturned", returned).await;
}

#[tokio::test]
async fn a_creator_reads_its_commissions_and_an_official_pays_them_out_less_the_clawback() {
    let app = spawn_app().await;
    let c = collaborating(&app).await;
    let Collaborating {
        shop,
        kim,
        creator,
        kimchi,
        collaboration,
    } = &c;
    let dir = tempfile::tempdir().unwrap();
    let log = storefront_log(&dir);
    let following = follow(&app, LogTail::after(Arc::clone(&log), 0), &dir).await;
    let order = order_kimchi(&log, &c).await;

    let read = account_until(&app, kim, creator, |a| a["payable"] == 6_000).await;
    assert_eq!(
        read["commissionAccount"],
        json!({"held": 0, "payable": 6_000, "owed": 0, "paidOut": 0})
    );
    let node = &read["commissions"]["nodes"][0];
    assert_eq!(node["orderId"], global_id("Order", order));
    assert_eq!(node["merchantId"], shop.id);
    assert_eq!(node["status"], "PAYABLE");
    assert_eq!(node["collaboration"]["id"], collaboration.as_str());
    assert_eq!(
        node["lines"],
        json!([{"productId": global_id("Product", *kimchi), "sales": 40_000, "bps": 1500, "commission": 6_000, "takenBack": 0}])
    );

    // One jar comes back after the commission became payable: clawed back.
    return_a_jar(&log, &c, order).await;
    let read = account_until(&app, kim, creator, |a| a["owed"] == 3_000).await;
    assert_eq!(read["commissions"]["nodes"][0]["clawedBack"], 3_000);

    // Only officials and operators pay out; the creator is refused.
    let refused = app
        .data(Some(kim), PAY_OUT, json!({"input": {"creatorId": creator}}))
        .await;
    assert_eq!(
        refused["payOutCommissions"]["userErrors"][0]["code"],
        "FORBIDDEN"
    );
    let official = app.token(Role::Official, None);
    let input = json!({"input": {"creatorId": creator, "idempotencyKey": "payout-2026-12"}});
    let paid = app.data(Some(&official), PAY_OUT, input.clone()).await;
    let payout = &paid["payOutCommissions"];
    assert_eq!(payout["userErrors"], json!([]), "{paid}");
    assert_eq!(
        payout["payout"]["orderIds"],
        json!([global_id("Order", order)])
    );
    assert_eq!(
        (
            payout["payout"]["payable"].clone(),
            payout["payout"]["clawedBack"].clone(),
            payout["payout"]["net"].clone()
        ),
        (json!(6_000), json!(3_000), json!(3_000))
    );
    assert_eq!(payout["payout"]["creator"]["handle"], "alley.cook");
    // A retry answers the same payout; a new one finds nothing to pay.
    assert_eq!(app.data(Some(&official), PAY_OUT, input).await, paid);
    let again = app
        .data(
            Some(&official),
            PAY_OUT,
            json!({"input": {"creatorId": creator}}),
        )
        .await;
    assert_eq!(
        again["payOutCommissions"]["userErrors"],
        json!([{"field": null, "code": "NOTHING_TO_PAY_OUT"}])
    );
    let read = app
        .data(Some(kim), COMMISSIONS, json!({"id": creator}))
        .await;
    assert_eq!(
        read["creator"]["commissionAccount"],
        json!({"held": 0, "payable": 0, "owed": 0, "paidOut": 3_000})
    );
    assert_eq!(
        read["creator"]["commissions"]["nodes"][0]["status"],
        "PAID_OUT"
    );
    assert_eq!(
        read["creator"]["commissions"]["nodes"][0]["payoutId"],
        payout["payout"]["id"]
    );

    // Another creator and the merchant read the creator, not its commissions.
    let lee = app.token_for("creator-lee", Role::Creator, None);
    for token in [&lee, &shop.token] {
        let data = app.data(Some(token), ACCOUNT, json!({"id": creator})).await;
        assert_eq!(
            data["creator"],
            json!({"handle": "alley.cook", "commissionAccount": null})
        );
    }
    let unknown = global_id("Creator", Uuid::now_v7());
    let missing = app
        .data(
            Some(&official),
            PAY_OUT,
            json!({"input": {"creatorId": unknown}}),
        )
        .await;
    assert_eq!(
        missing["payOutCommissions"]["userErrors"],
        json!([{"field": ["input", "creatorId"], "code": "CREATOR_NOT_FOUND"}])
    );
    following.stop().await;
}

#[tokio::test]
async fn commissions_follow_the_storefronts_orders_over_kafka() {
    let broker = tokio::task::spawn_blocking(Kafka::shared)
        .await
        .expect("the shared broker");
    let kafka = KafkaSettings::new(broker.bootstrap_servers());
    let app = spawn_app().await;
    let c = collaborating(&app).await;

    // The stand-in storefront's relay publishes its log to a topic of this
    // test's own, keyed by stream; creator media's process reads the topic.
    let dir = tempfile::tempdir().unwrap();
    let log = storefront_log(&dir);
    let producer = format!("storefront-orders-{}", Uuid::now_v7().simple());
    migrate(&kafka, &[TopicSpec::events(&producer, 12, None)])
        .await
        .expect("the topic");
    let relay_tables =
        golmok_embedded::EmbeddedStore::open(&dir.path().join("relay.redb")).unwrap();
    let shutdown = CancellationToken::new();
    let relay = Relay::new(&kafka, &producer, Arc::clone(&log), relay_tables)
        .expect("a relay")
        .spawn(shutdown.child_token())
        .await
        .expect("the relay starts");
    let source = KafkaSource::new(&kafka, &[events_topic(&producer)]).expect("a source");
    let following = follow(&app, source, &dir).await;

    let order = order_kimchi(&log, &c).await;
    let read = account_until(&app, &c.kim, &c.creator, |a| a["payable"] == 6_000).await;
    assert_eq!(
        read["commissions"]["nodes"][0]["orderId"],
        global_id("Order", order)
    );
    return_a_jar(&log, &c, order).await;
    let read = account_until(&app, &c.kim, &c.creator, |a| a["owed"] == 3_000).await;
    assert_eq!(
        read["commissionAccount"],
        json!({"held": 0, "payable": 6_000, "owed": 3_000, "paidOut": 0})
    );

    tokio::time::timeout(Duration::from_secs(30), following.stop())
        .await
        .expect("the process stops");
    shutdown.cancel();
    relay.stopped().await;
}
