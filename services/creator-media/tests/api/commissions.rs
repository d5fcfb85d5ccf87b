//! Commissions from the storefront's order events: an order placed with a
//! creator's attribution under an active collaboration accrues when it is
//! confirmed (paid), is held for the return window, then is payable; returns
//! reverse it while held and claw it back afterwards, deducted at the next
//! payout. The storefront's events are written to a log of their own here,
//! followed by the service the way `golmok up` follows the storefront's log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::{EventHandler, EventLog, LogTail, Projections, StorageError};
use golmok_runtime::{Actor, Following, Service};
use golmok_testkit::events;
use golmok_testkit::service::{citizen, merchant_actor};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const KIMCHI: Uuid = Uuid::from_u128(0x11);
const SAUCE: Uuid = Uuid::from_u128(0x12);
const RICE: Uuid = Uuid::from_u128(0x13);
/// The live session the attributed orders come from.
const LIVE: Uuid = Uuid::from_u128(0x21);

/// The service (commissions held for `hold_seconds`) following a stand-in
/// for the storefront's log; a creator and a merchant.
struct Market {
    app: TestApp,
    storefront: Arc<dyn EventLog>,
    _following: Following,
    _dir: tempfile::TempDir,
    kim: Actor,
    creator: Uuid,
    merchant: Uuid,
}

async fn market(hold_seconds: u64) -> Market {
    let app = spawn_with(|settings| settings.own.commissions.hold_seconds = hold_seconds).await;
    let dir = tempfile::tempdir().unwrap();
    let storefront: Arc<dyn EventLog> =
        golmok_embedded::EmbeddedStore::open(&dir.path().join("storefront.redb")).unwrap();
    let mut following = Following::default();
    let log = Arc::clone(&storefront);
    following
        .start(app.application() as &dyn Service, |subscription| {
            Ok::<_, StorageError>(
                (subscription.producer == "storefront")
                    .then(|| LogTail::after(Arc::clone(&log), 0)),
            )
        })
        .await
        .unwrap();
    let creator_id = app.register("creator-kim", "alley.cook").await;
    Market {
        app,
        storefront,
        _following: following,
        _dir: dir,
        kim: creator("creator-kim"),
        creator: creator_id,
        merchant: Uuid::now_v7(),
    }
}

impl Market {
    /// The merchant invites the creator to sell `products` (none: all; kimchi,
    /// when covered, at 12 %, everything else at 10 %) and the creator accepts; answers the collaboration.
    async fn collaborate(&self, products: &[Uuid]) -> Uuid {
        self.collaborate_in(products, json!({"mode": "PROMOTION"}))
            .await
    }

    /// The same, in `mode` (and its delegation terms).
    async fn collaborate_in(&self, products: &[Uuid], mode: Value) -> Uuid {
        let shop = merchant_actor(self.merchant);
        let overrides = if products.is_empty() || products.contains(&KIMCHI) {
            json!([{"productId": KIMCHI, "bps": 1200}])
        } else {
            json!([])
        };
        let mut body = json!({
            "merchantId": self.merchant, "creatorId": self.creator,
            "products": products, "commissionBps": 1000,
            "productCommissions": overrides,
            "starts": Utc::now() - TimeDelta::hours(1), "ends": Utc::now() + TimeDelta::days(30),
        });
        for (key, value) in mode.as_object().unwrap() {
            body[key] = value.clone();
        }
        let invited = self.app.post("/collaborations", &shop, body).await;
        let id = id_of(invited.expect(StatusCode::CREATED));
        let accepted = self
            .app
            .post(
                &format!("/collaborations/{id}/acceptance"),
                &self.kim,
                json!({}),
            )
            .await;
        accepted.expect(StatusCode::OK);
        id
    }

    /// Writes a storefront event of the merchant's shop stream.
    async fn emit(&self, name: &str, data: Value) {
        let stream = format!("shop-{}", self.merchant);
        events::append(self.storefront.as_ref(), "storefront", &stream, name, data).await;
    }

    /// An order of `lines` (product, unit price, quantity) credited to the
    /// creator; answers its id.
    async fn place(&self, lines: &[(Uuid, i64, u64)]) -> Uuid {
        self.place_for(Some(self.creator), lines).await
    }

    async fn place_for(&self, creator: Option<Uuid>, lines: &[(Uuid, i64, u64)]) -> Uuid {
        let order = Uuid::now_v7();
        let total: i64 = lines.iter().map(|(_, p, q)| p * *q as i64).sum();
        let lines: Vec<Value> = lines
            .iter()
            .map(|(product, price, quantity)| json!({"productId": product, "name": "반찬", "unitPrice": price, "quantity": quantity}))
            .collect();
        let attribution = match creator {
            Some(creator) => json!({"creatorId": creator, "code": "ALLEY.COOK", "liveId": LIVE}),
            None => json!({"code": "NOBODY"}),
        };
        self.emit(
            "OrderPlaced",
            json!({"orderId": order, "merchantId": self.merchant, "buyer": "citizen-kim",
                   "lines": lines, "total": total, "payment": "CARD",
                   "attribution": attribution, "at": Utc::now()}),
        )
        .await;
        order
    }

    async fn confirm(&self, order: Uuid) {
        self.emit(
            "OrderConfirmed",
            json!({"orderId": order, "at": Utc::now()}),
        )
        .await;
    }

    /// Returns `lines` (product, quantity, amount) of `order`; answers the return id.
    async fn give_back(&self, order: Uuid, lines: &[(Uuid, u64, i64)]) -> Uuid {
        let return_id = Uuid::now_v7();
        let amount: i64 = lines.iter().map(|l| l.2).sum();
        let lines: Vec<Value> = lines
            .iter()
            .map(|(product, quantity, amount)| json!({"productId": product, "quantity": quantity, "amount": amount}))
            .collect();
        self.emit(
            "OrderLinesReturned",
            json!({"orderId": order, "returnId": return_id, "lines": lines, "amount": amount,
                   "reason": "변심", "at": Utc::now()}),
        )
        .await;
        return_id
    }

    fn path(&self) -> String {
        format!("/creators/{}/commissions", self.creator)
    }

    async fn read(&self) -> Value {
        let reply = self
            .app
            .call(Method::GET, &self.path(), Some(&self.kim), None, None)
            .await;
        reply.expect(StatusCode::OK).clone()
    }

    /// The commissions once `done` holds (within 20 s).
    async fn until(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let view = self.read().await;
            if done(&view) {
                return view;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what}: {view}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn pay_out(&self, key: &str) -> Value {
        let path = format!("/creators/{}/payouts", self.creator);
        let reply = self
            .app
            .call(
                Method::POST,
                &path,
                Some(&official()),
                Some(key),
                Some(json!({})),
            )
            .await;
        reply.expect(StatusCode::CREATED).clone()
    }
}

fn account(view: &Value) -> (i64, i64, i64, i64) {
    let a = &view["account"];
    let n = |field: &str| a[field].as_i64().unwrap();
    (n("held"), n("payable"), n("owed"), n("paidOut"))
}

fn status_of(view: &Value, order: Uuid) -> String {
    view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["orderId"] == json!(order))
        .map(|item| item["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_paid_order_accrues_at_the_collaborations_rates_and_is_payable_after_the_hold() {
    let m = market(2).await;
    let collaboration = m.collaborate(&[KIMCHI, SAUCE]).await;
    // Kimchi at its own 12 %, sauce at the default 10 %, rice not covered.
    let order = m
        .place(&[(KIMCHI, 15_000, 2), (SAUCE, 3_333, 1), (RICE, 20_000, 1)])
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        account(&m.read().await),
        (0, 0, 0, 0),
        "nothing accrues before payment"
    );
    let confirmed_at = Utc::now();
    m.confirm(order).await;
    let view = m.until("accrued", |v| account(v).0 > 0).await;
    assert_eq!(account(&view), (3_600 + 333, 0, 0, 0));
    let item = &view["items"][0];
    assert_eq!(item["orderId"], json!(order));
    assert_eq!(item["collaborationId"], json!(collaboration));
    assert_eq!(item["merchantId"], json!(m.merchant));
    assert_eq!(item["liveId"], json!(LIVE));
    assert_eq!(item["status"], "HELD");
    assert_eq!(item["accrued"], 3_933);
    let lines = item["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "the uncovered line earns nothing: {item}");
    assert_eq!(
        (lines[0]["bps"].clone(), lines[0]["commission"].clone()),
        (json!(1200), json!(3_600))
    );
    assert_eq!(
        (lines[1]["bps"].clone(), lines[1]["commission"].clone()),
        (json!(1000), json!(333))
    );
    let payable_at: DateTime<Utc> = serde_json::from_value(item["payableAt"].clone()).unwrap();
    assert!(payable_at >= confirmed_at + TimeDelta::seconds(2));
    assert!(payable_at < confirmed_at + TimeDelta::seconds(10));

    // The hold ends: the expiry task makes it payable.
    let view = m
        .until("payable", |v| status_of(v, order) == "PAYABLE")
        .await;
    assert_eq!(account(&view), (0, 3_933, 0, 0));
    let payout = m.pay_out("payout-1").await;
    assert_eq!(
        (
            payout["payable"].clone(),
            payout["clawedBack"].clone(),
            payout["net"].clone()
        ),
        (json!(3_933), json!(0), json!(3_933))
    );
    assert_eq!(payout["orders"], json!([order]));
    // The same key answers the same payout; nothing is left to pay out.
    assert_eq!(m.pay_out("payout-1").await, payout);
    let path = format!("/creators/{}/payouts", m.creator);
    m.app
        .call(
            Method::POST,
            &path,
            Some(&official()),
            Some("payout-2"),
            Some(json!({})),
        )
        .await
        .error(StatusCode::CONFLICT, "NOTHING_TO_PAY_OUT", None);
    let view = m.read().await;
    assert_eq!(account(&view), (0, 0, 0, 3_933));
    assert_eq!(status_of(&view, order), "PAID_OUT");
    assert_eq!(view["items"][0]["payoutId"], payout["id"]);
}

#[tokio::test]
async fn a_return_while_held_reverses_the_lines_share() {
    let m = market(3_600).await;
    m.collaborate(&[]).await;
    let order = m.place(&[(KIMCHI, 10_000, 3), (RICE, 5_000, 2)]).await;
    m.confirm(order).await;
    m.until("accrued", |v| account(v).0 == 3_600 + 1_000).await;
    // One of three kimchi comes back: its 12 % share is reversed.
    m.give_back(order, &[(KIMCHI, 1, 10_000)]).await;
    let view = m.until("reversed", |v| account(v).0 == 3_400).await;
    let item = &view["items"][0];
    assert_eq!(
        (item["reversed"].clone(), item["clawedBack"].clone()),
        (json!(1_200), json!(0))
    );
    assert_eq!(item["lines"][0]["takenBack"], 1_200);
    assert_eq!(item["status"], "HELD");
    // A cancelled order never accrues; neither does a confirmation that repeats.
    let cancelled = m.place(&[(KIMCHI, 10_000, 1)]).await;
    m.emit(
        "OrderCancelled",
        json!({"orderId": cancelled, "reason": "품절", "at": Utc::now()}),
    )
    .await;
    m.confirm(cancelled).await;
    m.confirm(order).await;
    let marker = m.place(&[(RICE, 1_000, 1)]).await;
    m.confirm(marker).await;
    let view = m
        .until("the marker accrued", |v| account(v).0 == 3_500)
        .await;
    assert_eq!(view["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_confirmed_order_cancelled_after_all_takes_back_what_is_left() {
    let m = market(3_600).await;
    m.collaborate(&[]).await;
    let order = m.place(&[(KIMCHI, 10_000, 2), (RICE, 5_000, 1)]).await;
    m.confirm(order).await;
    m.until("accrued", |v| account(v).0 == 2_400 + 500).await;
    m.give_back(order, &[(KIMCHI, 1, 10_000)]).await;
    m.until("reversed", |v| account(v).0 == 1_700).await;
    m.emit(
        "OrderCancelled",
        json!({"orderId": order, "reason": "카드 결제 취소", "at": Utc::now()}),
    )
    .await;
    let view = m.until("cancelled", |v| account(v).0 == 0).await;
    let item = &view["items"][0];
    assert_eq!(
        (item["accrued"].clone(), item["reversed"].clone()),
        (json!(2_900), json!(2_900))
    );
    assert_eq!(item["lines"][0]["takenBack"], 2_400);
    assert_eq!(item["lines"][1]["takenBack"], 500);
}

#[tokio::test]
async fn a_return_after_payable_is_clawed_back_at_the_next_payout_and_carries_over() {
    let m = market(1).await;
    m.collaborate(&[]).await;
    let first = m.place(&[(SAUCE, 10_000, 2)]).await;
    m.confirm(first).await;
    m.until("payable", |v| status_of(v, first) == "PAYABLE")
        .await;
    m.give_back(first, &[(SAUCE, 1, 10_000)]).await;
    let view = m.until("clawed back", |v| account(v).2 == 1_000).await;
    assert_eq!(account(&view), (0, 2_000, 1_000, 0));
    assert_eq!(view["items"][0]["clawedBack"], 1_000);
    let payout = m.pay_out("first").await;
    assert_eq!(
        (
            payout["payable"].clone(),
            payout["clawedBack"].clone(),
            payout["net"].clone()
        ),
        (json!(2_000), json!(1_000), json!(1_000))
    );

    // A return of a paid-out order is owed; larger than the next payout, it carries over.
    m.give_back(first, &[(SAUCE, 1, 10_000)]).await;
    let second = m.place(&[(RICE, 3_000, 1)]).await;
    m.confirm(second).await;
    m.until("second payable", |v| {
        status_of(v, second) == "PAYABLE" && account(v).2 == 1_000
    })
    .await;
    let payout = m.pay_out("second").await;
    assert_eq!(
        (
            payout["payable"].clone(),
            payout["clawedBack"].clone(),
            payout["net"].clone()
        ),
        (json!(300), json!(300), json!(0))
    );
    let view = m.read().await;
    assert_eq!(account(&view), (0, 0, 700, 1_000));
    // The whole line is back: nothing more to take, whatever comes back again.
    m.give_back(first, &[(SAUCE, 1, 10_000)]).await;
    let marker = m.place(&[(RICE, 1_000, 1)]).await;
    m.confirm(marker).await;
    let view = m
        .until("the marker accrued", |v| account(v).0 + account(v).1 == 100)
        .await;
    assert_eq!(account(&view).2, 700);
}

#[tokio::test]
async fn redelivered_order_events_never_accrue_or_return_twice() {
    let m = market(3_600).await;
    m.collaborate(&[]).await;
    let order = m.place(&[(KIMCHI, 10_000, 2)]).await;
    m.confirm(order).await;
    m.give_back(order, &[(KIMCHI, 1, 10_000)]).await;
    let before = m.until("reversed", |v| account(v).0 == 1_200).await;

    // Every storefront event again, as a consumer whose rows, inbox and
    // checkpoint were lost would receive them.
    let elsewhere = tempfile::tempdir().unwrap();
    let tables =
        golmok_embedded::EmbeddedStore::open(&elsewhere.path().join("inbox.redb")).unwrap();
    let process = creator_media::app::commissions::OrderCommissions::new(
        Arc::clone(m.app.application().service()),
        TimeDelta::hours(1),
    );
    let head = *m.storefront.head().borrow();
    let again = Projections::start_sources(
        vec![(
            LogTail::after(Arc::clone(&m.storefront), 0),
            Arc::new(process) as Arc<dyn EventHandler>,
        )],
        tables,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert!(again.settle(head).await, "the redelivery finished");
    again.stop().await;
    assert_eq!(m.read().await, before);
}

#[tokio::test]
async fn without_an_active_collaboration_an_order_earns_nothing() {
    let m = market(3_600).await;
    // No collaboration yet; then one of other products only; an order
    // credited to nobody; another creator's.
    let early = m.place(&[(KIMCHI, 10_000, 1)]).await;
    m.confirm(early).await;
    m.collaborate(&[SAUCE]).await;
    let uncovered = m.place(&[(KIMCHI, 10_000, 1)]).await;
    m.confirm(uncovered).await;
    let nobody = m.place_for(None, &[(SAUCE, 10_000, 1)]).await;
    m.confirm(nobody).await;
    let stranger = m
        .place_for(Some(Uuid::now_v7()), &[(SAUCE, 10_000, 1)])
        .await;
    m.confirm(stranger).await;
    let covered = m.place(&[(SAUCE, 10_000, 1)]).await;
    m.confirm(covered).await;
    let view = m
        .until("the covered order accrued", |v| account(v).0 > 0)
        .await;
    assert_eq!(account(&view), (1_000, 0, 0, 0));
    assert_eq!(view["items"].as_array().unwrap().len(), 1);
    assert_eq!(view["items"][0]["orderId"], json!(covered));
}

#[tokio::test]
async fn a_delegated_seller_earns_its_revenue_share_on_every_covered_order_and_at_least_it_on_its_own()
 {
    let m = market(3_600).await;
    let delegated = json!({
        "mode": "DELEGATED_SELLING",
        "scopes": ["EDIT_LISTINGS"], "priceFloor": 0, "revenueShareBps": 1100,
    });
    m.collaborate_in(&[KIMCHI, SAUCE], delegated).await;
    // Nobody's code: the creator running the store earns its 11 % share of
    // the covered line, nothing on rice.
    let walk_in = m
        .place_for(None, &[(SAUCE, 10_000, 1), (RICE, 5_000, 1)])
        .await;
    m.confirm(walk_in).await;
    // Its own code: the higher of each line's commission and the share
    // (kimchi 12 % > 11 %, sauce 10 % < 11 %).
    let referred = m.place(&[(KIMCHI, 10_000, 1), (SAUCE, 10_000, 1)]).await;
    m.confirm(referred).await;
    let view = m
        .until("both orders accrued", |v| {
            v["items"].as_array().is_some_and(|items| items.len() == 2)
        })
        .await;
    assert_eq!(account(&view), (1_100 + 1_200 + 1_100, 0, 0, 0));
}

#[tokio::test]
async fn only_the_creators_owner_officials_and_operators_read_commissions() {
    let m = market(3_600).await;
    let path = m.path();
    for actor in [m.kim.clone(), official(), operator()] {
        let reply = m
            .app
            .call(Method::GET, &path, Some(&actor), None, None)
            .await;
        assert_eq!(reply.expect(StatusCode::OK)["account"]["held"], 0);
    }
    for actor in [
        creator("creator-lee"),
        merchant_actor(m.merchant),
        citizen("kim"),
    ] {
        m.app
            .call(Method::GET, &path, Some(&actor), None, None)
            .await
            .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    }
    m.app
        .call(Method::GET, &path, None, None, None)
        .await
        .error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None);
    let missing = format!("/creators/{}/commissions", Uuid::now_v7());
    m.app
        .call(Method::GET, &missing, Some(&official()), None, None)
        .await
        .error(StatusCode::NOT_FOUND, "CREATOR_NOT_FOUND", None);
    m.app
        .call(
            Method::GET,
            "/creators/nope/commissions",
            Some(&official()),
            None,
            None,
        )
        .await
        .error(StatusCode::NOT_FOUND, "CREATOR_NOT_FOUND", None);
    for (query, code, field) in [
        ("first=0", "INVALID_PAGE_SIZE", "first"),
        ("first=101", "INVALID_PAGE_SIZE", "first"),
        ("first=99999999999999999999", "INVALID_PAGE_SIZE", "first"),
        ("after=not-a-cursor", "INVALID_CURSOR", "after"),
    ] {
        m.app
            .call(
                Method::GET,
                &format!("{path}?{query}"),
                Some(&official()),
                None,
                None,
            )
            .await
            .error(StatusCode::BAD_REQUEST, code, Some(field));
    }
    // Only officials and operators pay out; with nothing payable, nothing is paid.
    let payouts = format!("/creators/{}/payouts", m.creator);
    for actor in [m.kim.clone(), merchant_actor(m.merchant)] {
        m.app
            .call(
                Method::POST,
                &payouts,
                Some(&actor),
                Some("k"),
                Some(json!({})),
            )
            .await
            .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    }
    m.app
        .call(
            Method::POST,
            &payouts,
            Some(&operator()),
            Some("k"),
            Some(json!({})),
        )
        .await
        .error(StatusCode::CONFLICT, "NOTHING_TO_PAY_OUT", None);
}

#[tokio::test]
async fn commissions_are_listed_page_by_page_in_accrual_order() {
    let m = market(3_600).await;
    m.collaborate(&[]).await;
    let mut orders = Vec::new();
    for n in 1..=3 {
        let order = m.place(&[(RICE, 1_000 * n, 1)]).await;
        m.confirm(order).await;
        m.until("accrued", |v| {
            v["items"].as_array().unwrap().len() == n as usize
        })
        .await;
        orders.push(order);
    }
    let first = m
        .app
        .call(
            Method::GET,
            &format!("{}?first=2", m.path()),
            Some(&m.kim),
            None,
            None,
        )
        .await;
    let first = first.expect(StatusCode::OK).clone();
    let ids: Vec<Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["orderId"].clone())
        .collect();
    assert_eq!(ids, vec![json!(orders[0]), json!(orders[1])]);
    let after = first["nextCursor"].as_str().unwrap();
    let rest = m
        .app
        .call(
            Method::GET,
            &format!("{}?first=2&after={after}", m.path()),
            Some(&m.kim),
            None,
            None,
        )
        .await;
    let rest = rest.expect(StatusCode::OK).clone();
    assert_eq!(rest["items"][0]["orderId"], json!(orders[2]));
    assert_eq!(rest["nextCursor"], Value::Null);
    assert_eq!(rest["account"]["held"], 600);
}
