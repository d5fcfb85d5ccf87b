//! Reading whole topics back: dead letters for operators, topics for tests.

use std::time::{Duration, Instant};

use golmok_kernel::DeadLetter;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};

use crate::cloudevents::{decode, header_text};
use crate::error::BusError;
use crate::settings::{KafkaSettings, dead_letter_topic};
use crate::source::dead_letter_header;

const TIMEOUT: Duration = Duration::from_secs(30);

/// Every record of `topic` now, partition by partition, each in offset order.
pub async fn read_topic(
    settings: &KafkaSettings,
    topic: &str,
) -> Result<Vec<OwnedMessage>, BusError> {
    let (settings, topic) = (settings.clone(), topic.to_owned());
    tokio::task::spawn_blocking(move || read_blocking(&settings, &topic))
        .await
        .map_err(|e| BusError::Topic {
            topic: "?".into(),
            reason: e.to_string(),
        })?
}

fn read_blocking(settings: &KafkaSettings, topic: &str) -> Result<Vec<OwnedMessage>, BusError> {
    let consumer: BaseConsumer = settings
        .client(&[
            ("enable.auto.commit", "false"),
            ("group.id", "golmok-inspect"),
        ])
        .create()?;
    let metadata = consumer.fetch_metadata(Some(topic), TIMEOUT)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    let mut assignment = TopicPartitionList::new();
    let mut remaining = Vec::new();
    for partition in partitions {
        let (low, high) = consumer.fetch_watermarks(topic, partition, TIMEOUT)?;
        if high > low {
            assignment.add_partition_offset(topic, partition, Offset::Offset(low))?;
            remaining.push((partition, high));
        }
    }
    let mut messages = Vec::new();
    if remaining.is_empty() {
        return Ok(messages);
    }
    consumer.assign(&assignment)?;
    let deadline = Instant::now() + TIMEOUT;
    while !remaining.is_empty() {
        if Instant::now() > deadline {
            return Err(BusError::Topic {
                topic: topic.to_owned(),
                reason: format!("partitions {remaining:?} not read to their end in time"),
            });
        }
        let Some(message) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message?.detach();
        remaining.retain(|(partition, high)| {
            !(*partition == message.partition() && message.offset() + 1 >= *high)
        });
        messages.push(message);
    }
    messages.sort_by_key(|m| (m.partition(), m.offset()));
    Ok(messages)
}

/// The dead letters of `consumer`, from its `<consumer>.dlq.v1` topic.
pub async fn dead_letters(
    settings: &KafkaSettings,
    consumer: &str,
) -> Result<Vec<DeadLetter>, BusError> {
    let messages = read_topic(settings, &dead_letter_topic(consumer)).await?;
    Ok(messages.iter().map(dead_letter).collect())
}

/// A dead-letter record as the kernel's [`DeadLetter`].
pub fn dead_letter(message: &OwnedMessage) -> DeadLetter {
    let text = |key| header_text(message, key).unwrap_or_default().to_owned();
    let event = decode(message).ok().map(|e| e.envelope);
    DeadLetter {
        cursor: text(dead_letter_header::CURSOR),
        event_id: event.as_ref().map(|e| e.id),
        event_type: event.as_ref().map(|e| e.event_type.clone()),
        subject: event.map(|e| e.subject),
        reason: text(dead_letter_header::REASON),
    }
}
