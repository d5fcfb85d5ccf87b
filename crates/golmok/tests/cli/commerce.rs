//! Issue 10's story through GraphQL only, against a real `golmok up` (its
//! commissions held two seconds instead of the return window): a merchant
//! delegates its lives to a creator, who schedules and runs one; a citizen
//! orders during it with the creator's code at the live price; the
//! commission is held, becomes payable, is clawed back by a return, and an
//! official pays out what is left; the creator's `commissionChanges` feed
//! over SSE tells the same story, and the merchant's audit trail holds every
//! step the creator took for it.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::feed::{received, text};
use crate::support::{Golmok, bakery_with_bread, token, token_command};

const REGISTER: &str = "mutation { registerCreator(input: {handle: \"@alley.cook\", displayName: \"골목 요리사\",
  channels: [{platform: YOUTUBE, url: \"https://youtube.com/@alley.cook\", audience: 50000}],
  categories: [\"bakery\"], region: \"마포구\", languages: [\"ko\"]}) { creator { id } userErrors { code } } }";

const INVITE: &str = "mutation($m: ID!, $c: ID!, $s: DateTime!, $e: DateTime!) { inviteCreator(input: {
  merchantId: $m, creatorId: $c, commissionBps: 1000, starts: $s, ends: $e, mode: DELEGATED_SELLING,
  scopes: [RUN_LIVES], priceFloor: 3000, revenueShareBps: 500}) { collaboration { id } userErrors { code } } }";

const SCHEDULE: &str = "mutation($m: ID!, $c: ID!, $p: ID!, $t: DateTime!) { scheduleLive(input: {
  merchantId: $m, hostCreatorId: $c, title: \"소금빵 굽는 밤\", startsAt: $t,
  products: [{productId: $p, livePrice: 3000}]}) { liveSession { id } userErrors { code } } }";

const ORDER: &str =
    "mutation($m: ID!, $p: ID!, $q: Int!, $l: ID) { placeOrder(input: {merchantId: $m,
  lines: [{productId: $p, quantity: $q}], payment: CARD, liveId: $l, creatorCode: \"ALLEY.COOK\"}) {
    order { id total attribution { creator { handle } } } userErrors { code } } }";

const ACCOUNT: &str =
    "query($c: ID!) { creator(id: $c) { commissionAccount { held payable owed paidOut } } }";

const CHANGES: &str = "subscription($creator: ID!, $after: String) {
  commissionChanges(creatorId: $creator, after: $after) { cursor kind amount } }";

/// `query`'s data, with no errors.
async fn data(suite: &Golmok, token: &str, query: &str, variables: Value) -> Value {
    let body = suite.graphql_body(Some(token), query, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// How long the services may take to follow each other's events.
const FOLLOWED_WITHIN: Duration = Duration::from_secs(15);

/// The creator's account once it is `wanted`.
async fn account_becomes(suite: &Golmok, token: &str, creator: &str, wanted: Value) {
    let variables = json!({"c": creator});
    suite
        .data_once(token, ACCOUNT, variables, FOLLOWED_WITHIN, |got| {
            got["creator"]["commissionAccount"] == wanted
        })
        .await;
}

/// Places an order, retrying while the storefront has not yet followed the
/// live's start (`LIVE_NOT_FOUND` / `LIVE_NOT_ON_AIR` for a moment).
async fn order_during(suite: &Golmok, citizen: &str, variables: Value) -> Value {
    let placed = suite
        .data_once(citizen, ORDER, variables, FOLLOWED_WITHIN, |got| {
            got["placeOrder"]["userErrors"] == json!([])
        })
        .await;
    placed["placeOrder"]["order"].clone()
}

async fn confirm(suite: &Golmok, merchant: &str, order: &Value) {
    let confirmed = data(
        suite,
        merchant,
        "mutation($o: ID!) { confirmOrder(input: {orderId: $o}) { order { status } userErrors { code } } }",
        json!({"o": order["id"]}),
    )
    .await;
    assert_eq!(
        confirmed["confirmOrder"],
        json!({"order": {"status": "CONFIRMED"}, "userErrors": []})
    );
}

#[tokio::test]
async fn a_creator_sells_in_a_live_and_its_commissions_follow_orders_returns_and_payouts() {
    let dir = tempfile::tempdir().unwrap();
    let hold = [("GOLMOK__CREATOR_MEDIA__COMMISSIONS__HOLD_SECONDS", "2")];
    let suite = Golmok::up_with(dir.path(), &hold);
    let (merchant, shop, bread) = bakery_with_bread(&suite, dir.path(), 7, 20).await;
    let (ok, kim, stderr) = token_command(
        dir.path(),
        &["--role", "creator", "--subject", "creator-kim"],
    );
    assert!(ok, "{stderr}");
    let (citizen, official) = (token(dir.path(), "citizen"), token(dir.path(), "official"));

    // The bakery delegates its lives to the creator, who schedules and runs one.
    let registered = data(&suite, &kim, REGISTER, json!({})).await;
    let creator = text(&registered["registerCreator"]["creator"]["id"]);
    let (now, later) = (Utc::now(), Utc::now() + chrono::Duration::days(30));
    let terms = json!({"m": shop, "c": creator, "s": now, "e": later});
    let invited = data(&suite, &merchant, INVITE, terms).await;
    let deal = text(&invited["inviteCreator"]["collaboration"]["id"]);
    let accept = "mutation($d: ID!) { acceptCollaboration(input: {collaborationId: $d}) { userErrors { code } } }";
    let accepted = data(&suite, &kim, accept, json!({"d": deal})).await;
    assert_eq!(accepted["acceptCollaboration"]["userErrors"], json!([]));
    let live_at = json!({"m": shop, "c": creator, "p": bread, "t": later});
    let scheduled = data(&suite, &kim, SCHEDULE, live_at).await;
    assert_eq!(scheduled["scheduleLive"]["userErrors"], json!([]));
    let live = text(&scheduled["scheduleLive"]["liveSession"]["id"]);
    let step = |op: &str| {
        format!(
            "mutation($l: ID!) {{ {op}(input: {{liveId: $l}}) {{ liveSession {{ status }} userErrors {{ code }} }} }}"
        )
    };
    let started = data(&suite, &kim, &step("startLive"), json!({"l": live})).await;
    assert_eq!(started["startLive"]["liveSession"]["status"], "LIVE");

    // Two breads during the live, with the creator's code: the live price.
    let during = json!({"m": shop, "p": bread, "q": 2, "l": live});
    let first = order_during(&suite, &citizen, during).await;
    assert_eq!(first["total"], 6000, "2 × the live price, not 2 × 3,500");
    assert_eq!(first["attribution"]["creator"]["handle"], "alley.cook");
    confirm(&suite, &merchant, &first).await;
    let account = |held: i64, payable: i64, owed: i64, paid_out: i64| json!({"held": held, "payable": payable, "owed": owed, "paidOut": paid_out});
    account_becomes(&suite, &kim, &creator, account(600, 0, 0, 0)).await;
    account_becomes(&suite, &kim, &creator, account(0, 600, 0, 0)).await;

    // A bread comes back after the commission became payable: clawed back.
    let returned = data(
        &suite,
        &citizen,
        "mutation($o: ID!, $p: ID!) { returnOrderLines(input: {orderId: $o,
           lines: [{productId: $p, quantity: 1}], reason: \"crushed\"}) { userErrors { code } } }",
        json!({"o": first["id"], "p": bread}),
    )
    .await;
    assert_eq!(returned["returnOrderLines"]["userErrors"], json!([]));
    account_becomes(&suite, &kim, &creator, account(0, 600, 300, 0)).await;

    // The live ends: its id no longer prices an order; the code still credits.
    let ended = data(&suite, &kim, &step("endLive"), json!({"l": live})).await;
    assert_eq!(ended["endLive"]["liveSession"]["status"], "ENDED");
    let after_live = json!({"m": shop, "p": bread, "q": 1, "l": live});
    suite
        .data_once(&citizen, ORDER, after_live, FOLLOWED_WITHIN, |got| {
            got["placeOrder"]["userErrors"] == json!([{"code": "LIVE_NOT_ON_AIR"}])
        })
        .await;
    let second = order_during(&suite, &citizen, json!({"m": shop, "p": bread, "q": 1})).await;
    assert_eq!(second["total"], 3500);
    confirm(&suite, &merchant, &second).await;
    account_becomes(&suite, &kim, &creator, account(0, 950, 300, 0)).await;

    // An official pays out what is payable, less the clawback.
    let pay = "mutation($c: ID!) { payOutCommissions(input: {creatorId: $c, idempotencyKey: \"payout-1\"}) {
      payout { payable clawedBack net } userErrors { code } } }";
    let paid = data(&suite, &official, pay, json!({"c": creator})).await;
    assert_eq!(
        paid["payOutCommissions"],
        json!({"payout": {"payable": 950, "clawedBack": 300, "net": 650}, "userErrors": []})
    );
    account_becomes(&suite, &kim, &creator, account(0, 0, 0, 650)).await;
    let again = data(&suite, &official, pay, json!({"c": creator})).await;
    assert_eq!(again, paid, "a retry with the same key pays nothing twice");

    // The creator's feed tells the same story, in order.
    let changes = received(
        &suite,
        &kim,
        CHANGES,
        json!({"creator": creator, "after": null}),
        "commissionChanges",
        |item| format!("{} {}", text(&item["kind"]), item["amount"]),
    );
    let kinds: Vec<&str> = changes.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "ACCRUED 600",
            "PAYABLE 600",
            "CLAWED_BACK 300",
            "ACCRUED 350",
            "PAYABLE 350",
            "PAID_OUT 650"
        ]
    );

    // Every live step the creator took is in the bakery's audit trail.
    let trail = data(
        &suite,
        &merchant,
        "query($d: ID!) { node(id: $d) { ... on Collaboration { auditTrail(first: 10) { nodes { action outcome } } } } }",
        json!({"d": deal}),
    )
    .await;
    assert_eq!(
        trail["node"]["auditTrail"]["nodes"],
        json!([
            {"action": "SCHEDULE_LIVE", "outcome": "DONE"},
            {"action": "START_LIVE", "outcome": "DONE"},
            {"action": "END_LIVE", "outcome": "DONE"},
        ])
    );
}
