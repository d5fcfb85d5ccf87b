//! The feeds of `golmok up` across restarts: a partner follows its tie-in's
//! promotions, a creator its commission changes and a merchant its orders
//! over GraphQL over SSE with curl, the process stops (SIGTERM, then
//! SIGKILL) and starts again on the same data directory, and each cursor
//! gives exactly what was missed. Creator-media's events are appended to its
//! log while no process runs it, as its commands would write them; orders
//! go through GraphQL mutations.

use std::path::Path;
use std::process::Command;

use chrono::{Duration, Utc};
use golmok_embedded::EmbeddedStore;
use golmok_kernel::{AppendRequest, EventLog, ExpectedVersion, sample_envelope};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Golmok, bakery_with_bread, token, token_command};

const FEED: &str = "subscription($tieIn: ID!, $after: String) {
  promotionFeed(tieIn: $tieIn, after: $after) { cursor kind promotion { title } } }";

/// Appends creator-media's event `name` to its log in `data_dir` (no process runs it).
async fn append(data_dir: &Path, stream: &str, name: &str, data: Value) {
    let dir = data_dir.join("creator-media");
    std::fs::create_dir_all(&dir).expect("the creator-media data directory");
    let store = EmbeddedStore::open(&dir.join("creator-media.redb"))
        .expect("creator-media's store opens while no process runs it");
    let mut envelope = sample_envelope(stream, name);
    envelope.source = "/golmok/creator-media".to_owned();
    envelope.event_type = format!("kr.golmok.creator-media.{name}.v1");
    envelope.data = data;
    store
        .append(AppendRequest {
            stream: stream.to_owned(),
            expected: ExpectedVersion::Any,
            events: vec![envelope],
            idempotency: None,
        })
        .await
        .expect("appended");
}

async fn publish(data_dir: &Path, title: &str, tie_in: Option<Uuid>) {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let mut promotion = json!({
        "promotionId": id, "merchantId": Uuid::now_v7(), "title": title,
        "products": [Uuid::now_v7()], "offer": {"kind": "amountOff", "won": 3000},
        "starts": now - Duration::days(1), "ends": now + Duration::days(3),
        "tags": ["kpop"], "categories": ["food"], "region": "seoul-mapo", "at": now,
    });
    if let Some(tie_in) = tie_in {
        promotion["tieIn"] = json!(tie_in);
    }
    append(
        data_dir,
        &format!("promotion-{id}"),
        "PromotionPublished",
        promotion,
    )
    .await;
}

const COMMISSIONS: &str = "subscription($creator: ID!, $after: String) {
  commissionChanges(creatorId: $creator, after: $after) { cursor kind amount } }";

/// Appends creator-media's commission event `name` (`CommissionPayable`,
/// or `CommissionClawedBack` of a return) of `creator`.
async fn commission(data_dir: &Path, creator: Uuid, name: &str, amount: i64) {
    let mut data = json!({
        "creatorId": creator, "orderId": Uuid::now_v7(), "amount": amount, "at": Utc::now(),
    });
    if name == "CommissionClawedBack" {
        data["returnId"] = json!(Uuid::now_v7());
    }
    append(data_dir, &format!("commissions-{creator}"), name, data).await;
}

/// What curl receives from the feed in two seconds: (title, cursor) of each item.
fn follow(suite: &Golmok, token: &str, tie_in: Uuid, after: Option<&str>) -> Vec<(String, String)> {
    let variables = json!({"tieIn": tie_in, "after": after});
    received(suite, token, FEED, variables, "promotionFeed", |item| {
        text(&item["promotion"]["title"])
    })
}

/// What curl receives from a creator's commission changes in two seconds:
/// ("KIND amount", cursor) of each item.
fn commissions(
    suite: &Golmok,
    token: &str,
    creator: Uuid,
    after: Option<&str>,
) -> Vec<(String, String)> {
    let variables = json!({"creator": creator, "after": after});
    received(
        suite,
        token,
        COMMISSIONS,
        variables,
        "commissionChanges",
        |item| format!("{} {}", text(&item["kind"]), item["amount"]),
    )
}

const ORDERS: &str = "subscription($merchant: ID!, $after: String) {
  orderStatus(merchantId: $merchant, after: $after) { cursor event status orderId } }";

/// What curl receives from a merchant's order changes in two seconds:
/// ("EVENT STATUS", cursor) of each item.
fn orders(
    suite: &Golmok,
    token: &str,
    merchant: &Value,
    after: Option<&str>,
) -> Vec<(String, String)> {
    let variables = json!({"merchant": merchant, "after": after});
    received(suite, token, ORDERS, variables, "orderStatus", |item| {
        format!("{} {}", text(&item["event"]), text(&item["status"]))
    })
}

pub(crate) fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

/// The items of subscription `field` curl receives in two seconds:
/// (`label` of the item, its cursor) of each.
pub(crate) fn received(
    suite: &Golmok,
    token: &str,
    query: &str,
    variables: Value,
    field: &str,
    label: impl Fn(&Value) -> String,
) -> Vec<(String, String)> {
    let body = json!({"query": query, "variables": variables});
    let output = Command::new("curl")
        .args(["-sS", "-N", "--max-time", "2", "-X", "POST"])
        .args(["-H", "content-type: application/json"])
        .args(["-H", "accept: text/event-stream"])
        .args(["-H", &format!("authorization: Bearer {token}")])
        .args(["--data", &body.to_string()])
        .arg(format!("{}/graphql", suite.base))
        .output()
        .expect("curl runs");
    // The subscription stays open until curl gives up (exit 28).
    assert_eq!(output.status.code(), Some(28), "{output:?}");
    let events = String::from_utf8(output.stdout).expect("UTF-8");
    events
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| {
            let event: Value = serde_json::from_str(data).expect("JSON data");
            let item = &event["data"][field];
            assert!(item.is_object(), "{event}");
            (label(item), text(&item["cursor"]))
        })
        .collect()
}

/// The end of each restart test. On `suite`, restarted after `first` was
/// received and `missed` then happened: the whole feed (`read` from the
/// start) is `first` then `missed` with the same cursors. Then, after a
/// SIGKILL and a new start on `data_dir`, the cursor of `missed[0]` gives
/// the rest of `missed`.
fn same_after_restart_and_crash(
    data_dir: &Path,
    suite: Golmok,
    first: &[(String, String)],
    missed: &[(String, String)],
    read: impl Fn(&Golmok, Option<&str>) -> Vec<(String, String)>,
) {
    let whole = read(&suite, None);
    assert_eq!(
        whole,
        [first, missed].concat(),
        "the same cursors after the restart"
    );
    suite.kill_9();

    // After a crash too.
    let suite = Golmok::up(data_dir);
    let after_crash = read(&suite, Some(&missed[0].1));
    assert_eq!(after_crash, missed[1..]);
    let (status, _) = suite.terminate();
    assert!(status.success());
}

fn titles(items: &[(String, String)]) -> Vec<&str> {
    items.iter().map(|(title, _)| title.as_str()).collect()
}

#[tokio::test]
async fn a_partner_resumes_the_promotion_feed_from_its_cursor_across_restarts() {
    let data = tempfile::tempdir().unwrap();
    let mama = Uuid::now_v7();
    let now = Utc::now();
    let tie_in = |id: Uuid, partner: &str| {
        json!({
            "tieInId": id, "name": "MAMA 2026", "partner": partner,
            "starts": now - Duration::days(10), "ends": now + Duration::days(10),
            "tags": ["kpop"], "categories": [], "regions": [], "at": now,
        })
    };
    append(
        data.path(),
        &format!("tie-in-{mama}"),
        "TieInCreated",
        tie_in(mama, "mama"),
    )
    .await;
    let other = Uuid::now_v7();
    append(
        data.path(),
        &format!("tie-in-{other}"),
        "TieInCreated",
        tie_in(other, "other"),
    )
    .await;
    publish(data.path(), "Fan kit", None).await;

    let suite = Golmok::up(data.path());
    let (ok, token, stderr) =
        token_command(data.path(), &["--role", "partner", "--subject", "mama"]);
    assert!(ok, "{stderr}");
    let first = follow(&suite, &token, mama, None);
    assert_eq!(titles(&first), ["Fan kit"]);
    let (status, _) = suite.terminate();
    assert!(status.success());

    // Missed while the process was down.
    publish(data.path(), "Lightstick", None).await;
    publish(data.path(), "Another partner's", Some(other)).await;
    publish(data.path(), "Encore", None).await;

    let suite = Golmok::up(data.path());
    let missed = follow(&suite, &token, mama, Some(&first[0].1));
    assert_eq!(titles(&missed), ["Lightstick", "Encore"]);
    same_after_restart_and_crash(data.path(), suite, &first, &missed, |suite, after| {
        follow(suite, &token, mama, after)
    });
}

#[tokio::test]
async fn a_creator_resumes_its_commission_changes_from_its_cursor_across_restarts() {
    let data = tempfile::tempdir().unwrap();
    let jin = Uuid::now_v7();
    let now = Utc::now();
    append(
        data.path(),
        &format!("creator-{jin}"),
        "CreatorRegistered",
        json!({
            "creatorId": jin, "handle": "jin.cooks", "owner": "creator-jin",
            "displayName": "Jin", "channels": [], "categories": ["food"],
            "region": "seoul-mapo", "languages": ["ko"], "at": now,
        }),
    )
    .await;
    let order = Uuid::now_v7();
    append(
        data.path(),
        &format!("commissions-{jin}"),
        "CommissionAccrued",
        json!({
            "creatorId": jin, "orderId": order, "merchantId": Uuid::now_v7(),
            "collaborationId": Uuid::now_v7(), "lines": [], "amount": 1500,
            "payableAt": now + Duration::days(7), "at": now,
        }),
    )
    .await;

    let suite = Golmok::up(data.path());
    let (ok, token, stderr) = token_command(
        data.path(),
        &["--role", "creator", "--subject", "creator-jin"],
    );
    assert!(ok, "{stderr}");
    let first = commissions(&suite, &token, jin, None);
    assert_eq!(titles(&first), ["ACCRUED 1500"]);
    let (status, _) = suite.terminate();
    assert!(status.success());

    // Missed while the process was down; another creator's is not this feed's.
    commission(data.path(), jin, "CommissionPayable", 1500).await;
    commission(data.path(), Uuid::now_v7(), "CommissionPayable", 900).await;
    commission(data.path(), jin, "CommissionClawedBack", 500).await;

    let suite = Golmok::up(data.path());
    let missed = commissions(&suite, &token, jin, Some(&first[0].1));
    assert_eq!(titles(&missed), ["PAYABLE 1500", "CLAWED_BACK 500"]);
    same_after_restart_and_crash(data.path(), suite, &first, &missed, |suite, after| {
        commissions(suite, &token, jin, after)
    });
}

const PLACE: &str = "mutation($m: ID!, $p: ID!) {
  placeOrder(input: {merchantId: $m, lines: [{productId: $p, quantity: 1}], payment: VOUCHER}) {
    order { id } userErrors { code } } }";

/// `citizen` orders one `product` of `merchant`; answers the order's global id.
async fn place(suite: &Golmok, citizen: &str, merchant: &Value, product: &Value) -> Value {
    let placed = suite
        .graphql(Some(citizen), PLACE, json!({"m": merchant, "p": product}))
        .await;
    assert_eq!(placed["placeOrder"]["userErrors"], json!([]), "{placed}");
    placed["placeOrder"]["order"]["id"].clone()
}

#[tokio::test]
async fn a_merchant_resumes_its_order_status_from_its_cursor_across_restarts() {
    let data = tempfile::tempdir().unwrap();
    let suite = Golmok::up(data.path());
    let (merchant, merchant_id, product) = bakery_with_bread(&suite, data.path(), 7, 9).await;
    let citizen = token(data.path(), "citizen");
    let first_order = place(&suite, &citizen, &merchant_id, &product).await;
    let first = orders(&suite, &merchant, &merchant_id, None);
    assert_eq!(titles(&first), ["PLACED PLACED"]);
    let (status, _) = suite.terminate();
    assert!(status.success());

    // After the restart the buyer cancels and orders again; the merchant,
    // back with its cursor, gets exactly these.
    let suite = Golmok::up(data.path());
    let cancelled = suite
        .graphql(
            Some(&citizen),
            "mutation($o: ID!) { cancelOrder(input: {orderId: $o, reason: \"실수\"}) { userErrors { code } } }",
            json!({"o": first_order}),
        )
        .await;
    assert_eq!(
        cancelled["cancelOrder"]["userErrors"],
        json!([]),
        "{cancelled}"
    );
    place(&suite, &citizen, &merchant_id, &product).await;
    let missed = orders(&suite, &merchant, &merchant_id, Some(&first[0].1));
    assert_eq!(titles(&missed), ["CANCELLED CANCELLED", "PLACED PLACED"]);
    same_after_restart_and_crash(data.path(), suite, &first, &missed, |suite, after| {
        orders(suite, &merchant, &merchant_id, after)
    });
}

#[tokio::test]
async fn sigterm_stops_golmok_up_while_a_subscriber_stays_connected() {
    let data = tempfile::tempdir().unwrap();
    let suite = Golmok::up(data.path());
    let (merchant, shop, _) = bakery_with_bread(&suite, data.path(), 9, 5).await;
    let body = json!({"query": ORDERS, "variables": {"merchant": shop, "after": null}});
    // A subscriber that never hangs up by itself.
    let mut curl = Command::new("curl")
        .args(["-sS", "-N", "-X", "POST"])
        .args(["-H", "content-type: application/json"])
        .args(["-H", "accept: text/event-stream"])
        .args(["-H", &format!("authorization: Bearer {merchant}")])
        .args(["--data", &body.to_string()])
        .arg(format!("{}/graphql", suite.base))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("curl runs");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(
        curl.try_wait().unwrap().is_none(),
        "the subscription is open"
    );

    let asked = std::time::Instant::now();
    let (status, _) = suite.terminate();
    assert!(status.success(), "{status}");
    let took = asked.elapsed();
    assert!(
        took < golmok_runtime::SHUTDOWN_GRACE + std::time::Duration::from_secs(10),
        "stopped {took:?} after SIGTERM"
    );
    // The subscriber was cut, not left hanging.
    let ended = std::iter::repeat_with(|| curl.try_wait().unwrap())
        .take(50)
        .find_map(|exited| {
            exited.or_else(|| {
                std::thread::sleep(std::time::Duration::from_millis(100));
                None
            })
        });
    assert!(ended.is_some(), "curl still connected");
}
