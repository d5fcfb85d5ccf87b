//! Topic migration is idempotent.

use std::time::Duration;

use golmok_kafka::{KafkaSettings, TopicOutcome, TopicSpec, migrate, partition_count};
use golmok_testkit::Tansu;
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;

/// The `retention.ms` the broker reports for `topic`.
async fn retention_ms(broker: &Tansu, topic: &str) -> Option<String> {
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .create()
        .expect("an admin client");
    let mut results = admin
        .describe_configs([&ResourceSpecifier::Topic(topic)], &AdminOptions::new())
        .await
        .expect("describe configs");
    let config = results
        .pop()
        .expect("one result")
        .expect("the topic's config");
    config.get("retention.ms").and_then(|e| e.value.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_creates_missing_topics_and_is_safe_to_run_twice() {
    let broker = Tansu::start();
    let settings = KafkaSettings::new(broker.bootstrap_servers());
    let topics = [
        TopicSpec::events("storefront", 6, Some(Duration::from_secs(7 * 24 * 3600))),
        TopicSpec::dead_letters("voucher-holds"),
    ];
    let first = migrate(&settings, &topics).await.expect("first migration");
    assert_eq!(
        first,
        [
            (
                "golmok.storefront.events.v1".to_owned(),
                TopicOutcome::Created
            ),
            ("voucher-holds.dlq.v1".to_owned(), TopicOutcome::Created),
        ]
    );
    let second = migrate(&settings, &topics).await.expect("second migration");
    assert_eq!(
        second,
        [
            (
                "golmok.storefront.events.v1".to_owned(),
                TopicOutcome::Existed { partitions: 6 }
            ),
            (
                "voucher-holds.dlq.v1".to_owned(),
                TopicOutcome::Existed { partitions: 1 }
            ),
        ]
    );
    let settings_for_count = settings.clone();
    let partitions = tokio::task::spawn_blocking(move || {
        partition_count(&settings_for_count, "golmok.storefront.events.v1")
    })
    .await
    .expect("join")
    .expect("metadata");
    assert_eq!(partitions, 6);
    assert_eq!(
        retention_ms(&broker, "golmok.storefront.events.v1")
            .await
            .as_deref(),
        Some("604800000"),
        "events are kept for the configured week"
    );
    assert_eq!(
        retention_ms(&broker, "voucher-holds.dlq.v1")
            .await
            .as_deref(),
        Some("-1"),
        "dead letters are kept until someone looks at them"
    );
}
