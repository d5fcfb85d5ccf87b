//! Topic migration is idempotent.

use std::time::Duration;

use golmok_kafka::{
    KafkaSettings, TopicOutcome, TopicSpec, dead_letter_topic, events_topic, migrate,
    partition_count,
};
use golmok_testkit::Kafka;
use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;

/// The `retention.ms` the broker reports for `topic`.
async fn retention_ms(settings: &KafkaSettings, topic: &str) -> Option<String> {
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &settings.bootstrap_servers)
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
    let broker = tokio::task::spawn_blocking(Kafka::shared)
        .await
        .expect("the shared broker");
    let settings = KafkaSettings::new(broker.bootstrap_servers());
    // The broker is shared with other tests: names of this test's own.
    let unique = uuid::Uuid::now_v7().simple();
    let (service, consumer) = (
        format!("storefront{unique}"),
        format!("voucher-holds{unique}"),
    );
    let (events, letters) = (events_topic(&service), dead_letter_topic(&consumer));
    let topics = [
        TopicSpec::events(&service, 6, Some(Duration::from_secs(7 * 24 * 3600))),
        TopicSpec::dead_letters(&consumer),
    ];
    let first = migrate(&settings, &topics).await.expect("first migration");
    assert_eq!(
        first,
        [
            (events.clone(), TopicOutcome::Created),
            (letters.clone(), TopicOutcome::Created),
        ]
    );
    let second = migrate(&settings, &topics).await.expect("second migration");
    assert_eq!(
        second,
        [
            (events.clone(), TopicOutcome::Existed { partitions: 6 }),
            (letters.clone(), TopicOutcome::Existed { partitions: 1 }),
        ]
    );
    let (settings_for_count, events_for_count) = (settings.clone(), events.clone());
    let partitions = tokio::task::spawn_blocking(move || {
        partition_count(&settings_for_count, &events_for_count)
    })
    .await
    .expect("join")
    .expect("metadata");
    assert_eq!(partitions, 6);
    assert_eq!(
        retention_ms(&settings, &events).await.as_deref(),
        Some("604800000"),
        "events are kept for the configured week"
    );
    assert_eq!(
        retention_ms(&settings, &letters).await.as_deref(),
        Some("-1"),
        "dead letters are kept until someone looks at them"
    );
}
