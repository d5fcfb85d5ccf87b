//! A Kafka consumer's lag (`golmok_consumer_lag_events`) is what an operator
//! reads it as: the messages past the offsets of durable effects.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use golmok_kernel::conformance::append_each;
use golmok_kernel::{Delivery, EventSource, Tables};
use tokio_util::sync::CancellationToken;

use crate::support::{Services, WAIT, events, streams};

/// Waits, polling as the consumer loop does (statistics arrive while the
/// consumer polls, every second), until the source's lag is `expected`;
/// returns what was delivered meanwhile (and is not durable).
async fn lag_reaches(source: &mut golmok_kafka::KafkaSource, expected: u64) -> Vec<Delivery> {
    let deadline = Instant::now() + WAIT;
    let mut delivered = Vec::new();
    loop {
        let lag = source.lag();
        if lag == Some(expected) {
            return delivered;
        }
        assert!(
            Instant::now() < deadline,
            "the lag stayed at {lag:?}; {expected} messages are past the durable offsets"
        );
        if let Ok(batch) =
            tokio::time::timeout(Duration::from_millis(100), source.next_batch()).await
        {
            delivered.extend(batch.expect("a batch"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_counts_the_messages_past_the_offsets_of_durable_effects() {
    let services = Services::start().await;
    let relaying = CancellationToken::new();
    let relay = services
        .relay()
        .spawn(relaying.clone())
        .await
        .expect("start the relay");
    append_each(services.producer.as_ref(), events(&streams(6), 10)).await;
    let total = 60;

    let tables: &dyn Tables = services.consumer.as_ref();
    let mut source = services.source();
    assert_eq!(
        source.lag(),
        None,
        "nothing is known before the first statistics"
    );
    source.start("lag-probe", tables).await.expect("join");
    let mut delivered: Vec<Delivery> = Vec::new();
    let deadline = Instant::now() + WAIT;
    while delivered.len() < total {
        assert!(
            Instant::now() < deadline,
            "only {} delivered",
            delivered.len()
        );
        delivered.extend(source.next_batch().await.expect("a batch"));
    }

    // Half of each partition's messages become durable effects: the rest is lag.
    let mut by_partition: HashMap<String, Vec<Delivery>> = HashMap::new();
    for delivery in delivered {
        let partition = delivery
            .cursor
            .rsplit_once('/')
            .expect("a cursor")
            .0
            .to_owned();
        by_partition.entry(partition).or_default().push(delivery);
    }
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for (_, mut deliveries) in by_partition {
        let later = deliveries.split_off(deliveries.len() / 2);
        first.extend(deliveries);
        rest.extend(later);
    }
    source
        .committed(&first)
        .await
        .expect("commit the first half");
    lag_reaches(&mut source, rest.len() as u64).await;

    source.committed(&rest).await.expect("commit the rest");
    lag_reaches(&mut source, 0).await;

    relaying.cancel();
    relay.stopped().await;
}
