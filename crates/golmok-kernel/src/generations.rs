//! Table generations: how a rebuilt read model replaces the live one in one
//! write. A read model's logical table (`storefront_order_by_id`) is stored
//! under a physical name: the logical name itself at generation 0, else
//! `<table>~g<generation>`. The current generation of every table that has
//! moved past 0 is one row of [`TABLE_GENERATIONS`]; a rebuild fills the next
//! generation and then swaps by writing those rows (see `rebuild.rs`).
//! [`Generations`] is the [`Tables`] a service reads and writes through: it
//! sends each logical name to the current physical table.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::{Mutation, Page, Row, ScanOrder, StorageError, Tables};

/// Current generation of each moved table (partition [`GENERATIONS_PARTITION`],
/// clustering = logical table name, value = generation as 8 big-endian bytes).
pub const TABLE_GENERATIONS: &str = "table_generations";
/// The single partition of [`TABLE_GENERATIONS`].
pub const GENERATIONS_PARTITION: &str = "all";

/// Rows a page of [`WholeTables::rows_after`] holds when digesting or clearing.
const PAGE: usize = 4_096;

/// The physical table that holds `table` at `generation`.
pub fn physical_table(table: &str, generation: u64) -> String {
    if generation == 0 {
        table.to_owned()
    } else {
        format!("{table}~g{generation}")
    }
}

/// A store that can list every row of a table, across partitions: what a
/// rebuild needs to hash a read model and to delete a retired generation.
/// Both adapters have it: the embedded one walks its ordered key space; the
/// CQL one walks its partition index (`table_partitions`, schema version 2),
/// since `rows` holds one CQL partition per (table, partition) in token order.
#[async_trait]
pub trait WholeTables: Tables {
    /// Rows of the physical `table` in (partition, clustering) order,
    /// strictly after the key `after`, at most `limit`.
    async fn rows_after(
        &self,
        table: &str,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<Row>, StorageError>;

    /// Deletes every row of the physical `table`; returns how many there
    /// were. Safe to repeat after a crash. The default deletes a page of
    /// rows per write; an adapter with a cheaper way (the CQL one deletes
    /// whole partitions, then its index of the table) overrides it.
    async fn clear(&self, table: &str) -> Result<u64, StorageError> {
        delete_rows(self, table).await
    }
}

/// The current generation of every table that has one (absent = 0).
pub async fn current_generations(
    tables: &dyn Tables,
) -> Result<HashMap<String, u64>, StorageError> {
    let mut generations = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = tables
            .scan(
                TABLE_GENERATIONS,
                GENERATIONS_PARTITION,
                after.as_deref(),
                ScanOrder::Ascending,
                PAGE,
            )
            .await?;
        for row in page.rows {
            let bytes: [u8; 8] = row.value.as_slice().try_into().map_err(|_| {
                StorageError::Corrupt(format!("generation of table {}", row.clustering))
            })?;
            generations.insert(row.clustering, u64::from_be_bytes(bytes));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(generations),
        }
    }
}

/// The write that makes `generation` the current one of `table`.
pub fn generation_write(table: &str, generation: u64) -> Mutation {
    Mutation::put(
        TABLE_GENERATIONS,
        GENERATIONS_PARTITION,
        table,
        generation.to_be_bytes().to_vec(),
    )
}

/// [`Tables`] under logical names, each sent to its physical table.
pub struct Generations {
    inner: Arc<dyn Tables>,
    physical: HashMap<String, String>,
}

impl Generations {
    /// `inner` as a service sees it: every table at its current generation.
    /// Without any generation past 0 that is `inner` itself, unwrapped.
    pub async fn open(inner: Arc<dyn Tables>) -> Result<Arc<dyn Tables>, StorageError> {
        let current = current_generations(inner.as_ref()).await?;
        if current.values().all(|generation| *generation == 0) {
            return Ok(inner);
        }
        Ok(Arc::new(Self::with(inner, current)))
    }

    /// `inner` with each table of `generations` at the generation given.
    pub fn with(inner: Arc<dyn Tables>, generations: HashMap<String, u64>) -> Self {
        let physical = generations
            .into_iter()
            .map(|(table, generation)| {
                let name = physical_table(&table, generation);
                (table, name)
            })
            .collect();
        Self { inner, physical }
    }

    fn name<'a>(&'a self, table: &'a str) -> &'a str {
        self.physical.get(table).map_or(table, String::as_str)
    }

    fn rename(&self, mutation: Mutation) -> Mutation {
        match self.physical.get(mutation.table()) {
            Some(name) => mutation.in_table(name.clone()),
            None => mutation,
        }
    }
}

#[async_trait]
impl Tables for Generations {
    async fn get(
        &self,
        table: &str,
        partition: &str,
        clustering: &str,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner
            .get(self.name(table), partition, clustering)
            .await
    }

    async fn scan(
        &self,
        table: &str,
        partition: &str,
        after: Option<&str>,
        order: ScanOrder,
        limit: usize,
    ) -> Result<Page, StorageError> {
        self.inner
            .scan(self.name(table), partition, after, order, limit)
            .await
    }

    async fn write(&self, batch: Vec<Mutation>) -> Result<(), StorageError> {
        let batch = batch.into_iter().map(|m| self.rename(m)).collect();
        self.inner.write(batch).await
    }

    async fn write_derived(&self, batch: Vec<Mutation>) -> Result<(), StorageError> {
        let batch = batch.into_iter().map(|m| self.rename(m)).collect();
        self.inner.write_derived(batch).await
    }
}

/// A content hash (SHA-256, hex) of the logical `table` at its current
/// generation: every row in (partition, clustering) order, each field
/// length-prefixed. Equal hashes mean equal read models, whatever the
/// generation that holds them.
pub async fn table_digest(store: &dyn WholeTables, table: &str) -> Result<String, StorageError> {
    let generation = current_generations(store)
        .await?
        .get(table)
        .copied()
        .unwrap_or(0);
    let physical = physical_table(table, generation);
    let mut hasher = Sha256::new();
    let mut last: Option<(String, String)> = None;
    loop {
        let after = last.as_ref().map(|(p, c)| (p.as_str(), c.as_str()));
        let rows = store.rows_after(&physical, after, PAGE).await?;
        for row in &rows {
            for field in [
                row.partition.as_bytes(),
                row.clustering.as_bytes(),
                &row.value,
            ] {
                hasher.update((field.len() as u64).to_be_bytes());
                hasher.update(field);
            }
        }
        match rows.into_iter().last() {
            Some(row) => last = Some((row.partition, row.clustering)),
            None => break,
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Deletes every row of the physical `table` ([`WholeTables::clear`]);
/// returns how many there were. Safe to repeat after a crash.
pub async fn clear_table(store: &dyn WholeTables, table: &str) -> Result<u64, StorageError> {
    store.clear(table).await
}

/// Deletes every row of the physical `table`, a page per write.
async fn delete_rows<S: WholeTables + ?Sized>(store: &S, table: &str) -> Result<u64, StorageError> {
    let mut deleted = 0;
    loop {
        let rows = store.rows_after(table, None, PAGE).await?;
        if rows.is_empty() {
            return Ok(deleted);
        }
        deleted += rows.len() as u64;
        let deletes = rows
            .into_iter()
            .map(|row| Mutation::Delete {
                table: table.to_owned(),
                partition: row.partition,
                clustering: row.clustering,
            })
            .collect();
        store.write(deletes).await?;
    }
}
