//! The promotion feed read from Kafka, as `golmok up --bus kafka` and
//! `golmok serve gateway` read it: creator-media's relay publishes its log to
//! a topic of twelve partitions keyed by stream, so positions of different
//! streams arrive out of order; the feed releases them in log order, with no
//! gap, once every earlier position has arrived — a tie-in's promotions
//! and a creator's commission changes alike.

use golmok_contracts::creator_media::{CommissionPayableV1, parse_feed_cursor};
use golmok_kafka::{KafkaSettings, KafkaSource, Relay, TopicSpec, events_topic, migrate};
use golmok_runtime::{Role, Service};
use golmok_testkit::Kafka;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::feed_support::{Ask, CreatorMediaEvents, Followed, Promo, Subscriber, Transport};
use crate::support::spawn_app_with;

#[tokio::test]
async fn the_feed_follows_the_topic_in_log_order_across_partitions() {
    let broker = tokio::task::spawn_blocking(Kafka::shared)
        .await
        .expect("the shared broker");
    let kafka = KafkaSettings::new(broker.bootstrap_servers());
    let unique = Uuid::now_v7().simple().to_string();
    let mut settings = gateway::Settings::default();
    settings.feed.consumer_group = format!("gateway.feed-test-{unique}");
    let mut app = spawn_app_with(settings).await;
    // This test's gateway reads the topic, not the log.
    app.feed
        .take()
        .expect("the in-process follower")
        .stop()
        .await;

    // The relay of creator-media's log, to a topic of this test's own.
    let producer = format!("creator-media-feed-{unique}");
    migrate(&kafka, &[TopicSpec::events(&producer, 12, None)])
        .await
        .expect("the topic");
    let creator_media = app.creator_media();
    let shutdown = CancellationToken::new();
    let relay = Relay::new(
        &kafka,
        &producer,
        creator_media.event_log(),
        creator_media.tables(),
    )
    .expect("a relay")
    .spawn(shutdown.child_token())
    .await
    .expect("the relay starts");
    let follower = app
        .gateway
        .follow_feed(
            golmok_contracts::creator_media::SERVICE,
            KafkaSource::new(&kafka, &[events_topic(&producer)]).expect("a source"),
        )
        .await
        .expect("the feed follows the topic");

    let events = CreatorMediaEvents::of(&app);
    let mama = events.tie_in("mama").await;
    // A creator's commissions, interleaved on a stream of their own.
    let creator = Uuid::now_v7();
    events
        .append(
            &format!("creator-{creator}"),
            "CreatorRegistered",
            &serde_json::json!({
                "creatorId": creator, "handle": "jin.cooks", "owner": "creator-jin",
                "displayName": "Jin", "channels": [], "categories": ["food"],
                "region": "seoul-mapo", "languages": ["ko"], "at": chrono::Utc::now(),
            }),
        )
        .await;
    let mut amounts = Vec::new();
    let mut expected = Vec::new();
    for n in 0..30 {
        let title = format!("Promotion {n}");
        // Each on its own stream: spread over the partitions.
        events
            .publish(Promo {
                title: &title,
                tags: &["kpop"],
                region: "seoul-mapo",
                tie_in: None,
            })
            .await;
        if n % 3 == 0 {
            events.unrelated().await;
        }
        if n % 5 == 0 {
            let payable = CommissionPayableV1 {
                creator_id: creator,
                order_id: Uuid::now_v7(),
                amount: n,
                at: chrono::Utc::now(),
            };
            events
                .append(
                    &format!("commissions-{creator}"),
                    "CommissionPayable",
                    &payable,
                )
                .await;
            amounts.push(n);
        }
        expected.push(title);
    }

    let token = app.token_for("mama", Role::Partner, None);
    let tie_in = mama.to_string();
    // The tie-in reaches the feed through the topic too.
    let items = loop {
        let mut subscriber = Subscriber::start(
            &app,
            Ask {
                transport: Transport::Modern,
                token: Some(&token),
                tie_in: &tie_in,
                after: None,
                count: 30,
            },
        )
        .await;
        subscriber.ready().await;
        match subscriber.line().await {
            Some(line) if line.get("item").is_some() => {
                let mut items = vec![line["item"].clone()];
                items.extend(subscriber.items(29).await);
                break items;
            }
            Some(line) if line.get("errors").is_some() => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(titles(&items), expected, "every item, in log order");
    let positions: Vec<u64> = items.iter().map(position).collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{positions:?}"
    );

    // Reconnecting after the tenth: exactly the twenty after it.
    let after = items[9]["cursor"].as_str().expect("a cursor").to_owned();
    let mut again = Subscriber::start(
        &app,
        Ask {
            transport: Transport::Sse,
            token: Some(&token),
            tie_in: &tie_in,
            after: Some(&after),
            count: 20,
        },
    )
    .await;
    assert_eq!(again.items(20).await, items[10..].to_vec());

    // The creator's commission changes come through the same topic, in
    // log order too.
    let creator_token = app.token_for("creator-jin", Role::Creator, None);
    let creator_id = creator.to_string();
    let mut commissions = Subscriber::follow(
        &app,
        Followed::Commissions(&creator_id),
        Ask {
            transport: Transport::Sse,
            token: Some(&creator_token),
            tie_in: "",
            after: None,
            count: amounts.len(),
        },
    )
    .await;
    let changes = commissions.items(amounts.len()).await;
    let received: Vec<i64> = changes
        .iter()
        .map(|item| item["amount"].as_i64().expect("an amount"))
        .collect();
    assert_eq!(received, amounts);
    let positions: Vec<u64> = changes.iter().map(position).collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{positions:?}"
    );

    tokio::time::timeout(std::time::Duration::from_secs(30), follower.stop())
        .await
        .expect("the feed stops");
    shutdown.cancel();
    relay.stopped().await;
}

fn titles(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            item["promotion"]["title"]
                .as_str()
                .expect("a title")
                .to_owned()
        })
        .collect()
}

fn position(item: &Value) -> u64 {
    parse_feed_cursor(item["cursor"].as_str().expect("a cursor")).expect("a feed cursor")
}
