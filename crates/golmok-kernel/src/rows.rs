//! JSON rows over the [`Tables`] port: read models store their views as JSON.
//! Queries read them with [`get_json`](dyn Tables::get_json) (a damaged row is
//! logged, counted and named); consumers with [`Transaction::row`] (a damaged
//! row stops the event: it is dead-lettered).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::telemetry::decode_row;
use crate::{HandleError, StorageError, Tables, Transaction};

/// A view as the JSON bytes of a row.
pub fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("views serialize")
}

/// How a single read names its record: the partition, and the clustering key
/// when there is one.
fn record(partition: &str, clustering: &str) -> String {
    if clustering.is_empty() {
        partition.to_owned()
    } else {
        format!("{partition}/{clustering}")
    }
}

/// Why a single read-model row could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The row exists but cannot be decoded (logged and counted as a
    /// [`BadRow`](crate::telemetry::BadRow)); names the record.
    #[error("the stored record {0} cannot be read")]
    Unreadable(String),
}

impl dyn Tables {
    /// The row decoded from JSON, `None` when there is none.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
        clustering: &str,
    ) -> Result<Option<T>, RowError> {
        match self.get(table, partition, clustering).await? {
            Some(bytes) => decode_row(table, partition, clustering, &bytes)
                .map(Some)
                .ok_or_else(|| RowError::Unreadable(record(partition, clustering))),
            None => Ok(None),
        }
    }
}

impl Transaction<'_> {
    /// The row decoded from JSON (this batch's own writes first), `None` when
    /// there is none; a row that cannot be decoded is a permanent error.
    pub async fn row<T: DeserializeOwned>(
        &self,
        table: &str,
        partition: &str,
        clustering: &str,
    ) -> Result<Option<T>, HandleError> {
        match self.get(table, partition, clustering).await? {
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                HandleError::permanent(format!(
                    "read-model row {table} {} cannot be decoded: {e}",
                    record(partition, clustering)
                ))
            }),
            None => Ok(None),
        }
    }

    /// Writes `value` as the row's JSON.
    pub fn put_json<T: Serialize>(
        &mut self,
        table: &str,
        partition: &str,
        clustering: &str,
        value: &T,
    ) {
        self.put(table, partition, clustering, json(value));
    }
}
