use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;

use crate::error::BusError;
use crate::settings::{KafkaSettings, dead_letter_topic, events_topic};

const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// A topic `migrate` makes sure exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    /// Replicas per partition (3 on a production cluster, 1 on one broker).
    pub replication: i32,
    /// How long records are kept; `None` keeps them forever.
    pub retention: Option<Duration>,
}

impl TopicSpec {
    /// The events topic of `service`.
    pub fn events(service: &str, partitions: i32, retention: Option<Duration>) -> Self {
        Self {
            name: events_topic(service),
            partitions,
            replication: 1,
            retention,
        }
    }

    /// The dead-letter topic of `consumer`: one partition, kept forever.
    pub fn dead_letters(consumer: &str) -> Self {
        Self {
            name: dead_letter_topic(consumer),
            partitions: 1,
            replication: 1,
            retention: None,
        }
    }

    /// The same topic with `replication` replicas per partition.
    pub fn replicated(self, replication: i32) -> Self {
        Self {
            replication,
            ..self
        }
    }
}

/// What `migrate` did with a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicOutcome {
    Created,
    /// The topic was there already (its settings are left as they are);
    /// `partitions` is what it has.
    Existed {
        partitions: usize,
    },
}

/// Creates the topics that do not exist yet; safe to run any number of
/// times. Existing topics are not changed: adding partitions would move keys
/// to other partitions and break the per-stream order.
pub async fn migrate(
    settings: &KafkaSettings,
    topics: &[TopicSpec],
) -> Result<Vec<(String, TopicOutcome)>, BusError> {
    let admin: AdminClient<DefaultClientContext> = settings.client(&[]).create()?;
    let retention: Vec<String> = topics
        .iter()
        .map(|t| {
            t.retention
                .map_or_else(|| "-1".to_owned(), |r| r.as_millis().to_string())
        })
        .collect();
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .zip(&retention)
        .map(|(topic, retention)| {
            NewTopic::new(
                &topic.name,
                topic.partitions,
                TopicReplication::Fixed(topic.replication),
            )
            .set("retention.ms", retention)
        })
        .collect();
    let results = admin
        .create_topics(
            &new,
            &AdminOptions::new().operation_timeout(Some(METADATA_TIMEOUT)),
        )
        .await?;
    let mut outcomes = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(name) => outcomes.push((name, TopicOutcome::Created)),
            Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                let lookup = (settings.clone(), name.clone());
                let partitions =
                    tokio::task::spawn_blocking(move || partition_count(&lookup.0, &lookup.1))
                        .await
                        .map_err(|e| BusError::Topic {
                            topic: name.clone(),
                            reason: e.to_string(),
                        })??;
                outcomes.push((name, TopicOutcome::Existed { partitions }));
            }
            Err((topic, code)) => {
                return Err(BusError::Topic {
                    topic,
                    reason: code.to_string(),
                });
            }
        }
    }
    Ok(outcomes)
}

/// The number of partitions `topic` has (0 when it does not exist). Blocks.
pub fn partition_count(settings: &KafkaSettings, topic: &str) -> Result<usize, BusError> {
    let client: BaseConsumer = settings.client(&[]).create()?;
    let metadata = client.fetch_metadata(Some(topic), METADATA_TIMEOUT)?;
    Ok(metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .map_or(0, |t| t.partitions().len()))
}
