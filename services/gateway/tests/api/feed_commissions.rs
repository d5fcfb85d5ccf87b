//! A creator follows its commission changes (`commissionChanges`) through
//! the served gateway with real clients. The creator registers through
//! GraphQL (creator-media publishes who registered it); the commission
//! events are appended to creator-media's real log exactly as its
//! commission ledger publishes them, through the contract.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use golmok_contracts::creator_media::{
    CommissionAccruedV1, CommissionLineV1, CommissionPayableV1, CommissionReturnedV1,
    CommissionsPaidOutV1,
};
use golmok_runtime::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::creators::creator;
use crate::feed::refusal;
use crate::feed_support::{Ask, CreatorMediaEvents, Followed, Promo, Subscriber, Transport};
use crate::journeys::{global_id, uuid_of};
use crate::support::{TestApp, spawn_app};

/// Creator-media's commission events of one creator, as its ledger writes them.
struct Ledger<'a> {
    events: &'a CreatorMediaEvents,
    creator: Uuid,
}

impl Ledger<'_> {
    fn stream(&self) -> String {
        format!("commissions-{}", self.creator)
    }

    async fn accrued(&self, order: Uuid, amount: i64) -> u64 {
        let accrued = CommissionAccruedV1 {
            creator_id: self.creator,
            order_id: order,
            merchant_id: Uuid::now_v7(),
            collaboration_id: Uuid::now_v7(),
            live_id: None,
            lines: vec![CommissionLineV1 {
                product_id: Uuid::now_v7(),
                sales: amount * 10,
                bps: 1_000,
                commission: amount,
            }],
            amount,
            payable_at: Utc::now() + TimeDelta::days(7),
            at: Utc::now(),
        };
        self.events
            .append(&self.stream(), "CommissionAccrued", &accrued)
            .await
    }

    async fn payable(&self, order: Uuid, amount: i64) -> u64 {
        let payable = CommissionPayableV1 {
            creator_id: self.creator,
            order_id: order,
            amount,
            at: Utc::now(),
        };
        self.events
            .append(&self.stream(), "CommissionPayable", &payable)
            .await
    }

    /// `CommissionReversed` or `CommissionClawedBack`.
    async fn returned(&self, name: &str, order: Uuid, amount: i64) -> u64 {
        let returned = CommissionReturnedV1 {
            creator_id: self.creator,
            order_id: order,
            return_id: Uuid::now_v7(),
            amount,
            lines: Vec::new(),
            at: Utc::now(),
        };
        self.events.append(&self.stream(), name, &returned).await
    }

    async fn paid_out(&self, orders: Vec<Uuid>, payable: i64, clawed_back: i64) -> u64 {
        let paid = CommissionsPaidOutV1 {
            creator_id: self.creator,
            payout_id: Uuid::now_v7(),
            orders,
            payable,
            clawed_back,
            net: payable - clawed_back,
            at: Utc::now(),
        };
        self.events
            .append(&self.stream(), "CommissionsPaidOut", &paid)
            .await
    }
}

fn ask<'a>(transport: Transport, token: &'a str, after: Option<&'a str>, count: usize) -> Ask<'a> {
    Ask {
        transport,
        token: Some(token),
        tie_in: "",
        after,
        count,
    }
}

/// The first `count` commission changes of `creator` for `token`, once the
/// gateway's feed has seen the creator registered (until then the creator
/// is refused, as any creator not its own would be).
async fn first_items(
    app: &TestApp,
    transport: Transport,
    token: &str,
    creator: &str,
    count: usize,
) -> Vec<Value> {
    for _ in 0..100 {
        let mut subscriber = Subscriber::follow(
            app,
            Followed::Commissions(creator),
            ask(transport, token, None, count),
        )
        .await;
        let mut line = subscriber.line().await;
        while line
            .as_ref()
            .is_some_and(|line| line.get("ready").is_some())
        {
            line = subscriber.line().await;
        }
        match line {
            Some(line) if line.get("item").is_some() => {
                let mut items = vec![line["item"].clone()];
                items.extend(subscriber.items(count - 1).await);
                return items;
            }
            Some(line) if line.get("errors").is_some() => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("the creator's registration never reached the gateway's feed");
}

fn kinds(items: &[Value]) -> Vec<(&str, i64)> {
    items
        .iter()
        .map(|item| {
            (
                item["kind"].as_str().expect("a kind"),
                item["amount"].as_i64().expect("an amount"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_creator_follows_its_commissions_over_sse_and_resumes_from_its_cursor() {
    let app = spawn_app().await;
    let token = app.token_for("creator-jin", Role::Creator, None);
    let creator_id = creator(&app, &token, "jin.cooks").await;
    let events = CreatorMediaEvents::of(&app);
    let ledger = Ledger {
        events: &events,
        creator: uuid_of(&creator_id),
    };
    let someone_else = Ledger {
        events: &events,
        creator: Uuid::now_v7(),
    };
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    ledger.accrued(first, 1_500).await;
    someone_else.accrued(Uuid::now_v7(), 900).await;
    ledger.payable(first, 1_500).await;
    events
        .publish(Promo {
            title: "Not a commission",
            tags: &["kpop"],
            region: "seoul-mapo",
            tie_in: None,
        })
        .await;
    ledger.returned("CommissionClawedBack", first, 500).await;
    ledger.paid_out(vec![first], 1_500, 500).await;

    let items = first_items(&app, Transport::Sse, &token, &creator_id, 4).await;
    assert_eq!(
        kinds(&items),
        [
            ("ACCRUED", 1_500),
            ("PAYABLE", 1_500),
            ("CLAWED_BACK", 500),
            ("PAID_OUT", 1_000)
        ]
    );
    let order_id = global_id("Order", first);
    for item in &items[..3] {
        assert_eq!(item["orderId"], order_id);
        assert_eq!(item["creatorId"], creator_id);
    }
    assert!(items[0]["payableAt"].is_string());
    assert!(items[2]["returnId"].is_string());
    assert_eq!(items[3]["orderId"], Value::Null);
    assert_eq!(items[3]["orders"], json!([order_id]));
    assert_eq!(items[3]["payable"], 1_500);
    assert_eq!(items[3]["clawedBack"], 500);
    assert!(items[3]["payoutId"].is_string());

    // Reconnected after the second over graphql-transport-ws: the two it
    // missed, then what happens next, live.
    let after = items[1]["cursor"].as_str().expect("a cursor").to_owned();
    let mut again = Subscriber::follow(
        &app,
        Followed::Commissions(&creator_id),
        ask(Transport::Modern, &token, Some(&after), 3),
    )
    .await;
    assert_eq!(again.items(2).await, items[2..].to_vec());
    ledger.accrued(second, 700).await;
    ledger.returned("CommissionReversed", second, 700).await;
    let live = again.items(1).await;
    assert_eq!(kinds(&live), [("ACCRUED", 700)]);
    assert!(again.rest().await.is_empty());

    // The legacy protocol from the start: the six, in order; officials read them too.
    let official = app.token(Role::Official, None);
    let whole = first_items(&app, Transport::Legacy, &official, &creator_id, 6).await;
    assert_eq!(whole[..5], [items.clone(), live].concat()[..]);
    assert_eq!(kinds(&whole[5..]), [("REVERSED", 700)]);
}

#[tokio::test]
async fn another_creator_a_merchant_or_a_partner_is_refused() {
    let app = spawn_app().await;
    let jin = app.token_for("creator-jin", Role::Creator, None);
    let creator_id = creator(&app, &jin, "jin.cooks").await;
    // The owner can read (once the feed has seen the registration).
    let events = CreatorMediaEvents::of(&app);
    let ledger = Ledger {
        events: &events,
        creator: uuid_of(&creator_id),
    };
    ledger.accrued(Uuid::now_v7(), 100).await;
    first_items(&app, Transport::Modern, &jin, &creator_id, 1).await;

    let other_creator = app.token_for("creator-min", Role::Creator, None);
    creator(&app, &other_creator, "min.draws").await;
    let merchant = app.token(Role::Merchant, Some(Uuid::now_v7()));
    let partner = app.token_for("mama", Role::Partner, None);
    let citizen = app.token(Role::Citizen, None);
    for (token, transport) in [
        (&other_creator, Transport::Modern),
        (&other_creator, Transport::Sse),
        (&other_creator, Transport::Legacy),
        (&merchant, Transport::Modern),
        (&partner, Transport::Modern),
        (&citizen, Transport::Modern),
    ] {
        let lines = Subscriber::follow(
            &app,
            Followed::Commissions(&creator_id),
            ask(transport, token, None, 1),
        )
        .await
        .rest()
        .await;
        assert_eq!(refusal(&lines), ["FORBIDDEN"], "{transport:?} {lines:?}");
    }
    // A creator naming a creator that does not exist hears the same.
    let unknown = Uuid::now_v7().to_string();
    let lines = Subscriber::follow(
        &app,
        Followed::Commissions(&unknown),
        ask(Transport::Modern, &jin, None, 1),
    )
    .await
    .rest()
    .await;
    assert_eq!(refusal(&lines), ["FORBIDDEN"], "{lines:?}");
}
