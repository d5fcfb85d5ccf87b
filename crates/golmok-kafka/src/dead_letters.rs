//! A consumer's dead letters on Kafka: producing them to
//! `<consumer>.dlq.v1`, and the topic as the kernel's [`LetterBox`] so an
//! operator can list and replay them.
//!
//! A letter that fails again is produced again with its new reason and the
//! same cursor header; the latest record of a cursor is the letter. Whether
//! it was replayed is not kept here but in the consumer's inbox
//! (`golmok_kernel::replay_mark`), so the topic is never rewritten.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use golmok_kernel::{DeadLetter, KeptLetter, LetterBox, Mutation, StorageError, Tables};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::admin::{TopicSpec, migrate};
use crate::cloudevents::decode;
use crate::error::io;
use crate::inspect::{dead_letter, read_topic};
use crate::settings::{KafkaSettings, dead_letter_topic};
use crate::source::dead_letter_header;

/// How long a dead letter may take to be acknowledged.
const DEAD_LETTER_TIMEOUT: Duration = Duration::from_secs(30);

/// Produces each `(message, letter)` to `consumer`'s dead-letter topic with
/// the letter's reason and cursor in headers (replacing those a dead letter
/// produced again already carries) and waits until every one is acknowledged.
pub(crate) async fn publish(
    producer: &FutureProducer,
    consumer: &str,
    letters: &[(&OwnedMessage, &DeadLetter)],
) -> Result<(), StorageError> {
    let topic = dead_letter_topic(consumer);
    let mut acks = Vec::with_capacity(letters.len());
    for (message, letter) in letters {
        let mut headers = OwnedHeaders::new();
        if let Some(original) = message.headers() {
            for header in original.iter() {
                if !header.key.starts_with("golmok_dlq_") {
                    headers = headers.insert(header);
                }
            }
        }
        let headers = headers
            .insert(Header {
                key: dead_letter_header::REASON,
                value: Some(letter.reason.as_str()),
            })
            .insert(Header {
                key: dead_letter_header::CONSUMER,
                value: Some(consumer),
            })
            .insert(Header {
                key: dead_letter_header::CURSOR,
                value: Some(letter.cursor.as_str()),
            });
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&topic).headers(headers);
        if let Some(key) = message.key() {
            record = record.key(key);
        }
        if let Some(payload) = message.payload() {
            record = record.payload(payload);
        }
        let ack = producer
            .send_result(record)
            .map_err(|(e, _)| io("dead letter", e))?;
        acks.push(async move {
            match tokio::time::timeout(DEAD_LETTER_TIMEOUT, ack).await {
                Ok(Ok(Ok(_))) => Ok(()),
                Ok(Ok(Err((error, _)))) => Err(io("dead letter", error)),
                Ok(Err(_)) => Err(io("dead letter", "producer closed")),
                Err(_) => Err(io("dead letter", "not acknowledged in time")),
            }
        });
    }
    try_join_all(acks).await?;
    Ok(())
}

/// A consumer's `<consumer>.dlq.v1` topic as a [`LetterBox`].
pub struct TopicLetters {
    settings: KafkaSettings,
    producer: FutureProducer,
    /// The records of the last listing by cursor: what a letter that fails
    /// again is produced from.
    records: Mutex<HashMap<String, OwnedMessage>>,
}

impl TopicLetters {
    pub fn new(settings: KafkaSettings, producer: FutureProducer) -> Self {
        Self {
            settings,
            producer,
            records: Mutex::new(HashMap::new()),
        }
    }
}

fn produced_at(message: &OwnedMessage) -> Option<DateTime<Utc>> {
    message
        .timestamp()
        .to_millis()
        .and_then(DateTime::from_timestamp_millis)
}

#[async_trait]
impl LetterBox for TopicLetters {
    async fn letters(
        &self,
        consumer: &str,
        _tables: &dyn Tables,
    ) -> Result<Vec<KeptLetter>, StorageError> {
        migrate(&self.settings, &[TopicSpec::dead_letters(consumer)])
            .await
            .map_err(|e| io("dead-letter topic", e))?;
        let messages = read_topic(&self.settings, &dead_letter_topic(consumer))
            .await
            .map_err(|e| io("dead-letter topic", e))?;
        // One partition: offset order is the order they were dead-lettered.
        let mut first_seen: BTreeMap<usize, String> = BTreeMap::new();
        let mut latest: HashMap<String, OwnedMessage> = HashMap::new();
        for (index, message) in messages.into_iter().enumerate() {
            let cursor = dead_letter(&message).cursor;
            if !latest.contains_key(&cursor) {
                first_seen.insert(index, cursor.clone());
            }
            latest.insert(cursor, message);
        }
        let kept = first_seen
            .values()
            .filter_map(|cursor| latest.get(cursor))
            .map(|message| KeptLetter {
                letter: dead_letter(message),
                dead_at: produced_at(message),
                event: decode(message),
            })
            .collect();
        if let Ok(mut records) = self.records.lock() {
            *records = latest;
        }
        Ok(kept)
    }

    async fn failed_again(
        &self,
        consumer: &str,
        letters: &[KeptLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        let records = self
            .records
            .lock()
            .map_err(|_| io("dead letter", "records lock poisoned"))?
            .clone();
        let mut again = Vec::with_capacity(letters.len());
        for kept in letters {
            let message = records.get(&kept.letter.cursor).ok_or_else(|| {
                io(
                    "dead letter",
                    format!("{} was not read from the topic", kept.letter.cursor),
                )
            })?;
            again.push((message, &kept.letter));
        }
        publish(&self.producer, consumer, &again).await?;
        Ok(Vec::new())
    }
}
