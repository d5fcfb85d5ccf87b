//! Many SSE streams of one operation share each item's rendering: every
//! stream still gets every item once, in order, across a lag of the
//! broadcast; streams whose operation or caller differ get their own
//! results; a caller refused is refused even while a stream of the same
//! operation is being served.

use std::time::Duration;

use golmok_runtime::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::feed_support::{CreatorMediaEvents, Promo};
use crate::support::{TestApp, spawn_app, spawn_app_with};

const FEED: &str = "subscription($t: ID!, $f: PromotionFeedFilter) \
                    { promotionFeed(tieIn: $t, filter: $f) { cursor promotion { title region } } }";
const PATIENCE: Duration = Duration::from_secs(20);

/// One SSE stream of the feed, read with reqwest as a plain HTTP client.
struct Stream {
    body: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, token: &str, variables: Value) -> Stream {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("accept", "text/event-stream")
            .bearer_auth(token)
            .json(&json!({"query": FEED, "variables": variables}))
            .send()
            .await
            .expect("the gateway answers");
        assert!(response.status().is_success(), "{}", response.status());
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        Stream {
            body: response,
            buffer: String::new(),
        }
    }

    /// The next event: its name and its data (`Null` without data).
    async fn event(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if event.starts_with(':') {
                    continue;
                }
                let mut name = String::new();
                let mut data = Value::Null;
                for line in event.lines() {
                    if let Some(value) = line.strip_prefix("event: ") {
                        name = value.to_owned();
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data = serde_json::from_str(value).expect("data is JSON");
                    }
                }
                return Some((name, data));
            }
            let chunk = tokio::time::timeout(PATIENCE, self.body.chunk())
                .await
                .expect("the stream says something in time")
                .expect("the stream reads")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8 events"));
        }
    }

    /// The next `n` items' titles, failing on anything else.
    async fn titles(&mut self, n: usize) -> Vec<String> {
        let mut titles = Vec::new();
        while titles.len() < n {
            let (name, data) = self.event().await.expect("the stream stays open");
            assert_eq!(name, "next", "{data}");
            let title = data["data"]["promotionFeed"]["promotion"]["title"]
                .as_str()
                .unwrap_or_else(|| panic!("an item: {data}"));
            titles.push(title.to_owned());
        }
        titles
    }
}

/// Waits until the feed knows `tie_in` (a subscription to it is not refused).
async fn known(app: &TestApp, tie_in: Uuid) {
    let official = app.token(Role::Official, None);
    for _ in 0..200 {
        let mut stream = Stream::open(app, &official, json!({"t": tie_in.to_string()})).await;
        let first = tokio::time::timeout(Duration::from_millis(200), stream.event()).await;
        match first {
            Err(_) => return,
            Ok(Some((_, data))) if data.get("errors").is_none() => return,
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("the feed never learnt of tie-in {tie_in}");
}

fn promo<'a>(title: &'a str, region: &'a str) -> Promo<'a> {
    Promo {
        title,
        tags: &["kpop"],
        region,
        tie_in: None,
    }
}

#[tokio::test]
async fn many_streams_of_one_operation_each_get_every_item_once_in_order_across_a_lag() {
    let mut settings = gateway::Settings::default();
    settings.feed.buffer = 2;
    let app = spawn_app_with(settings).await;
    let events = CreatorMediaEvents::of(&app);
    let mama = events.tie_in("mama").await;
    known(&app, mama).await;
    let token = app.token_for("mama", Role::Partner, None);
    let variables = json!({"t": mama.to_string()});
    events.publish(promo("Before", "seoul-mapo")).await;
    let mut streams = Vec::new();
    for _ in 0..12 {
        let mut stream = Stream::open(&app, &token, variables.clone()).await;
        assert_eq!(stream.titles(1).await, ["Before"]);
        streams.push(stream);
    }
    // Thirty items released at once through a broadcast of two: every
    // stream falls behind and reads the rest from the store.
    let expected: Vec<String> = (0..30).map(|n| format!("Item {n}")).collect();
    let promos = expected.iter().map(|title| promo(title, "seoul-mapo"));
    events.publish_together(promos.collect()).await;
    let titles = futures::future::join_all(streams.iter_mut().map(|s| s.titles(30))).await;
    for got in titles {
        assert_eq!(got, expected);
    }
    // And live after that, still once each.
    events.publish(promo("After", "seoul-mapo")).await;
    for stream in &mut streams {
        assert_eq!(stream.titles(1).await, ["After"]);
    }
    // A stream opened now from the start reads the store, then goes on live.
    let mut late = Stream::open(&app, &token, variables).await;
    let mut all = vec!["Before".to_owned()];
    all.extend(expected);
    all.push("After".to_owned());
    assert_eq!(late.titles(32).await, all);
}

#[tokio::test]
async fn streams_of_the_same_document_with_other_variables_or_callers_get_their_own_results() {
    let app = spawn_app().await;
    let events = CreatorMediaEvents::of(&app);
    let mama = events.tie_in("mama").await;
    known(&app, mama).await;
    let mama_token = app.token_for("mama", Role::Partner, None);
    let official = app.token(Role::Official, None);
    let region = |region: &str| json!({"t": mama.to_string(), "f": {"regions": [region]}});

    let mut seoul = Stream::open(&app, &mama_token, region("seoul-mapo")).await;
    let mut seoul_too = Stream::open(&app, &mama_token, region("seoul-mapo")).await;
    let mut busan = Stream::open(&app, &mama_token, region("busan")).await;
    let mut official_seoul = Stream::open(&app, &official, region("seoul-mapo")).await;
    for (title, region) in [("S1", "seoul-mapo"), ("B1", "busan"), ("S2", "seoul-mapo")] {
        events.publish(promo(title, region)).await;
    }
    assert_eq!(seoul.titles(2).await, ["S1", "S2"]);
    assert_eq!(seoul_too.titles(2).await, ["S1", "S2"]);
    assert_eq!(busan.titles(1).await, ["B1"]);
    assert_eq!(official_seoul.titles(2).await, ["S1", "S2"]);

    // Another partner asking the very same operation is refused, while the
    // streams above are being served.
    let other = app.token_for("other-partner", Role::Partner, None);
    let mut refused = Stream::open(&app, &other, region("seoul-mapo")).await;
    let (name, data) = refused.event().await.expect("an answer");
    assert_eq!(name, "next");
    assert_eq!(
        data["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{data}"
    );
    assert_eq!(data["data"], Value::Null, "{data}");
    let (name, _) = refused.event().await.expect("the end");
    assert_eq!(name, "complete");
    assert!(refused.event().await.is_none(), "the refused stream ends");

    // An unknown tie-in is the official's own NOT_FOUND.
    let unknown = json!({"t": Uuid::now_v7().to_string()});
    let mut missing = Stream::open(&app, &official, unknown).await;
    let (_, data) = missing.event().await.expect("an answer");
    assert_eq!(
        data["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{data}"
    );
}
