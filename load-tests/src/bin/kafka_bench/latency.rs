//! P7: committed → received through the relay and a kernel consumer, against raw produce → consume.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use golmok_embedded::EmbeddedStore;
use golmok_kafka::cloudevents::{Encoded, encode, header, header_text};
use golmok_kafka::{KafkaSettings, KafkaSource, Relay, events_topic};
use golmok_kernel::{Consumer, EventHandler, EventLog, HandleError, RecordedEvent, Transaction};
use load_tests::Percentiles;
use rdkafka::consumer::{Consumer as _, StreamConsumer};
use rdkafka::producer::{DeliveryFuture, FutureRecord};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::wire::{acknowledged, client, envelope, producer, request};
use crate::{Args, LATENCY_SERVICE, RAW_LATENCY_TOPIC, WAIT, WARM_UP};

pub(crate) struct Latency {
    pub(crate) golmok: GolmokLatency,
    pub(crate) raw: RawLatency,
}

/// From the append's acknowledgement to: the relay's checkpoint past the
/// event (the broker acknowledged it), the handler, the handler's batch
/// durable (the consumer's progress mark).
pub(crate) struct GolmokLatency {
    pub(crate) published: Percentiles,
    pub(crate) received: Percentiles,
    pub(crate) durable: Percentiles,
}

/// From the send call to: the broker's acknowledgement, `recv()`.
pub(crate) struct RawLatency {
    pub(crate) acknowledged: Percentiles,
    pub(crate) received: Percentiles,
}

type Instants = Arc<Mutex<Vec<(Uuid, Instant)>>>;

/// Records when each event reaches the handler.
struct Recorder {
    received: Instants,
}

#[async_trait]
impl EventHandler for Recorder {
    fn name(&self) -> &'static str {
        "kafka-bench-latency"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        _tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let now = Instant::now();
        self.received
            .lock()
            .expect("not poisoned")
            .push((event.envelope.id, now));
        Ok(())
    }
}

pub(crate) async fn latency(
    settings: &KafkaSettings,
    dir: &std::path::Path,
    args: &Args,
) -> anyhow::Result<Latency> {
    let total = (args.rate * args.seconds) as usize;
    let period = Duration::from_secs_f64(1.0 / args.rate as f64);
    eprintln!("P7: raw producer and consumer");
    let raw = raw_latency(settings, total, period).await?;
    eprintln!("P7: relay and kernel consumer");
    let golmok = golmok_latency(settings, dir, total, period).await?;
    Ok(Latency { golmok, raw })
}

/// Relay + kernel consumer over `KafkaSource`: committed → handler, and
/// committed → the handler's batch written (the consumer's progress mark).
async fn golmok_latency(
    settings: &KafkaSettings,
    dir: &std::path::Path,
    total: usize,
    period: Duration,
) -> anyhow::Result<GolmokLatency> {
    let producing = EmbeddedStore::open(&dir.join("latency-producer.redb"))?;
    let consuming = EmbeddedStore::open(&dir.join("latency-consumer.redb"))?;
    let shutdown = CancellationToken::new();
    let relay = Relay::new(
        settings,
        LATENCY_SERVICE,
        producing.clone(),
        producing.clone(),
    )?
    .spawn(shutdown.clone())
    .await?;
    let received: Instants = Arc::default();
    let source = KafkaSource::new(settings, &[events_topic(LATENCY_SERVICE)])?;
    let consumer = Consumer::with_source(
        source,
        consuming,
        Arc::new(Recorder {
            received: Arc::clone(&received),
        }),
    )
    .spawn(shutdown.clone())
    .await?;
    let streams: Vec<String> = (0..100)
        .map(|_| format!("order-{}", Uuid::now_v7().simple()))
        .collect();

    for n in 0..WARM_UP {
        producing
            .append(request(&streams[n % streams.len()], n))
            .await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ensure!(
        consumer.wait_for(WARM_UP as u64, WAIT).await,
        "the consumer did not receive the warm-up events"
    );

    let committed: Arc<Mutex<HashMap<Uuid, (u64, Instant)>>> = Arc::default();
    let appending = async {
        let mut ticks = tokio::time::interval(period);
        let mut appends = Vec::with_capacity(total);
        for n in 0..total {
            ticks.tick().await;
            let (store, committed) = (Arc::clone(&producing), Arc::clone(&committed));
            let request = request(&streams[n % streams.len()], n);
            appends.push(tokio::spawn(async move {
                let id = request.events[0].id;
                let appended = store.append(request).await?;
                let now = Instant::now();
                committed
                    .lock()
                    .expect("not poisoned")
                    .insert(id, (appended.first_position, now));
                anyhow::Ok(())
            }));
        }
        for append in appends {
            append.await??;
        }
        anyhow::Ok(())
    };
    // The progress mark counts messages applied since the consumer started,
    // in the order the handler saw them.
    let durable = async {
        let mut reached = Vec::with_capacity(total);
        for mark in WARM_UP + 1..=WARM_UP + total {
            if !consumer.wait_for(mark as u64, WAIT).await {
                bail!("the consumer applied {} messages", consumer.checkpoint());
            }
            reached.push(Instant::now());
        }
        anyhow::Ok(reached)
    };
    // The warm-up events hold positions 1 to WARM_UP.
    let published = async {
        let mut reached = Vec::with_capacity(total);
        for position in WARM_UP + 1..=WARM_UP + total {
            if !relay.wait_for(position as u64, WAIT).await {
                bail!("the relay published up to {}", relay.published());
            }
            reached.push((position as u64, Instant::now()));
        }
        anyhow::Ok(reached)
    };
    let (appended, reached, published) = tokio::join!(appending, durable, published);
    appended?;
    let (reached, published) = (reached?, published?);
    shutdown.cancel();
    consumer.stopped().await;
    relay.stopped().await;

    let committed = committed.lock().expect("not poisoned");
    let received = received.lock().expect("not poisoned");
    let at_position: HashMap<u64, Instant> = committed.values().copied().collect();
    let to_published: Vec<Duration> = published
        .iter()
        .filter_map(|(position, at)| {
            at_position
                .get(position)
                .map(|start| at.saturating_duration_since(*start))
        })
        .collect();
    let mut to_handler = Vec::with_capacity(total);
    let mut to_durable = Vec::with_capacity(total);
    for (index, (id, at)) in received.iter().enumerate().skip(WARM_UP) {
        let Some((_, start)) = committed.get(id) else {
            bail!("event {id} received twice or never appended");
        };
        to_handler.push(at.saturating_duration_since(*start));
        if let Some(durable) = reached.get(index - WARM_UP) {
            to_durable.push(durable.saturating_duration_since(*start));
        }
    }
    ensure!(
        to_handler.len() == total,
        "{} of {total} events reached the handler",
        to_handler.len()
    );
    Ok(GolmokLatency {
        published: Percentiles::of(to_published),
        received: Percentiles::of(to_handler),
        durable: Percentiles::of(to_durable),
    })
}

/// A raw producer at the same rate with the same records, and a plain
/// `StreamConsumer` in a group: send call → `recv()`.
async fn raw_latency(
    settings: &KafkaSettings,
    total: usize,
    period: Duration,
) -> anyhow::Result<RawLatency> {
    let producer = producer(settings)?;
    let consumer: StreamConsumer = client(
        settings,
        &[
            ("group.id", "kafka-bench-raw"),
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
        ],
    )
    .create()?;
    consumer.subscribe(&[RAW_LATENCY_TOPIC])?;
    let consumer = Arc::new(consumer);
    let received: Instants = Arc::default();
    let shutdown = CancellationToken::new();
    let receiving = {
        let (consumer, received, shutdown) = (
            Arc::clone(&consumer),
            Arc::clone(&received),
            shutdown.clone(),
        );
        tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    message = consumer.recv() => message,
                };
                let now = Instant::now();
                match message {
                    Ok(message) => {
                        if let Some(id) =
                            header_text(&message, header::ID).and_then(|t| t.parse().ok())
                        {
                            received.lock().expect("not poisoned").push((id, now));
                        }
                    }
                    Err(error) => eprintln!("raw consumer: {error}"),
                }
            }
        })
    };
    let streams: Vec<String> = (0..100)
        .map(|_| format!("order-{}", Uuid::now_v7().simple()))
        .collect();
    let record = |n: usize| {
        let envelope = envelope(&streams[n % streams.len()], n);
        let id = envelope.id;
        let event = RecordedEvent {
            position: n as u64 + 1,
            envelope,
        };
        (id, event.envelope.time.timestamp_millis(), encode(&event))
    };
    let send = |encoded: &Encoded, timestamp: i64| {
        producer
            .send_result(
                FutureRecord::to(RAW_LATENCY_TOPIC)
                    .key(&encoded.key)
                    .payload(&encoded.payload)
                    .headers(encoded.headers.clone())
                    .timestamp(timestamp),
            )
            .map_err(|(e, _)| anyhow::anyhow!("send failed: {e}"))
    };

    for n in 0..WARM_UP {
        let (_, timestamp, encoded) = record(n);
        acknowledged(Some(send(&encoded, timestamp)?.await))?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = Instant::now() + WAIT;
    while received.lock().expect("not poisoned").len() < WARM_UP {
        ensure!(
            Instant::now() < deadline,
            "the raw consumer did not receive the warm-up messages"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let mut sent = HashMap::with_capacity(total);
    let mut acks = FuturesUnordered::new();
    let mut to_acknowledged = Vec::with_capacity(total);
    let mut ticks = tokio::time::interval(period);
    for n in WARM_UP..WARM_UP + total {
        let (id, timestamp, encoded) = record(n);
        // Take acknowledgements while waiting for the next tick.
        loop {
            tokio::select! {
                biased;
                _ = ticks.tick() => break,
                Some(took) = acks.next(), if !acks.is_empty() => to_acknowledged.push(took?),
            }
        }
        let now = Instant::now();
        sent.insert(id, now);
        acks.push(timed(send(&encoded, timestamp)?, now));
    }
    while let Some(took) = acks.next().await {
        to_acknowledged.push(took?);
    }
    while received.lock().expect("not poisoned").len() < WARM_UP + total {
        ensure!(
            Instant::now() < deadline,
            "the raw consumer received {} of {}",
            received.lock().expect("not poisoned").len(),
            WARM_UP + total
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shutdown.cancel();
    receiving.await?;

    let received = received.lock().expect("not poisoned");
    let latencies: Vec<Duration> = received
        .iter()
        .filter_map(|(id, at)| {
            sent.get(id)
                .map(|start| at.saturating_duration_since(*start))
        })
        .collect();
    ensure!(
        latencies.len() == total,
        "{} of {total} raw messages matched",
        latencies.len()
    );
    Ok(RawLatency {
        acknowledged: Percentiles::of(to_acknowledged),
        received: Percentiles::of(latencies),
    })
}

/// How long after `sent` the broker acknowledged the send.
async fn timed(ack: DeliveryFuture, sent: Instant) -> anyhow::Result<Duration> {
    acknowledged(Some(ack.await))?;
    Ok(sent.elapsed())
}
