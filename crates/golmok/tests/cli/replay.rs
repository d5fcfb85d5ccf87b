//! RELIABILITY.md 6, replay equals live, with the real binary: `golmok up`
//! takes a few thousand events of storefront and voucher traffic and a few
//! hundred of creator-media's (creators, collaborations, lives, promotions,
//! commissions of orders with a creator's code) through GraphQL and stops;
//! every read-model table is hashed; `golmok replay` rebuilds each service's
//! read models from event 0, once cleanly and once killed with SIGKILL
//! half-way and run again; the hashes equal the live ones, and the restarted
//! suite serves the rebuilt tables.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use golmok_embedded::EmbeddedStore;
use golmok_kernel::{EventLog, WholeTables, current_generations, table_digest};
use serde_json::{Value, json};

use crate::support::{GOLMOK, Golmok, bakery_with_bread, mapo_programme, token, token_command};

/// Creator-media's commissions are held two seconds instead of the return window.
const HOLD: [(&str, &str); 1] = [("GOLMOK__CREATOR_MEDIA__COMMISSIONS__HOLD_SECONDS", "2")];

const ORDERS: usize = 800;
const PAYMENTS: usize = 1_200;
const CLIENTS: usize = 12;
/// Creators, each with a shop that delegates its lives to it.
const CREATORS: usize = 10;

const ORDER: &str = "mutation($m: ID!, $p: ID!, $k: String!) { placeOrder(input: {merchantId: $m,
  lines: [{productId: $p, quantity: 1}], payment: CARD, idempotencyKey: $k}) { order { id } userErrors { code } } }";
const CONFIRM: &str =
    "mutation($o: ID!, $k: String!) { confirmOrder(input: {orderId: $o, idempotencyKey: $k}) {
  order { status } userErrors { code } } }";
/// Times a mutation answered `UNAVAILABLE` is sent again, with the same
/// idempotency key, as a partner app would (a loaded CQL node times out).
const RETRIES: usize = 20;
const PAY: &str = "mutation($input: RedeemVoucherInput!) {
  payWithVoucher(input: $input) { redemption { id status } userErrors { code } } }";

/// The content hash of every read-model table of `service`, its log's head
/// and the tables' current generations, read from its store file.
async fn snapshot(
    data_dir: &Path,
    service: &str,
    tables: &[&str],
) -> (BTreeMap<String, String>, u64, BTreeMap<String, u64>) {
    let store = EmbeddedStore::open(&data_dir.join(service).join(format!("{service}.redb")))
        .expect("the stopped service's store opens");
    hashes_of(store.as_ref(), tables).await
}

/// The content hash of every read-model table of `store`, its log's head
/// and the tables' current generations (either adapter).
pub(crate) async fn hashes_of(
    store: &(impl EventLog + WholeTables),
    tables: &[&str],
) -> (BTreeMap<String, String>, u64, BTreeMap<String, u64>) {
    let mut hashes = BTreeMap::new();
    for table in tables {
        let hash = table_digest(store, table).await.expect("digest");
        hashes.insert((*table).to_owned(), hash);
    }
    let head = *store.head().borrow();
    let generations = current_generations(store)
        .await
        .expect("generations")
        .into_iter()
        .filter(|(table, _)| tables.contains(&table.as_str()))
        .collect();
    (hashes, head, generations)
}

fn replay(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(GOLMOK)
        .arg("replay")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("golmok replay runs")
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `replay` (a `golmok replay` command) with a progress line for every
/// batch and kills it with SIGKILL once a line passes half the head; returns
/// the position that line named.
pub(crate) fn killed_half_way(mut replay: Command) -> u64 {
    let mut child = replay
        .args(["--progress-ms", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("golmok replay starts");
    let stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.expect("a line");
        seen.push(line.clone());
        // "replay: position 1234/5000 (24.7%), …"
        let Some((position, head)) = line
            .strip_prefix("replay: position ")
            .and_then(|rest| rest.split_once(' '))
            .and_then(|(fraction, _)| fraction.split_once('/'))
        else {
            continue;
        };
        let (position, head): (u64, u64) = (position.parse().unwrap(), head.parse().unwrap());
        if position * 2 >= head {
            child.kill().expect("SIGKILL");
            child.wait().expect("replay exits");
            assert!(position < head, "killed before the end: {line}");
            return position;
        }
    }
    child.wait().expect("replay exits");
    panic!("no progress line passed half-way: {seen:?}");
}

pub(crate) async fn traffic(suite: &Golmok, data_dir: &Path) {
    let official = token(data_dir, "official");
    let mut shops = Vec::new();
    for n in 0..3 {
        shops.push(bakery_with_bread(suite, data_dir, 40 + n, 10_000).await);
    }
    let programme = json!(mapo_programme(suite, &official, 50_000, 10_000_000).await);
    let mut wallets = Vec::new();
    for c in 0..3 {
        let (ok, citizen, stderr) = token_command(
            data_dir,
            &["--role", "citizen", "--subject", &format!("citizen-{c}")],
        );
        assert!(ok, "{stderr}");
        let bought = suite
            .graphql(
                Some(&citizen),
                "mutation($p: ID!) { purchaseVoucher(input: {programmeId: $p, faceValue: 50000}) {
                   wallet { id } userErrors { code } } }",
                json!({"p": programme}),
            )
            .await;
        let wallet = bought["purchaseVoucher"]["wallet"]["id"].clone();
        assert!(wallet.is_string(), "{bought}");
        wallets.push((citizen, wallet));
    }

    // Orders (every other one confirmed) and voucher payments, from
    // CLIENTS concurrent clients.
    let buyer = token(data_dir, "citizen");
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let buyer = buyer.clone();
        let base = suite.base.clone();
        let shops = shops.clone();
        let wallets = wallets.clone();
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            // Every mutation carries an idempotency key, so that one
            // answered UNAVAILABLE (its outcome unknown) is sent again safely.
            let call = |token: String, query: &'static str, variables: Value| {
                let (http, base) = (http.clone(), base.clone());
                async move {
                    for _ in 0..RETRIES {
                        let body: Value = http
                            .post(format!("{base}/graphql"))
                            .bearer_auth(&token)
                            .json(&json!({"query": query, "variables": variables}))
                            .send()
                            .await
                            .expect("answered")
                            .json()
                            .await
                            .expect("JSON");
                        let unavailable = body["errors"].as_array().is_some_and(|errors| {
                            errors
                                .iter()
                                .all(|e| e["extensions"]["code"] == "UNAVAILABLE")
                        });
                        if unavailable {
                            tokio::time::sleep(Duration::from_millis(250)).await;
                            continue;
                        }
                        assert!(body["errors"].is_null(), "{body}");
                        return body["data"].clone();
                    }
                    panic!("{query}: still UNAVAILABLE after {RETRIES} tries");
                }
            };
            for i in (client..ORDERS).step_by(CLIENTS) {
                let (merchant, shop, bread) = &shops[i % shops.len()];
                let order = json!({"m": shop, "p": bread, "k": format!("order-{i}")});
                let placed = call(buyer.clone(), ORDER, order).await;
                let order = placed["placeOrder"]["order"]["id"].clone();
                assert!(order.is_string(), "{placed}");
                if i % 2 == 0 {
                    let confirm = json!({"o": order, "k": format!("confirm-{i}")});
                    call(merchant.clone(), CONFIRM, confirm).await;
                }
            }
            for i in (client..PAYMENTS).step_by(CLIENTS) {
                let (citizen, wallet) = &wallets[i % wallets.len()];
                let shop = &shops[i % shops.len()].1;
                let input = json!({"walletId": wallet, "merchantId": shop,
                                   "amount": 10 + (i % 7) as i64, "idempotencyKey": format!("pay-{i}")});
                let paid = call(citizen.clone(), PAY, json!({"input": input})).await;
                let payload = &paid["payWithVoucher"];
                // The voucher service learns of the shops from the storefront's events.
                assert!(
                    payload["redemption"]["status"] == "CAPTURED"
                        || payload["userErrors"][0]["code"] == "MERCHANT_NOT_FOUND",
                    "{paid}"
                );
            }
        }));
    }
    for client in clients {
        client.await.expect("client");
    }
}

const REGISTER_CREATOR: &str = "mutation($h: String!) { registerCreator(input: {handle: $h,
  displayName: \"골목 요리사\", channels: [{platform: YOUTUBE, url: \"https://youtube.com/@cook\", audience: 50000}],
  categories: [\"bakery\"], region: \"마포구\", languages: [\"ko\"]}) { creator { id } userErrors { code } } }";
const UPDATE_CREATOR: &str = "mutation($c: ID!, $n: String!) { updateCreator(input: {creatorId: $c,
  displayName: $n}) { userErrors { code } } }";
const INVITE: &str = "mutation($m: ID!, $c: ID!, $s: DateTime!, $e: DateTime!) { inviteCreator(input: {
  merchantId: $m, creatorId: $c, commissionBps: 1000, starts: $s, ends: $e, mode: DELEGATED_SELLING,
  scopes: [RUN_LIVES], priceFloor: 3000, revenueShareBps: 500}) { collaboration { id } userErrors { code } } }";
const ACCEPT: &str = "mutation($d: ID!) { acceptCollaboration(input: {collaborationId: $d}) { userErrors { code } } }";
const SCHEDULE: &str = "mutation($m: ID!, $c: ID!, $p: ID!, $t: DateTime!) { scheduleLive(input: {
  merchantId: $m, hostCreatorId: $c, title: \"소금빵 굽는 밤\", startsAt: $t,
  products: [{productId: $p, livePrice: 3000}]}) { liveSession { id } userErrors { code } } }";
const START_LIVE: &str = "mutation($l: ID!) { startLive(input: {liveId: $l}) { liveSession { status } userErrors { code } } }";
const END_LIVE: &str = "mutation($l: ID!) { endLive(input: {liveId: $l}) { liveSession { status } userErrors { code } } }";
const CODE_ORDER: &str = "mutation($m: ID!, $p: ID!, $l: ID, $code: String!) { placeOrder(input: {
  merchantId: $m, lines: [{productId: $p, quantity: 1}], payment: CARD, liveId: $l, creatorCode: $code}) {
    order { id attribution { creator { handle } } } userErrors { code } } }";
const TIE_IN: &str = "mutation($input: CreateTieInInput!) { createTieIn(input: $input) {
  tieIn { id } userErrors { code } } }";
const PUBLISH: &str = "mutation($input: PublishPromotionInput!) { publishPromotion(input: $input) {
  promotion { id } userErrors { code } } }";
const ACCOUNT: &str =
    "query($c: ID!) { creator(id: $c) { commissionAccount { held payable owed paidOut } } }";

/// How long creator-media and the storefront may take to follow each other's events.
const FOLLOWED_WITHIN: Duration = Duration::from_secs(20);

/// `query`'s data, its payload `field` without user errors.
async fn done(suite: &Golmok, token: &str, query: &str, field: &str, variables: Value) -> Value {
    let ok = |got: &Value| got[field]["userErrors"] == json!([]);
    suite
        .data_once(token, query, variables, FOLLOWED_WITHIN, ok)
        .await[field]
        .clone()
}

/// Creator-media traffic: each of [`CREATORS`] creators registers and
/// updates its profile, is invited by a shop of its own to run its lives and
/// accepts, schedules a live, starts it and ends it; a citizen orders during
/// it with the creator's code and the merchant confirms (a commission held,
/// then payable); every shop publishes a promotion for an official's tie-in.
/// Returns once every commission is payable, so that nothing is left in
/// flight when the suite stops.
async fn creator_traffic(suite: &Golmok, data_dir: &Path) {
    let (official, citizen) = (token(data_dir, "official"), token(data_dir, "citizen"));
    let (now, later) = (Utc::now(), Utc::now() + chrono::Duration::days(30));
    let window = json!({"name": "망원 빵 축제", "partner": "mangwon", "regions": ["마포구"],
                        "starts": now - chrono::Duration::days(1), "ends": later});
    let tie_in = done(
        suite,
        &official,
        TIE_IN,
        "createTieIn",
        json!({"input": window}),
    )
    .await;
    let mut creators = Vec::new();
    for n in 0..CREATORS {
        let (ok, creator, stderr) = token_command(
            data_dir,
            &["--role", "creator", "--subject", &format!("creator-{n}")],
        );
        assert!(ok, "{stderr}");
        let handle = format!("cook.{n}");
        let registered = done(
            suite,
            &creator,
            REGISTER_CREATOR,
            "registerCreator",
            json!({"h": handle}),
        )
        .await;
        let id = registered["creator"]["id"].clone();
        for name in ["골목 요리사 김", "망원 요리사"] {
            done(
                suite,
                &creator,
                UPDATE_CREATOR,
                "updateCreator",
                json!({"c": id, "n": name}),
            )
            .await;
        }
        let (merchant, shop, bread) = bakery_with_bread(suite, data_dir, 70 + n as u32, 100).await;
        let terms = json!({"m": shop, "c": id, "s": now, "e": later});
        let invited = done(suite, &merchant, INVITE, "inviteCreator", terms).await;
        let deal = invited["collaboration"]["id"].clone();
        done(
            suite,
            &creator,
            ACCEPT,
            "acceptCollaboration",
            json!({"d": deal}),
        )
        .await;
        let starts = later - chrono::Duration::hours(n as i64);
        let at = json!({"m": shop, "c": id, "p": bread, "t": starts});
        let scheduled = done(suite, &creator, SCHEDULE, "scheduleLive", at).await;
        let live = scheduled["liveSession"]["id"].clone();
        done(suite, &creator, START_LIVE, "startLive", json!({"l": live})).await;
        let order = json!({"m": shop, "p": bread, "l": live, "code": handle.to_uppercase()});
        let placed = done(suite, &citizen, CODE_ORDER, "placeOrder", order).await;
        assert_eq!(
            placed["order"]["attribution"]["creator"]["handle"], handle,
            "{placed}"
        );
        let confirm =
            "mutation($o: ID!) { confirmOrder(input: {orderId: $o}) { userErrors { code } } }";
        done(
            suite,
            &merchant,
            confirm,
            "confirmOrder",
            json!({"o": placed["order"]["id"]}),
        )
        .await;
        done(suite, &creator, END_LIVE, "endLive", json!({"l": live})).await;
        let promotion = json!({"input": {
            "merchantId": shop, "title": "축제 소금빵", "productIds": [bread],
            "offer": {"percentOffBps": 1500}, "starts": now, "ends": later, "tags": ["bread"],
            "categories": ["bakery"], "region": "마포구", "tieInId": tie_in["tieIn"]["id"],
        }});
        done(suite, &merchant, PUBLISH, "publishPromotion", promotion).await;
        creators.push((creator, id));
    }
    for (creator, id) in &creators {
        let payable = |got: &Value| {
            got["creator"]["commissionAccount"]
                == json!({"held": 0, "payable": 300, "owed": 0, "paidOut": 0})
        };
        suite
            .data_once(creator, ACCOUNT, json!({"c": id}), FOLLOWED_WITHIN, payable)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_equals_live_cleanly_and_after_a_kill_9_half_way() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let suite = Golmok::up_with(data, &HOLD);
    traffic(&suite, data).await;
    creator_traffic(&suite, data).await;
    let (merchant, shop, _) = bakery_with_bread(&suite, data, 50, 1).await;
    let orders_query = "query($m: ID!) { merchant(id: $m) { name } }";
    let before = suite
        .graphql(Some(&merchant), orders_query, json!({"m": shop}))
        .await;
    assert_eq!(before["merchant"]["name"], "망원 빵집", "{before}");

    // While the suite runs, its stores are locked.
    let locked = replay(data, &["storefront"]);
    assert_eq!(locked.status.code(), Some(3), "{}", text(&locked));
    assert!(text(&locked).contains("STORE_LOCKED"), "{}", text(&locked));
    let (status, _) = suite.terminate();
    assert!(status.success());

    // Service, its read-model tables, the events its traffic makes at least,
    // and the events per write of the replay killed half-way.
    let creator_media = creator_media::app::projections::all_tables();
    let services: [(&str, &[&str], u64, usize); 3] = [
        (
            "storefront",
            &storefront::app::projections::tables::ALL_TABLES,
            1_000,
            16,
        ),
        (
            "voucher",
            &voucher::app::projections::tables::ALL_TABLES,
            1_000,
            16,
        ),
        ("creator-media", &creator_media, 100, 4),
    ];
    for (service, tables, events, batch) in services {
        let (live, head, generations) = snapshot(data, service, tables).await;
        assert!(head > events, "{service} has real traffic: {head} events");
        assert!(generations.is_empty(), "live tables are at generation 0");

        // A clean replay.
        let started = Instant::now();
        let clean = replay(data, &[service]);
        assert!(clean.status.success(), "{}", text(&clean));
        let seconds = started.elapsed().as_secs_f64();
        assert!(
            text(&clean).contains(&format!("at position {head}")),
            "{}",
            text(&clean)
        );
        let (rebuilt, _, generations) = snapshot(data, service, tables).await;
        assert_eq!(rebuilt, live, "{service}: replay equals live");
        let own = generations.values().filter(|g| **g == 1).count();
        assert!(
            own >= 10,
            "{service}: the read models moved to new tables: {generations:?}"
        );

        // Killed half-way, then run again.
        let mut command = Command::new(GOLMOK);
        command
            .args([
                "replay",
                service,
                "--batch-size",
                &batch.to_string(),
                "--data-dir",
            ])
            .arg(data);
        let reached = killed_half_way(command);
        let (untouched, _, _) = snapshot(data, service, tables).await;
        assert_eq!(
            untouched, live,
            "{service}: a half-built rebuild is invisible"
        );
        let resumed = replay(data, &[service]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        let said = text(&resumed);
        let after = said
            .split("resumed after position ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("the second run resumes: {said}"));
        assert!(
            after >= reached && after < head,
            "{service}: resumed after {after}"
        );
        let (rebuilt, _, generations) = snapshot(data, service, tables).await;
        assert_eq!(rebuilt, live, "{service}: a resumed replay equals live");
        assert!(generations.values().any(|g| *g == 2), "{generations:?}");
        println!(
            "replay equals live: {service}, {head} events, clean replay {seconds:.2} s \
             ({:.0} events/s with process start), killed at {reached}, resumed after {after}",
            head as f64 / seconds
        );
    }

    // The restarted suite reads the rebuilt tables.
    let suite = Golmok::up_with(data, &HOLD);
    let after = suite
        .graphql(Some(&merchant), orders_query, json!({"m": shop}))
        .await;
    assert_eq!(after, before);
    let (status, _) = suite.terminate();
    assert!(status.success());
}

#[test]
fn unknown_names_and_stores_without_read_models_are_refused_with_stable_codes() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = replay(dir.path(), &["bakery"]);
    assert_eq!(unknown.status.code(), Some(2));
    let said = text(&unknown);
    assert!(
        said.contains("UNKNOWN_SERVICE") && said.contains("storefront, voucher"),
        "{said}"
    );

    let projection = replay(dir.path(), &["voucher", "--projection", "voucher.nope"]);
    assert_eq!(projection.status.code(), Some(2));
    let said = text(&projection);
    assert!(
        said.contains("UNKNOWN_PROJECTION") && said.contains("voucher.ledger"),
        "{said}"
    );

    // Every service declares read models now, so NO_READ_MODELS cannot be
    // met here; creator-media's webhook queue is not one of them (a rebuild
    // would send every partner's webhooks again).
    let webhooks = replay(
        dir.path(),
        &["creator-media", "--projection", "creator-media.webhooks"],
    );
    assert_eq!(webhooks.status.code(), Some(2));
    let said = text(&webhooks);
    let listed = said
        .split("its projections are ")
        .nth(1)
        .unwrap_or_default();
    assert!(
        said.contains("UNKNOWN_PROJECTION")
            && listed.contains("creator-media.views")
            && !listed.contains("webhooks"),
        "{said}"
    );
    let creator_media = replay(dir.path(), &["creator-media"]);
    assert!(creator_media.status.success(), "{}", text(&creator_media));
    assert!(
        text(&creator_media)
            .contains("rebuilt creator-media.cohorts, creator-media.collaborations"),
        "{}",
        text(&creator_media)
    );

    // One projection on an empty log: the ones sharing its tables come along.
    let one = replay(dir.path(), &["voucher", "--projection", "voucher.fraud"]);
    assert!(one.status.success(), "{}", text(&one));
    let said = text(&one);
    assert!(
        said.contains("voucher.fraud, voucher.ledger, voucher.views"),
        "{said}"
    );
    let only = replay(
        dir.path(),
        &["storefront", "--projection", "storefront.shop"],
    );
    assert!(
        text(&only).contains("rebuilt storefront.shop at"),
        "{}",
        text(&only)
    );
}
