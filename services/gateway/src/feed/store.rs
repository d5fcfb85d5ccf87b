//! A feed's tables in the gateway's own store: the feed items by the
//! producer's log position and the watermark up to which every position has
//! been seen. What a producer's feed keeps besides (tie-ins, promotions,
//! orders, creators) is its own module's.

use std::marker::PhantomData;
use std::sync::Arc;

use golmok_kernel::{HandleError, ScanOrder, StorageError, Tables, Transaction};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The names of one feed's tables.
pub(crate) struct FeedTables {
    /// Partition [`ALL`], clustering the zero-padded position.
    pub(crate) items: &'static str,
    /// Positions seen above the watermark (partition [`ALL`], clustering the
    /// zero-padded position).
    pub(crate) pending: &'static str,
    /// The watermark (partition [`ALL`], no clustering), big-endian `u64`.
    pub(crate) watermark: &'static str,
}

const ALL: &str = "all";

/// One item of a feed: the producer's log position (its cursor) and what
/// the producer's feed says happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FeedItem<E> {
    pub(crate) position: u64,
    #[serde(flatten)]
    pub(crate) entry: E,
}

/// The clustering key of a position: zero-padded, so that keys sort as numbers.
fn key(position: u64) -> String {
    format!("{position:020}")
}

/// Reads of a feed's tables.
pub(crate) struct FeedStore<E> {
    tables: Arc<dyn Tables>,
    names: &'static FeedTables,
    entry: PhantomData<fn() -> E>,
}

impl<E> Clone for FeedStore<E> {
    fn clone(&self) -> Self {
        FeedStore {
            tables: Arc::clone(&self.tables),
            names: self.names,
            entry: PhantomData,
        }
    }
}

impl<E: DeserializeOwned> FeedStore<E> {
    pub(crate) fn new(tables: Arc<dyn Tables>, names: &'static FeedTables) -> FeedStore<E> {
        FeedStore {
            tables,
            names,
            entry: PhantomData,
        }
    }

    /// The store the feed's tables are in (for a producer's own tables).
    pub(crate) fn tables(&self) -> &dyn Tables {
        self.tables.as_ref()
    }

    /// Every position up to it has been seen: items up to it may be released.
    pub(crate) async fn watermark(&self) -> Result<u64, StorageError> {
        decode_watermark(self.tables.get(self.names.watermark, ALL, "").await?)
    }

    /// Up to `limit` items after position `after`, in position order.
    pub(crate) async fn items_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<FeedItem<E>>, StorageError> {
        let page = self
            .tables
            .scan(
                self.names.items,
                ALL,
                Some(&key(after)),
                ScanOrder::Ascending,
                limit,
            )
            .await?;
        page.rows
            .iter()
            .map(|row| {
                serde_json::from_slice(&row.value).map_err(|e| {
                    StorageError::Corrupt(format!("feed item {}: {e}", row.clustering))
                })
            })
            .collect()
    }
}

fn decode_watermark(bytes: Option<Vec<u8>>) -> Result<u64, StorageError> {
    match bytes {
        None => Ok(0),
        Some(bytes) => {
            let bytes: [u8; 8] = bytes
                .try_into()
                .map_err(|_| StorageError::Corrupt("the feed's watermark".to_owned()))?;
            Ok(u64::from_be_bytes(bytes))
        }
    }
}

/// A feed's writes inside a consumer batch.
pub(crate) struct FeedWrites<'t, 'a, E> {
    /// The batch's transaction (a producer's feed keeps its own tables in it too).
    pub(crate) tx: &'t mut Transaction<'a>,
    names: &'static FeedTables,
    /// The item written, if any.
    pub(crate) written: Option<FeedItem<E>>,
}

impl<'t, 'a, E: Serialize> FeedWrites<'t, 'a, E> {
    pub(crate) fn new(tx: &'t mut Transaction<'a>, names: &'static FeedTables) -> Self {
        FeedWrites {
            tx,
            names,
            written: None,
        }
    }

    /// Records that `position` was seen and moves the watermark over every
    /// position now seen without a gap; returns the watermark. Positions at
    /// or below the watermark were seen already.
    pub(crate) async fn seen(&mut self, position: u64) -> Result<u64, HandleError> {
        let names = self.names;
        let mut watermark = decode_watermark(self.tx.get(names.watermark, ALL, "").await?)?;
        if position <= watermark {
            return Ok(watermark);
        }
        self.tx.put(names.pending, ALL, &key(position), Vec::new());
        while self
            .tx
            .get(names.pending, ALL, &key(watermark + 1))
            .await?
            .is_some()
        {
            watermark += 1;
            self.tx.delete(names.pending, ALL, &key(watermark));
        }
        self.tx
            .put(names.watermark, ALL, "", watermark.to_be_bytes().to_vec());
        Ok(watermark)
    }

    /// The item at `position`.
    pub(crate) fn item(&mut self, position: u64, entry: E) {
        let item = FeedItem { position, entry };
        self.tx
            .put_json(self.names.items, ALL, &key(item.position), &item);
        self.written = Some(item);
    }
}
