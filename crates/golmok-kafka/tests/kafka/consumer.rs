//! The Kafka consumer: restarts while events keep coming have no duplicate
//! effects; a dead letter keeps the message and says why.

use std::sync::Arc;
use std::time::Duration;

use golmok_kafka::cloudevents::{decode, header_text};
use golmok_kafka::{dead_letter_header, dead_letter_topic, read_topic};
use golmok_kernel::conformance::{append_each, sample_envelope};
use golmok_kernel::{Consumer, EventHandler, HandleError, RecordedEvent, Tables, Transaction};
use rdkafka::Message;
use tokio_util::sync::CancellationToken;

use crate::support::{Effects, Services, WAIT, committed, events, streams};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_restarts_while_events_flow_have_no_duplicate_effects() {
    const RESTARTS: usize = 6;
    let services = Arc::new(Services::start().await);
    let relaying = CancellationToken::new();
    let relay = services
        .relay()
        .spawn(relaying.clone())
        .await
        .expect("start the relay");
    let streams = streams(4);
    let writer = {
        let services = Arc::clone(&services);
        tokio::spawn(async move {
            for _ in 0..30 {
                append_each(services.producer.as_ref(), events(&streams, 3)).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let effects = Effects::new();
    let tables: Arc<dyn Tables> = services.consumer.clone();
    for restart in 0..RESTARTS {
        let shutdown = CancellationToken::new();
        let consumer = Consumer::with_source(
            services.source(),
            Arc::clone(&tables),
            effects.clone() as Arc<dyn EventHandler>,
        )
        .spawn(shutdown.clone())
        .await
        .expect("start the consumer");
        tokio::time::sleep(Duration::from_millis(500 + 300 * restart as u64)).await;
        shutdown.cancel();
        consumer.stopped().await;
    }
    writer.await.expect("the writer finished");
    assert!(
        relay.wait_for(services.head(), WAIT).await,
        "the relay did not publish the whole log"
    );
    let shutdown = CancellationToken::new();
    let consumer = Consumer::with_source(
        services.source(),
        Arc::clone(&tables),
        effects.clone() as Arc<dyn EventHandler>,
    )
    .spawn(shutdown.clone())
    .await
    .expect("start the last consumer");
    let committed = committed(services.producer.as_ref()).await;
    effects.wait_applied(tables.as_ref(), &committed).await;
    shutdown.cancel();
    consumer.stopped().await;
    relaying.cancel();
    relay.stopped().await;

    let counts = effects.counts(tables.as_ref(), &committed).await;
    eprintln!(
        "{RESTARTS} restarts: {} events, {} handled, {} effects",
        committed.len(),
        effects.handled(),
        counts.iter().sum::<u64>()
    );
    assert_eq!(committed.len(), 360);
    assert!(
        counts.iter().all(|c| *c == 1),
        "an event had no effect or a second one across consumer restarts"
    );
    assert_eq!(
        effects.handled(),
        committed.len() as u64,
        "an event already in the inbox was handled again"
    );
}

/// Rejects events whose payload says so.
struct Picky(&'static str);

#[async_trait::async_trait]
impl EventHandler for Picky {
    fn name(&self) -> &'static str {
        self.0
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        if event.envelope.data["label"] == "poison" {
            return Err(HandleError::Permanent(
                "merchant id is not a 사업자등록번호".into(),
            ));
        }
        tx.put(
            "accepted",
            self.0,
            &event.envelope.id.to_string(),
            Vec::new(),
        );
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_event_lands_on_the_dead_letter_topic_with_its_reason_and_the_consumer_continues()
{
    let services = Services::start().await;
    let relaying = CancellationToken::new();
    let relay = services
        .relay()
        .spawn(relaying.clone())
        .await
        .expect("start the relay");
    let stream = "merchant-poison";
    let published = append_each(
        services.producer.as_ref(),
        ["ok-1", "poison", "ok-2", "ok-3"]
            .iter()
            .map(|label| sample_envelope(stream, label))
            .collect(),
    )
    .await;
    assert!(relay.wait_for(services.head(), WAIT).await);

    let name: &'static str =
        Box::leak(format!("picky-{}", uuid::Uuid::now_v7().simple()).into_boxed_str());
    let shutdown = CancellationToken::new();
    let consumer = Consumer::with_source(
        services.source(),
        services.consumer.clone(),
        Arc::new(Picky(name)),
    )
    .spawn(shutdown.clone())
    .await
    .expect("start the consumer");
    let last = &published[3];
    let deadline = tokio::time::Instant::now() + WAIT;
    while services
        .consumer
        .get("accepted", name, &last.envelope.id.to_string())
        .await
        .expect("read")
        .is_none()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the consumer stopped at the poison event"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    consumer.stopped().await;
    relaying.cancel();
    relay.stopped().await;

    for event in [&published[0], &published[2], &published[3]] {
        assert!(
            services
                .consumer
                .get("accepted", name, &event.envelope.id.to_string())
                .await
                .expect("read")
                .is_some(),
            "a healthy event after the poison was not applied"
        );
    }
    let letters = read_topic(&services.settings, &dead_letter_topic(name))
        .await
        .expect("read the dead-letter topic");
    assert_eq!(letters.len(), 1, "only the poison event is dead-lettered");
    let letter = &letters[0];
    assert_eq!(
        header_text(letter, dead_letter_header::REASON),
        Some("merchant id is not a 사업자등록번호")
    );
    assert_eq!(
        header_text(letter, dead_letter_header::CONSUMER),
        Some(name)
    );
    assert!(
        header_text(letter, dead_letter_header::CURSOR)
            .is_some_and(|c| c.starts_with(&services.topic())),
        "the dead letter says where the message was"
    );
    assert_eq!(letter.key(), Some(stream.as_bytes()));
    let mut original = decode(letter).expect("the dead letter keeps the original event");
    assert!(
        original.envelope.traceparent.take().is_some(),
        "the dead letter keeps the trace context"
    );
    assert_eq!(original, published[1], "the dead letter altered the event");
    let all = committed(services.producer.as_ref()).await;
    assert_eq!(all.len(), 4);
}
