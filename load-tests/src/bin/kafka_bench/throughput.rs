//! P4: the relay against a raw producer over the same pre-appended events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::ensure;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use golmok_embedded::EmbeddedStore;
use golmok_kafka::cloudevents::{Encoded, encode};
use golmok_kafka::{KafkaSettings, Relay, events_topic};
use golmok_kernel::{EventLog, RecordedEvent};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::producer::FutureRecord;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::wire::{acknowledged, client, producer, request};
use crate::{Args, MAX_IN_FLIGHT, RAW_THROUGHPUT_TOPIC, THROUGHPUT_SERVICE, WAIT};

pub(crate) struct Throughput {
    pub(crate) relay_rate: f64,
    pub(crate) raw_rates: (f64, f64),
    pub(crate) payload_bytes: f64,
    pub(crate) append_rate: f64,
}

pub(crate) async fn throughput(
    settings: &KafkaSettings,
    dir: &std::path::Path,
    args: &Args,
) -> anyhow::Result<Throughput> {
    let store = EmbeddedStore::open(&dir.join("throughput.redb"))?;
    let streams: Vec<String> = (0..args.streams)
        .map(|_| format!("order-{}", Uuid::now_v7().simple()))
        .collect();
    let started = Instant::now();
    let last = pre_append(&store, &streams, args.events).await?;
    let append_rate = args.events as f64 / started.elapsed().as_secs_f64();
    ensure!(last == args.events as u64, "the log holds {last} events");

    let mut events = Vec::with_capacity(args.events);
    while (events.len() as u64) < last {
        let page = store.read_all(events.len() as u64 + 1, 10_000).await?;
        ensure!(!page.is_empty(), "the log ends before {last}");
        events.extend(page);
    }
    let encoded: Vec<Encoded> = events.iter().map(encode).collect();
    let payload_bytes =
        encoded.iter().map(|e| e.payload.len()).sum::<usize>() as f64 / encoded.len() as f64;

    eprintln!("P4: raw producer");
    let before = raw_publish(settings, RAW_THROUGHPUT_TOPIC, &events, &encoded).await?;

    eprintln!("P4: relay");
    let relay = Relay::new(settings, THROUGHPUT_SERVICE, store.clone(), store.clone())?;
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let handle = relay.spawn(shutdown.clone()).await?;
    ensure!(
        handle.wait_for(last, WAIT).await,
        "the relay published {} of {last} in {WAIT:?}",
        handle.published()
    );
    let relay_rate = last as f64 / started.elapsed().as_secs_f64();
    shutdown.cancel();
    handle.stopped().await;

    eprintln!("P4: raw producer again");
    let after = raw_publish(settings, RAW_THROUGHPUT_TOPIC, &events, &encoded).await?;

    let relayed = messages_in(settings, &events_topic(THROUGHPUT_SERVICE)).await?;
    ensure!(
        relayed >= last,
        "the events topic holds {relayed} of {last}"
    );
    let raw = messages_in(settings, RAW_THROUGHPUT_TOPIC).await?;
    ensure!(raw >= 2 * last, "the raw topic holds {raw} of {}", 2 * last);
    Ok(Throughput {
        relay_rate,
        raw_rates: (before, after),
        payload_bytes,
        append_rate,
    })
}

/// Appends `count` events round-robin over `streams`, one per append, from
/// 64 concurrent writers (group commit); returns the log's head.
async fn pre_append(
    store: &Arc<EmbeddedStore>,
    streams: &[String],
    count: usize,
) -> anyhow::Result<u64> {
    const WRITERS: usize = 64;
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (store, streams) = (Arc::clone(store), streams.to_vec());
        writers.push(tokio::spawn(async move {
            for n in (writer..count).step_by(WRITERS) {
                let stream = &streams[n % streams.len()];
                store.append(request(stream, n)).await?;
            }
            anyhow::Ok(())
        }));
    }
    for writer in writers {
        writer.await??;
    }
    Ok(*store.head().borrow())
}

/// Sends every record with at most `MAX_IN_FLIGHT` unacknowledged, like the
/// relay, and returns messages/s until the last acknowledgement.
async fn raw_publish(
    settings: &KafkaSettings,
    topic: &str,
    events: &[RecordedEvent],
    encoded: &[Encoded],
) -> anyhow::Result<f64> {
    let producer = producer(settings)?;
    let started = Instant::now();
    let mut in_flight = FuturesUnordered::new();
    for (event, record) in events.iter().zip(encoded) {
        while in_flight.len() >= MAX_IN_FLIGHT {
            acknowledged(in_flight.next().await)?;
        }
        let record = FutureRecord::to(topic)
            .key(&record.key)
            .payload(&record.payload)
            .headers(record.headers.clone())
            .timestamp(event.envelope.time.timestamp_millis());
        in_flight.push(producer.send_result(record).map_err(|(e, _)| e)?);
    }
    while !in_flight.is_empty() {
        acknowledged(in_flight.next().await)?;
    }
    Ok(events.len() as f64 / started.elapsed().as_secs_f64())
}

/// Messages in `topic` now (sum of high − low watermarks).
async fn messages_in(settings: &KafkaSettings, topic: &str) -> anyhow::Result<u64> {
    let (settings, topic) = (settings.clone(), topic.to_owned());
    tokio::task::spawn_blocking(move || {
        let partitions = golmok_kafka::partition_count(&settings, &topic)?;
        let client: BaseConsumer = client(&settings, &[]).create()?;
        let mut total = 0;
        for partition in 0..partitions {
            let (low, high) =
                client.fetch_watermarks(&topic, partition as i32, Duration::from_secs(30))?;
            total += (high - low).max(0) as u64;
        }
        anyhow::Ok(total)
    })
    .await?
}
