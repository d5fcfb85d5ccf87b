//! Event partners follow a tie-in's promotion feed through the served
//! gateway with real clients: the npm `graphql-ws` client
//! (graphql-transport-ws), the legacy graphql-ws protocol over the npm `ws`
//! client, the npm `graphql-sse` client and curl. The promotions are
//! creator-media's events in its real log, which the feed follows.

use golmok_contracts::creator_media::{feed_cursor, parse_feed_cursor};
use golmok_runtime::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::feed_support::{Ask, CreatorMediaEvents, Promo, Subscriber, Transport};
use crate::support::{TestApp, spawn_app, spawn_app_with};

fn kpop(title: &str) -> Promo<'_> {
    Promo {
        title,
        tags: &["kpop"],
        region: "seoul-mapo",
        tie_in: None,
    }
}

fn titles(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item["promotion"]["title"].as_str().expect("a title"))
        .collect()
}

fn cursor(item: &Value) -> &str {
    item["cursor"].as_str().expect("a cursor")
}

/// A client of `transport` with `token` following `tie_in` after `after`,
/// exiting after `count` items.
async fn subscribe(
    app: &TestApp,
    transport: Transport,
    token: &str,
    tie_in: Uuid,
    after: Option<&str>,
    count: usize,
) -> Subscriber {
    let tie_in = tie_in.to_string();
    let ask = Ask {
        transport,
        token: Some(token),
        tie_in: &tie_in,
        after,
        count,
    };
    Subscriber::start(app, ask).await
}

#[tokio::test]
async fn a_partner_receives_its_promotions_live_and_exactly_what_it_missed_after_its_cursor() {
    let app = spawn_app().await;
    let events = CreatorMediaEvents::of(&app);
    let mama = events.tie_in("mama").await;
    let other = events.tie_in("other-partner").await;
    let token = app.token_for("mama", Role::Partner, None);

    // Live: subscribed first, then published.
    let mut subscriber = subscribe(&app, Transport::Modern, &token, mama, None, 1).await;
    subscriber.ready().await;
    let (first, first_position) = events.publish(kpop("Fan kit")).await;
    let received = subscriber.items(1).await;
    assert!(subscriber.rest().await.is_empty());
    let item = &received[0];
    assert_eq!(item["kind"], "PUBLISHED");
    assert_eq!(item["cursor"], feed_cursor(first_position));
    assert_eq!(item["promotion"]["id"], first.to_string());
    assert_eq!(item["promotion"]["title"], "Fan kit");
    assert_eq!(item["promotion"]["tags"], json!(["kpop"]));
    assert_eq!(
        item["promotion"]["offer"],
        json!({"kind": "PERCENT_OFF", "bps": 1000, "amount": null, "code": null})
    );
    assert_eq!(item["promotion"]["restricted"], false);

    // Disconnected: more happens, some of it not for this partner.
    events.publish(kpop("Lightstick")).await;
    events
        .publish(Promo {
            tie_in: Some(other),
            ..kpop("Another partner's secret")
        })
        .await;
    events
        .publish(Promo {
            tags: &["snack"],
            ..kpop("Not kpop")
        })
        .await;
    events.unrelated().await;
    events
        .publish(Promo {
            tags: &["unrelated"],
            region: "busan-jung",
            tie_in: Some(mama),
            title: "Only for MAMA",
        })
        .await;
    events.withdraw(first).await;

    // Reconnected after its cursor: exactly what it missed, in order.
    let after = cursor(item).to_owned();
    let mut again = subscribe(&app, Transport::Modern, &token, mama, Some(&after), 3).await;
    let missed = again.items(3).await;
    assert!(again.rest().await.is_empty());
    assert_eq!(titles(&missed), ["Lightstick", "Only for MAMA", "Fan kit"]);
    let kinds: Vec<&Value> = missed.iter().map(|item| &item["kind"]).collect();
    assert_eq!(kinds, ["PUBLISHED", "PUBLISHED", "WITHDRAWN"]);
    assert_eq!(missed[1]["promotion"]["restricted"], true);
    let positions: Vec<u64> = missed
        .iter()
        .map(|item| parse_feed_cursor(cursor(item)).expect("a feed cursor"))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]) && positions[0] > first_position,
        "in log order after the cursor: {positions:?}"
    );

    // From the start, the whole feed; after the last cursor, nothing until
    // something new: the next item is the next publication, not a repeat.
    let mut whole = subscribe(&app, Transport::Modern, &token, mama, None, 4).await;
    assert_eq!(
        titles(&whole.items(4).await),
        ["Fan kit", "Lightstick", "Only for MAMA", "Fan kit"]
    );
    let last = cursor(&missed[2]).to_owned();
    let mut caught_up = subscribe(&app, Transport::Modern, &token, mama, Some(&last), 1).await;
    caught_up.ready().await;
    events.publish(kpop("Encore")).await;
    assert_eq!(titles(&caught_up.items(1).await), ["Encore"]);
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_and_sse_serve_the_same_feed() {
    let app = spawn_app().await;
    let events = CreatorMediaEvents::of(&app);
    let mama = events.tie_in("mama").await;
    let token = app.token_for("mama", Role::Partner, None);
    events.publish(kpop("Fan kit")).await;
    events.unrelated().await;
    events.publish(kpop("Lightstick")).await;

    let mut reference = Vec::new();
    for transport in [Transport::Modern, Transport::Legacy, Transport::Sse] {
        let mut subscriber = subscribe(&app, transport, &token, mama, None, 3).await;
        let mut items = subscriber.items(2).await;
        // The third arrives live.
        if transport.is_first() {
            events.publish(kpop("Encore")).await;
        }
        items.extend(subscriber.items(1).await);
        assert!(subscriber.rest().await.is_empty(), "{transport:?}");
        assert_eq!(
            titles(&items),
            ["Fan kit", "Lightstick", "Encore"],
            "{transport:?}"
        );
        if reference.is_empty() {
            reference = items;
        } else {
            assert_eq!(items, reference, "{transport:?} serves the same items");
        }
    }

    // curl, as a partner's shell script would, after the first cursor.
    let after = cursor(&reference[0]).to_owned();
    let body = json!({
        "query": "subscription($tieIn: ID!, $after: String) { promotionFeed(tieIn: $tieIn, after: $after) { cursor promotion { title } } }",
        "variables": {"tieIn": mama.to_string(), "after": after},
    });
    let output = tokio::process::Command::new("curl")
        .args(["-sS", "-N", "--max-time", "3", "-X", "POST"])
        .args(["-H", "content-type: application/json"])
        .args(["-H", "accept: text/event-stream"])
        .args(["-H", &format!("authorization: Bearer {token}")])
        .args(["--data", &body.to_string(), &app.url("/graphql")])
        .output()
        .await
        .expect("curl runs");
    // curl stops at --max-time (exit 28): the subscription stays open.
    assert_eq!(output.status.code(), Some(28), "{output:?}");
    let text = String::from_utf8(output.stdout).expect("UTF-8 events");
    let data: Vec<Value> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).expect("each event's data is JSON"))
        .collect();
    assert!(text.contains("event: next"), "{text}");
    let titles: Vec<&Value> = data
        .iter()
        .map(|d| &d["data"]["promotionFeed"]["promotion"]["title"])
        .collect();
    assert_eq!(titles, ["Lightstick", "Encore"], "{text}");
}

impl Transport {
    fn is_first(self) -> bool {
        matches!(self, Transport::Modern)
    }
}

/// The codes of the errors a refused subscription printed.
pub(crate) fn refusal(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .flat_map(|line| line["errors"].as_array().cloned().unwrap_or_default())
        .map(|error| {
            error["extensions"]["code"]
                .as_str()
                .unwrap_or("<none>")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn refused_subscriptions_say_why_with_a_stable_code() {
    let app = spawn_app().await;
    let events = CreatorMediaEvents::of(&app);
    let mama = events.tie_in("mama").await;
    events.publish(kpop("Fan kit")).await;
    let other_partner = app.token_for("bbb", Role::Partner, None);
    let citizen = app.token(Role::Citizen, None);
    let official = app.token(Role::Official, None);
    let mama_token = app.token_for("mama", Role::Partner, None);
    let mama_id = mama.to_string();
    let unknown = Uuid::now_v7().to_string();

    let ask = |transport, token, tie_in, after| Ask {
        transport,
        token: Some(token),
        tie_in,
        after,
        count: 1,
    };
    let cases = [
        (
            ask(Transport::Modern, &other_partner, &mama_id, None),
            "FORBIDDEN",
        ),
        (
            ask(Transport::Legacy, &other_partner, &mama_id, None),
            "FORBIDDEN",
        ),
        (
            ask(Transport::Sse, &other_partner, &mama_id, None),
            "FORBIDDEN",
        ),
        (
            ask(Transport::Modern, &citizen, &mama_id, None),
            "FORBIDDEN",
        ),
        // A partner cannot tell another's tie-in from none.
        (
            ask(Transport::Modern, &mama_token, &unknown, None),
            "FORBIDDEN",
        ),
        (
            ask(Transport::Modern, &official, &unknown, None),
            "NOT_FOUND",
        ),
        (
            ask(Transport::Modern, &mama_token, &mama_id, Some("feed:12")),
            "INVALID_CURSOR",
        ),
    ];
    for (ask, code) in cases {
        let transport = ask.transport;
        let lines = Subscriber::start(&app, ask).await.rest().await;
        assert_eq!(refusal(&lines), [code], "{transport:?} {lines:?}");
    }

    // Anonymous: no token at all.
    let anonymous = Subscriber::start(
        &app,
        Ask {
            transport: Transport::Sse,
            token: None,
            tie_in: &mama_id,
            after: None,
            count: 1,
        },
    )
    .await;
    assert_eq!(refusal(&anonymous.rest().await), ["UNAUTHENTICATED"]);

    // A token that does not verify closes the connection at its start.
    for transport in [Transport::Modern, Transport::Legacy] {
        let forged = Subscriber::start(
            &app,
            Ask {
                transport,
                token: Some("not.a.jwt"),
                tie_in: &mama_id,
                after: None,
                count: 1,
            },
        )
        .await;
        let lines = forged.rest().await;
        let reason = lines[0]["closed"]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.starts_with("UNAUTHENTICATED"),
            "{transport:?} {lines:?}"
        );
    }

    // Officials read any tie-in.
    let mut official_reader = subscribe(&app, Transport::Sse, &official, mama, None, 1).await;
    assert_eq!(titles(&official_reader.items(1).await), ["Fan kit"]);
}

#[tokio::test]
async fn subscriptions_obey_the_query_limits() {
    let app = spawn_app().await;
    let token = app.token(Role::Official, None);
    let aliases: String = (0..40).map(|i| format!("c{i}: cursor ")).collect();
    let query = format!(
        "subscription {{ promotionFeed(tieIn: \"{}\") {{ {aliases} }} }}",
        Uuid::now_v7()
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .body(json!({"query": query}).to_string())
        .send()
        .await
        .expect("the gateway answers");
    let text = response.text().await.expect("the events");
    assert!(text.contains("ALIAS_LIMIT_EXCEEDED"), "{text}");
    assert!(text.contains("event: complete"), "{text}");
}

#[tokio::test]
async fn a_subscription_falling_behind_the_buffer_rereads_the_store_without_a_gap() {
    let mut settings = gateway::Settings::default();
    settings.feed.buffer = 2;
    let app = spawn_app_with(settings).await;
    let events = CreatorMediaEvents::of(&app);
    let mama = events.tie_in("mama").await;
    let token = app.token_for("mama", Role::Partner, None);
    let mut subscriber = subscribe(&app, Transport::Modern, &token, mama, None, 40).await;
    subscriber.ready().await;
    // Forty items in one append, released at once through a buffer of two.
    let expected: Vec<String> = (0..40).map(|n| format!("Item {n}")).collect();
    let promos = expected.iter().map(|title| kpop(title)).collect();
    events.publish_together(promos).await;
    let items = subscriber.items(40).await;
    assert_eq!(titles(&items), expected);
    assert!(subscriber.rest().await.is_empty());
}
