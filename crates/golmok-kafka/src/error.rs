use golmok_kernel::StorageError;

/// A failure of the Kafka adapter.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("kafka client failed: {0}")]
    Client(#[from] rdkafka::error::KafkaError),
    #[error("topic {topic} cannot be created: {reason}")]
    Topic { topic: String, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A Kafka failure as the kernel's ports report it: retried like storage.
pub(crate) fn io(what: &str, error: impl std::fmt::Display) -> StorageError {
    StorageError::Io(format!("kafka {what}: {error}"))
}
