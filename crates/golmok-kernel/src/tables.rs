use async_trait::async_trait;

/// A storage failure, kept apart from domain rejections and conflicts.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage i/o failed: {0}")]
    Io(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("storage is closed")]
    Closed,
}

/// One wide row: a partition key, a clustering key ordering rows inside the
/// partition, and an opaque value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub partition: String,
    pub clustering: String,
    pub value: Vec<u8>,
}

/// A write to a table; a batch of them is applied atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    Put {
        table: String,
        partition: String,
        clustering: String,
        value: Vec<u8>,
    },
    Delete {
        table: String,
        partition: String,
        clustering: String,
    },
}

impl Mutation {
    pub fn put(table: &str, partition: &str, clustering: &str, value: Vec<u8>) -> Self {
        Self::Put {
            table: table.to_owned(),
            partition: partition.to_owned(),
            clustering: clustering.to_owned(),
            value,
        }
    }

    pub fn delete(table: &str, partition: &str, clustering: &str) -> Self {
        Self::Delete {
            table: table.to_owned(),
            partition: partition.to_owned(),
            clustering: clustering.to_owned(),
        }
    }

    /// The table it writes.
    pub fn table(&self) -> &str {
        match self {
            Self::Put { table, .. } | Self::Delete { table, .. } => table,
        }
    }

    /// The same write to another table (a table generation's physical name).
    pub fn in_table(mut self, name: String) -> Self {
        match &mut self {
            Self::Put { table, .. } | Self::Delete { table, .. } => *table = name,
        }
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOrder {
    Ascending,
    Descending,
}

/// A page of a partition scan. `next` is the cursor to pass as `after` for the
/// following page, `None` on the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub rows: Vec<Row>,
    pub next: Option<String>,
}

/// The table port: Scylla-style wide rows, one table per query.
#[async_trait]
pub trait Tables: Send + Sync + 'static {
    async fn get(
        &self,
        table: &str,
        partition: &str,
        clustering: &str,
    ) -> Result<Option<Vec<u8>>, StorageError>;

    /// Rows of one partition in clustering order, strictly after the cursor `after`.
    async fn scan(
        &self,
        table: &str,
        partition: &str,
        after: Option<&str>,
        order: ScanOrder,
        limit: usize,
    ) -> Result<Page, StorageError>;

    /// Applies every mutation or none, durably before returning.
    async fn write(&self, batch: Vec<Mutation>) -> Result<(), StorageError>;

    /// Applies every mutation or none, like [`Tables::write`], for a batch
    /// that is derived from a durable log and can be computed again from it:
    /// a projection's rows written with its own checkpoint. Readers see the
    /// batch at once; it becomes durable with the store's next durable write
    /// (an append, a [`Tables::write`]) or soon after, whichever comes first.
    /// A crash before that loses the whole batch, never a part of it, and
    /// with it the checkpoint, so the projection applies those events again.
    /// A store without a cheaper path makes it durable before returning.
    async fn write_derived(&self, batch: Vec<Mutation>) -> Result<(), StorageError> {
        self.write(batch).await
    }
}
