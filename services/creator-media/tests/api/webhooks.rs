//! Partner webhooks against a real HTTP receiver (the testkit's: an axum
//! server on 127.0.0.1 that records every request and answers 500 to the
//! first N attempts). Promotion and tie-in events are appended to
//! the service's log from their contract structs, as the promotion commands
//! will write them.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use creator_media::config::WebhookSettings;
use creator_media::{Application, Settings};
use golmok_contracts::creator_media::{
    OfferV1, PromotionPublishedV1, PromotionWithdrawnV1, TieInCreatedV1, feed_cursor,
};
use golmok_runtime::{Actor, Role, Service};
use golmok_testkit::events;
use golmok_testkit::service::{Client, Reply, TestService, test_settings};
use golmok_testkit::webhook::{Hit, Receiver};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{creator, id_of, official};

// ---- the service ----

fn settings(dir: &std::path::Path) -> Settings {
    let mut settings = test_settings(dir, Settings::default());
    settings.own.webhooks = WebhookSettings {
        poll_ms: 10,
        timeout_ms: 2_000,
        backoff_initial_ms: 400,
        backoff_max_ms: 5_000,
        max_attempts: 4,
        concurrency: 8,
    };
    settings
}

struct App {
    app: TestService<Application>,
}

impl std::ops::Deref for App {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.app.client
    }
}

async fn spawn() -> App {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path());
    App {
        app: TestService::spawn(dir, settings).await,
    }
}

fn partner(subject: &str) -> Actor {
    Actor {
        subject: subject.to_owned(),
        role: Role::Partner,
        merchant_id: None,
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

impl App {
    async fn restart(self) -> App {
        App {
            app: self.app.restart(|dir| settings(dir.path())).await,
        }
    }

    /// Appends one creator-media event written from its contract struct;
    /// answers its id and log position.
    async fn append(&self, stream: &str, name: &str, data: Value) -> (Uuid, u64) {
        let log = &self.app.service.hosted().storage.log;
        events::append(log.as_ref(), "creator-media", stream, name, data).await
    }

    /// A MAMA-like tie-in for `partner`: December 2026, tag `kpop`.
    async fn tie_in(&self, partner: &str) -> Uuid {
        let tie_in = Uuid::now_v7();
        let created = TieInCreatedV1 {
            tie_in_id: tie_in,
            name: format!("{partner} 2026"),
            partner: partner.into(),
            starts: at("2026-12-01T00:00:00Z"),
            ends: at("2027-01-01T00:00:00Z"),
            tags: vec!["kpop".into()],
            categories: vec![],
            regions: vec![],
            at: Utc::now(),
        };
        let data = serde_json::to_value(created).unwrap();
        let (_, position) = self
            .append(&format!("tie-in-{tie_in}"), "TieInCreated", data)
            .await;
        self.applied(position).await;
        tie_in
    }

    /// Waits until the webhook projection has applied the event at `position`
    /// (as the promotion commands' replies will, for read-your-writes).
    async fn applied(&self, position: u64) {
        let tables = &self.app.service.hosted().storage.tables;
        events::applied(tables.as_ref(), "creator-media.webhooks", position).await;
    }

    /// Publishes a promotion tagged `tag`, restricted to `tie_in` when given;
    /// answers the promotion id, the event id and the feed cursor.
    async fn publish(&self, tag: &str, tie_in: Option<Uuid>) -> (Uuid, Uuid, String) {
        let promotion = Uuid::now_v7();
        let published = PromotionPublishedV1 {
            promotion_id: promotion,
            merchant_id: Uuid::now_v7(),
            collaboration_id: None,
            title: format!("{tag} week"),
            products: vec![Uuid::now_v7()],
            offer: OfferV1::PercentOff { bps: 1_000 },
            starts: at("2026-12-05T00:00:00Z"),
            ends: at("2026-12-20T00:00:00Z"),
            tags: vec![tag.into()],
            categories: vec!["music".into()],
            region: "Seoul Jung-gu".into(),
            tie_in,
            at: Utc::now(),
        };
        let data = serde_json::to_value(published).unwrap();
        let (id, position) = self
            .append(
                &format!("promotion-{promotion}"),
                "PromotionPublished",
                data,
            )
            .await;
        (promotion, id, feed_cursor(position))
    }

    async fn withdraw(&self, promotion: Uuid) -> (Uuid, String) {
        let withdrawn = PromotionWithdrawnV1 {
            promotion_id: promotion,
            at: Utc::now(),
        };
        let data = serde_json::to_value(withdrawn).unwrap();
        let (id, position) = self
            .append(
                &format!("promotion-{promotion}"),
                "PromotionWithdrawn",
                data,
            )
            .await;
        (id, feed_cursor(position))
    }

    /// Registers `url` for `tie_in` as `actor`; answers the webhook id and
    /// its secret.
    async fn register(&self, actor: &Actor, tie_in: Uuid, url: &str) -> (Uuid, String) {
        let body = json!({"tieIn": tie_in, "url": url, "description": "MAMA feed"});
        let reply = self.post("/webhooks", actor, body).await;
        let body = reply.expect(StatusCode::CREATED);
        let secret = body["secret"].as_str().expect("the secret").to_owned();
        (id_of(&body["webhook"]), secret)
    }

    async fn read(&self, actor: &Actor, path: &str) -> Reply {
        self.call(Method::GET, path, Some(actor), None, None).await
    }

    /// The delivery log, newest first (one page of up to 100).
    async fn deliveries(&self, actor: &Actor, webhook: Uuid) -> Vec<Value> {
        let path = format!("/webhooks/{webhook}/deliveries?first=100");
        let reply = self.read(actor, &path).await;
        reply.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The delivery log once no delivery is pending (fails after 10 s).
    async fn settled(&self, actor: &Actor, webhook: Uuid) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.deliveries(actor, webhook).await;
            if log.iter().all(|d| d["status"] != "PENDING") {
                return log;
            }
            assert!(Instant::now() < deadline, "still pending: {log:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

// ---- the tests ----

#[tokio::test]
async fn a_partner_receives_each_item_of_its_tie_in_signed_with_the_secret_shown_once() {
    let app = spawn().await;
    let hooks = Receiver::start(0).await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let other = app.tie_in("yes24").await;
    let (webhook, secret) = app.register(&mama, tie_in, &hooks.url).await;
    assert_eq!(secret.len(), 43);

    // Reads never show the secret.
    let read = app.read(&mama, &format!("/webhooks/{webhook}")).await;
    let view = read.expect(StatusCode::OK);
    assert_eq!(view["status"], "ENABLED");
    assert_eq!(view["url"], hooks.url);
    assert!(view.get("secret").is_none() && !view.to_string().contains(&secret));
    let listed = app.read(&mama, "/webhooks").await;
    assert!(!listed.body.to_string().contains(&secret));
    assert_eq!(
        listed.expect(StatusCode::OK)["items"][0]["id"],
        webhook.to_string()
    );

    // Only what the tie-in includes: the matching public promotion and the one
    // restricted to it; not the other tag, not the other tie-in's.
    let (kpop, kpop_event, kpop_cursor) = app.publish("kpop", None).await;
    app.publish("food", None).await;
    app.publish("kpop", Some(other)).await;
    let (_, restricted_event, restricted_cursor) = app.publish("food", Some(tie_in)).await;
    let (withdrawn_event, withdrawn_cursor) = app.withdraw(kpop).await;
    let hits = hooks.wait_for(3).await;
    hooks.stays_at(3).await;

    let mut seen: Vec<(String, String, String)> = Vec::new();
    for hit in &hits {
        assert!(hit.signed_with(&secret), "{hit:?}");
        assert!(!hit.signed_with("another secret"));
        let sent: i64 = hit.timestamp.parse().unwrap();
        assert!((Utc::now().timestamp() - sent).abs() < 60);
        let body = hit.json();
        assert_eq!(body["id"], hit.id);
        assert_eq!(body["tieIn"], tie_in.to_string());
        let kind = body["type"].as_str().unwrap().to_owned();
        seen.push((
            hit.id.clone(),
            body["cursor"].as_str().unwrap().into(),
            kind,
        ));
    }
    seen.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        seen,
        vec![
            (
                kpop_event.to_string(),
                kpop_cursor,
                "promotion.published".into()
            ),
            (
                restricted_event.to_string(),
                restricted_cursor,
                "promotion.published".into()
            ),
            (
                withdrawn_event.to_string(),
                withdrawn_cursor,
                "promotion.withdrawn".into()
            ),
        ]
    );
    let withdrawn = hits
        .iter()
        .find(|h| h.id == withdrawn_event.to_string())
        .unwrap();
    assert_eq!(
        withdrawn.json()["promotion"]["promotionId"],
        kpop.to_string()
    );

    // The delivery log: each delivered at its first attempt.
    let log = app.settled(&mama, webhook).await;
    assert_eq!(log.len(), 3);
    for delivery in &log {
        assert_eq!(delivery["status"], "DELIVERED", "{delivery}");
        assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
        assert_eq!(delivery["attempts"][0]["statusCode"], 204);
        assert_eq!(delivery["replayed"], false);
    }
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_growing_delays_until_it_accepts() {
    let app = spawn().await;
    let hooks = Receiver::start(2).await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let (webhook, secret) = app.register(&mama, tie_in, &hooks.url).await;
    let (_, event, _) = app.publish("kpop", None).await;

    let hits = hooks.wait_for(3).await;
    hooks.stays_at(3).await;
    assert!(
        hits.iter()
            .all(|h| h.id == event.to_string() && h.signed_with(&secret))
    );
    assert!(
        hits.iter().all(|h| h.body == hits[0].body),
        "the same body each time"
    );
    let log = app.settled(&mama, webhook).await;
    assert_eq!(log.len(), 1);
    let delivery = &log[0];
    assert_eq!(delivery["status"], "DELIVERED");
    assert_eq!(delivery["eventId"], event.to_string());
    let attempts = delivery["attempts"].as_array().unwrap();
    let codes: Vec<&Value> = attempts.iter().map(|a| &a["statusCode"]).collect();
    assert_eq!(codes, [&json!(500), &json!(500), &json!(204)]);
    let numbers: Vec<&Value> = attempts.iter().map(|a| &a["number"]).collect();
    assert_eq!(numbers, [&json!(1), &json!(2), &json!(3)]);
    assert!(attempts[2]["nextAttemptAt"].is_null());

    // The scheduled delays: 200–400 ms after the first, 400–800 ms after the
    // second; the receiver saw the attempts no sooner.
    let delay = |a: &Value| {
        let at: DateTime<Utc> = serde_json::from_value(a["at"].clone()).unwrap();
        let next: DateTime<Utc> = serde_json::from_value(a["nextAttemptAt"].clone()).unwrap();
        (next - at).num_milliseconds()
    };
    let (first, second) = (delay(&attempts[0]), delay(&attempts[1]));
    assert!((200..=400).contains(&first), "{first}");
    assert!((400..=800).contains(&second), "{second}");
    let gap = |a: &Hit, b: &Hit| b.at.duration_since(a.at).as_millis() as i64;
    assert!(gap(&hits[0], &hits[1]) >= first - 20, "{hits:?}");
    assert!(gap(&hits[1], &hits[2]) >= second - 20, "{hits:?}");
}

#[tokio::test]
async fn a_delivery_given_up_after_the_last_attempt_is_failed_and_its_attempts_logged() {
    let app = spawn().await;
    let hooks = Receiver::start(usize::MAX).await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let (webhook, _) = app.register(&mama, tie_in, &hooks.url).await;
    app.publish("kpop", None).await;
    hooks.wait_for(4).await;
    let log = app.settled(&mama, webhook).await;
    assert_eq!(log[0]["status"], "FAILED");
    assert_eq!(log[0]["attempts"].as_array().unwrap().len(), 4);
    assert!(log[0]["nextAttemptAt"].is_null());
    hooks.stays_at(4).await;
}

#[tokio::test]
async fn a_pending_delivery_is_still_delivered_after_a_restart() {
    let app = spawn().await;
    let hooks = Receiver::start(usize::MAX).await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let (webhook, secret) = app.register(&mama, tie_in, &hooks.url).await;
    let (_, event, _) = app.publish("kpop", None).await;
    hooks.wait_for(1).await;
    let app = app.restart().await;
    // The receiver recovers while the service is down or restarting.
    hooks.fail_next(0);
    let log = app.settled(&mama, webhook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "DELIVERED", "{}", log[0]);
    let hits = hooks.hits();
    let last = hits.last().unwrap();
    assert!(hits.iter().all(|h| h.id == event.to_string()));
    assert!(last.signed_with(&secret));
    assert!(hits.len() >= 2);
}

#[tokio::test]
async fn a_replay_after_a_cursor_sends_exactly_the_later_items_again_with_their_ids() {
    let app = spawn().await;
    let hooks = Receiver::start(0).await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let (webhook, secret) = app.register(&mama, tie_in, &hooks.url).await;
    let mut items = Vec::new();
    for _ in 0..3 {
        items.push(app.publish("kpop", None).await);
    }
    hooks.wait_for(3).await;
    app.settled(&mama, webhook).await;

    let replay = format!("/webhooks/{webhook}/replay");
    let reply = app.post(&replay, &mama, json!({"after": items[0].2})).await;
    assert_eq!(reply.expect(StatusCode::OK)["enqueued"], 2);
    let hits = hooks.wait_for(5).await;
    hooks.stays_at(5).await;
    let mut again: Vec<String> = hits[3..].iter().map(|h| h.id.clone()).collect();
    again.sort();
    let mut later: Vec<String> = items[1..].iter().map(|i| i.1.to_string()).collect();
    later.sort();
    assert_eq!(again, later);
    assert!(hits[3..].iter().all(|h| h.signed_with(&secret)));
    let log = app.settled(&mama, webhook).await;
    assert_eq!(log.len(), 5);
    assert_eq!(log.iter().filter(|d| d["replayed"] == true).count(), 2);
    // Newest first, paged.
    let page = app
        .read(&mama, &format!("/webhooks/{webhook}/deliveries?first=2"))
        .await;
    let page = page.expect(StatusCode::OK);
    assert_eq!(page["items"][0]["id"], log[0]["id"]);
    let next = page["nextCursor"].as_str().unwrap();
    let rest = app
        .read(
            &mama,
            &format!("/webhooks/{webhook}/deliveries?first=100&after={next}"),
        )
        .await;
    assert_eq!(
        rest.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // After the last cursor there is nothing; a forged cursor is refused.
    let last = &items[2].2;
    let reply = app.post(&replay, &mama, json!({"after": last})).await;
    assert_eq!(reply.expect(StatusCode::OK)["enqueued"], 0);
    for bad in ["feed:12", "v1.00", "0000000000000001"] {
        app.post(&replay, &mama, json!({"after": bad})).await.error(
            StatusCode::BAD_REQUEST,
            "INVALID_CURSOR",
            Some("after"),
        );
    }
    hooks.stays_at(5).await;
}

#[tokio::test]
async fn partners_reach_only_their_own_tie_ins_and_webhooks() {
    let app = spawn().await;
    let hooks = Receiver::start(0).await;
    let (mama, yes24) = (partner("mama"), partner("yes24"));
    let tie_in = app.tie_in("mama").await;
    let body = json!({"tieIn": tie_in, "url": hooks.url});
    app.post("/webhooks", &yes24, body.clone()).await.error(
        StatusCode::NOT_FOUND,
        "TIE_IN_NOT_FOUND",
        Some("tieIn"),
    );
    app.post("/webhooks", &creator("creator-kim"), body.clone())
        .await
        .error(StatusCode::FORBIDDEN, "FORBIDDEN", None);
    let unknown = json!({"tieIn": Uuid::now_v7(), "url": hooks.url});
    app.post("/webhooks", &mama, unknown).await.error(
        StatusCode::NOT_FOUND,
        "TIE_IN_NOT_FOUND",
        Some("tieIn"),
    );
    // An official may register for any tie-in; the webhook is the partner's.
    let (webhook, _) = app.register(&official(), tie_in, &hooks.url).await;
    let read = app.read(&mama, &format!("/webhooks/{webhook}")).await;
    assert_eq!(read.expect(StatusCode::OK)["partner"], "mama");

    for path in [
        format!("/webhooks/{webhook}"),
        format!("/webhooks/{webhook}/deliveries"),
    ] {
        app.read(&yes24, &path)
            .await
            .error(StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND", None);
    }
    for path in ["secret", "disable", "deletion"] {
        app.post(&format!("/webhooks/{webhook}/{path}"), &yes24, json!({}))
            .await
            .error(StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND", None);
    }
    let replay = json!({"after": feed_cursor(0)});
    app.post(&format!("/webhooks/{webhook}/replay"), &yes24, replay)
        .await
        .error(StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND", None);
    let listed = app.read(&yes24, "/webhooks").await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
    let listed = app.read(&mama, "/webhooks").await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_urls_are_refused_and_store_nothing() {
    let app = spawn().await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    for url in [
        "http://hooks.mama.example/golmok",
        "ftp://127.0.0.1/hook",
        "https://user:pw@hooks.mama.example/",
        "https://",
        "not a url",
        "http://127.0.0.1.nip.io/hook",
    ] {
        app.post("/webhooks", &mama, json!({"tieIn": tie_in, "url": url}))
            .await
            .error(StatusCode::BAD_REQUEST, "WEBHOOK_URL_INVALID", Some("url"));
    }
    let long = "x".repeat(201);
    let body = json!({"tieIn": tie_in, "url": "https://hooks.mama.example/", "description": long});
    app.post("/webhooks", &mama, body).await.error(
        StatusCode::BAD_REQUEST,
        "FIELD_TOO_LONG",
        Some("description"),
    );
    let listed = app.read(&mama, "/webhooks").await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
    // Nothing reached the log either: the next event is the first webhook one.
    let log = &app.app.service.hosted().storage.log;
    let events = log.read_all(1, 100).await.unwrap();
    assert!(
        events
            .iter()
            .all(|e| !e.envelope.event_type.contains("Webhook"))
    );
}

#[tokio::test]
async fn a_rotated_secret_signs_later_deliveries_and_a_disabled_webhook_gets_nothing_more() {
    let app = spawn().await;
    let hooks = Receiver::start(0).await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let (webhook, old) = app.register(&mama, tie_in, &hooks.url).await;
    let rotated = app
        .post(&format!("/webhooks/{webhook}/secret"), &mama, json!({}))
        .await;
    let new = rotated.expect(StatusCode::OK)["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    app.publish("kpop", None).await;
    let hits = hooks.wait_for(1).await;
    assert!(hits[0].signed_with(&new) && !hits[0].signed_with(&old));

    let disabled = app
        .post(&format!("/webhooks/{webhook}/disable"), &mama, json!({}))
        .await;
    assert_eq!(disabled.expect(StatusCode::OK)["status"], "DISABLED");
    app.publish("kpop", None).await;
    hooks.stays_at(1).await;
    assert_eq!(app.deliveries(&mama, webhook).await.len(), 1);
    let replay = json!({"after": feed_cursor(0)});
    app.post(&format!("/webhooks/{webhook}/replay"), &mama, replay)
        .await
        .error(StatusCode::CONFLICT, "WEBHOOK_DISABLED", None);

    let deleted = app
        .post(&format!("/webhooks/{webhook}/deletion"), &mama, json!({}))
        .await;
    deleted.expect(StatusCode::OK);
    app.read(&mama, &format!("/webhooks/{webhook}"))
        .await
        .error(StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND", None);
    let listed = app.read(&mama, "/webhooks").await;
    assert_eq!(listed.expect(StatusCode::OK)["items"], json!([]));
}

#[tokio::test]
async fn a_registration_retried_with_its_idempotency_key_answers_the_same_secret() {
    let app = spawn().await;
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let body = json!({"tieIn": tie_in, "url": "https://hooks.mama.example/golmok"});
    let first = app
        .call(
            Method::POST,
            "/webhooks",
            Some(&mama),
            Some("k-1"),
            Some(body.clone()),
        )
        .await;
    let again = app
        .call(
            Method::POST,
            "/webhooks",
            Some(&mama),
            Some("k-1"),
            Some(body),
        )
        .await;
    let first = first.expect(StatusCode::CREATED);
    assert_eq!(again.expect(StatusCode::CREATED)["secret"], first["secret"]);
    assert_eq!(again.body["webhook"]["id"], first["webhook"]["id"]);
    let listed = app.read(&mama, "/webhooks").await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_https_endpoint_is_reached_over_tls_and_a_failed_handshake_is_logged() {
    let app = spawn().await;
    // A plain HTTP receiver behind an https:// URL: the TLS handshake fails,
    // so the request never reaches it and the attempt records why.
    let hooks = Receiver::start(0).await;
    let url = hooks.url.replace("http://", "https://");
    let mama = partner("mama");
    let tie_in = app.tie_in("mama").await;
    let (webhook, _) = app.register(&mama, tie_in, &url).await;
    app.publish("kpop", None).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let attempt = loop {
        let log = app.deliveries(&mama, webhook).await;
        if let Some(attempt) = log.first().and_then(|d| d["attempts"].get(0)) {
            break attempt.clone();
        }
        assert!(Instant::now() < deadline, "no attempt: {log:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(attempt["statusCode"].is_null(), "{attempt}");
    let error = attempt["error"].as_str().unwrap();
    assert!(
        error.starts_with("the request could not connect"),
        "{error}"
    );
    assert!(!error.contains("scheme"), "https is supported: {error}");
    assert!(hooks.hits().is_empty());
}
