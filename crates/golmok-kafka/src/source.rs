use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use futures::FutureExt;
use golmok_kernel::{DeadLetter, Delivery, EventSource, LetterBox, Mutation, StorageError, Tables};
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::producer::FutureProducer;
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use crate::admin::{TopicSpec, migrate};
use crate::cloudevents::decode;
use crate::dead_letters::{TopicLetters, publish};
use crate::error::{BusError, io};
use crate::settings::KafkaSettings;

/// Messages taken per batch at most.
const BATCH: usize = 512;

/// Headers a dead letter carries besides the original message's.
pub mod dead_letter_header {
    /// Why the consumer gave up on the message.
    pub const REASON: &str = "golmok_dlq_reason";
    /// The consumer (group) that gave up.
    pub const CONSUMER: &str = "golmok_dlq_consumer";
    /// Where the message was: `topic/partition/offset`.
    pub const CURSOR: &str = "golmok_dlq_cursor";
}

/// How often librdkafka reports a consumer's statistics (its lag among them).
const STATISTICS_INTERVAL_MS: &str = "1000";

/// Commits the stored offsets (those of durable effects) when partitions are
/// taken away, so their next owner starts after them; keeps the lag that
/// librdkafka's statistics report.
#[derive(Default)]
pub struct CommitOnRevoke {
    /// Messages behind the high watermark from the stored offsets (those of
    /// durable effects), summed over the partitions whose lag librdkafka
    /// knows; negative until the first statistics arrive.
    lag: Arc<AtomicI64>,
}

impl CommitOnRevoke {
    fn new(lag: Arc<AtomicI64>) -> Self {
        Self { lag }
    }
}

/// The lag the statistics tell: the sum over partitions of the messages
/// between the stored offset and the high watermark; `None` while no
/// partition's lag is known yet.
fn stored_lag(statistics: &Statistics) -> Option<u64> {
    let known = statistics
        .topics
        .values()
        .flat_map(|topic| topic.partitions.values())
        .filter(|partition| partition.partition >= 0 && partition.consumer_lag_stored >= 0)
        .map(|partition| partition.consumer_lag_stored.unsigned_abs());
    known.fold(None, |sum: Option<u64>, lag| {
        Some(sum.unwrap_or(0).saturating_add(lag))
    })
}

impl ClientContext for CommitOnRevoke {
    fn stats(&self, statistics: Statistics) {
        if let Some(lag) = stored_lag(&statistics) {
            self.lag
                .store(i64::try_from(lag).unwrap_or(i64::MAX), Ordering::Relaxed);
        }
    }
}

impl ConsumerContext for CommitOnRevoke {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(partitions) = rebalance {
            match consumer.commit_consumer_state(CommitMode::Sync) {
                Ok(()) => tracing::info!(
                    partitions = partitions.count(),
                    "offsets committed on revoke"
                ),
                Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
                Err(error) => tracing::warn!(%error, "committing offsets on revoke failed"),
            }
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, _offsets: &TopicPartitionList) {
        if let Err(error) = result
            && !matches!(
                error,
                KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)
            )
        {
            tracing::warn!(%error, "offset commit failed; the inbox absorbs the redelivery");
        }
    }
}

/// The Kafka adapter of the bus port: a consumer group member (group id =
/// the handler's name) reading `topics`.
///
/// Offsets are stored and committed only in [`EventSource::committed`], i.e.
/// after the batch's effects and inbox entries are durable in the consuming
/// service's tables, and again when partitions are revoked; auto-commit is
/// off. Messages that cannot be handled are produced, with the reason in
/// the `golmok_dlq_reason` header, to `<consumer>.dlq.v1` and acknowledged
/// before the batch is written.
pub struct KafkaSource {
    settings: KafkaSettings,
    topics: Vec<String>,
    consumer: Option<StreamConsumer<CommitOnRevoke>>,
    producer: FutureProducer,
    /// Delivered messages the source has not been told are done, by cursor.
    pending: HashMap<String, OwnedMessage>,
    applied: u64,
    /// Written by the consumer's statistics callback.
    lag: Arc<AtomicI64>,
}

impl KafkaSource {
    /// A source for `topics`; it joins the group when the consumer starts.
    pub fn new(settings: &KafkaSettings, topics: &[String]) -> Result<Self, BusError> {
        let producer = settings
            .client(&[("enable.idempotence", "true"), ("acks", "all")])
            .create()?;
        Ok(Self {
            settings: settings.clone(),
            topics: topics.to_vec(),
            consumer: None,
            producer,
            pending: HashMap::new(),
            applied: 0,
            lag: Arc::new(AtomicI64::new(-1)),
        })
    }

    fn consumer(&self) -> Result<&StreamConsumer<CommitOnRevoke>, StorageError> {
        self.consumer.as_ref().ok_or(StorageError::Closed)
    }

    fn deliver(&mut self, message: OwnedMessage) -> Delivery {
        let cursor = format!(
            "{}/{}/{}",
            message.topic(),
            message.partition(),
            message.offset()
        );
        let event = decode(&message);
        self.pending.insert(cursor.clone(), message);
        Delivery { cursor, event }
    }
}

#[async_trait]
impl EventSource for KafkaSource {
    async fn start(&mut self, consumer: &str, _tables: &dyn Tables) -> Result<u64, StorageError> {
        migrate(&self.settings, &[TopicSpec::dead_letters(consumer)])
            .await
            .map_err(|e| io("dead-letter topic", e))?;
        let client: StreamConsumer<CommitOnRevoke> = self
            .settings
            .client(&[
                ("group.id", consumer),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("auto.offset.reset", "earliest"),
                ("session.timeout.ms", "6000"),
                ("heartbeat.interval.ms", "500"),
                ("statistics.interval.ms", STATISTICS_INTERVAL_MS),
            ])
            .create_with_context(CommitOnRevoke::new(Arc::clone(&self.lag)))
            .map_err(|e| io("consumer", e))?;
        let topics: Vec<&str> = self.topics.iter().map(String::as_str).collect();
        client.subscribe(&topics).map_err(|e| io("subscribe", e))?;
        self.consumer = Some(client);
        Ok(self.applied)
    }

    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        let mut messages = Vec::new();
        {
            let consumer = self.consumer()?;
            let first = consumer.recv().await.map_err(|e| io("receive", e))?;
            messages.push(first.detach());
            while messages.len() < BATCH {
                match consumer.recv().now_or_never() {
                    Some(Ok(message)) => messages.push(message.detach()),
                    Some(Err(error)) => {
                        tracing::warn!(%error, "kafka receive failed");
                        break;
                    }
                    None => break,
                }
            }
        }
        Ok(messages.into_iter().map(|m| self.deliver(m)).collect())
    }

    async fn dead_letter(
        &mut self,
        consumer: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        let mut delivered = Vec::with_capacity(letters.len());
        for letter in letters {
            let Some(message) = self.pending.get(&letter.cursor) else {
                return Err(StorageError::Io(format!(
                    "dead letter for {} which was not delivered",
                    letter.cursor
                )));
            };
            delivered.push((message, letter));
        }
        publish(&self.producer, consumer, &delivered).await?;
        Ok(Vec::new())
    }

    fn checkpoint(&self, _consumer: &str, _batch: &[Delivery]) -> Vec<Mutation> {
        Vec::new()
    }

    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError> {
        let mut next: HashMap<(String, i32), i64> = HashMap::new();
        for delivery in batch {
            if let Some(message) = self.pending.remove(&delivery.cursor) {
                let offset = next
                    .entry((message.topic().to_owned(), message.partition()))
                    .or_default();
                *offset = (*offset).max(message.offset() + 1);
            }
        }
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), offset) in next {
            offsets
                .add_partition_offset(&topic, partition, Offset::Offset(offset))
                .map_err(|e| io("offsets", e))?;
        }
        self.applied += batch.len() as u64;
        let consumer = self.consumer()?;
        // The effects are durable: failing to record that only means a
        // redelivery (e.g. the partition moved meanwhile), which the inbox absorbs.
        if let Err(error) = consumer.store_offsets(&offsets) {
            tracing::warn!(%error, "storing offsets failed");
        } else if let Err(error) = consumer.commit_consumer_state(CommitMode::Async) {
            tracing::warn!(%error, "committing offsets failed");
        }
        Ok(self.applied)
    }

    /// The lag of the last statistics librdkafka reported (every second):
    /// messages past the offsets of durable effects, over the assigned
    /// partitions.
    fn lag(&self) -> Option<u64> {
        u64::try_from(self.lag.load(Ordering::Relaxed)).ok()
    }

    /// The consumer's `<consumer>.dlq.v1` topic.
    fn letter_box(&self) -> Option<Arc<dyn LetterBox>> {
        let letters = TopicLetters::new(self.settings.clone(), self.producer.clone());
        Some(Arc::new(letters))
    }
}
