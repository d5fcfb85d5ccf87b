//! The table port: point reads and writes, partition scans, atomic batches.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::task::JoinSet;

use super::support::{unique, within};
use crate::{Mutation, Page, ScanOrder, Tables};

async fn get(
    tables: &dyn Tables,
    table: &str,
    partition: &str,
    clustering: &str,
) -> Option<Vec<u8>> {
    tables
        .get(table, partition, clustering)
        .await
        .unwrap_or_else(|e| panic!("get({table}, {partition}, {clustering}) failed: {e}"))
}

async fn write(tables: &dyn Tables, batch: Vec<Mutation>) {
    tables
        .write(batch)
        .await
        .unwrap_or_else(|e| panic!("write failed: {e}"));
}

async fn scan(
    tables: &dyn Tables,
    table: &str,
    partition: &str,
    after: Option<&str>,
    order: ScanOrder,
    limit: usize,
) -> Page {
    tables
        .scan(table, partition, after, order, limit)
        .await
        .unwrap_or_else(|e| {
            panic!("scan({table}, {partition}, {after:?}, {order:?}, {limit}) failed: {e}")
        })
}

/// Point reads see the last write; empty values are values; tables and
/// partitions are isolated; deletes (also of missing rows) work; mutations of
/// one batch apply in order.
pub async fn tables_get_put_delete(tables: Arc<dyn Tables>) {
    let tables = tables.as_ref();
    let table = unique("t");
    let other_table = unique("t-other");
    let (p, c) = ("골목-1", "row");
    assert_eq!(
        get(tables, &table, p, c).await,
        None,
        "a missing row has a value"
    );

    write(tables, vec![Mutation::put(&table, p, c, b"v1".to_vec())]).await;
    assert_eq!(get(tables, &table, p, c).await, Some(b"v1".to_vec()));
    write(tables, vec![Mutation::put(&table, p, c, b"v2".to_vec())]).await;
    assert_eq!(
        get(tables, &table, p, c).await,
        Some(b"v2".to_vec()),
        "overwrite"
    );
    assert_eq!(
        get(tables, &other_table, p, c).await,
        None,
        "rows leak across tables"
    );
    assert_eq!(
        get(tables, &table, "골목-2", c).await,
        None,
        "rows leak across partitions"
    );
    assert_eq!(
        get(tables, &table, p, "row2").await,
        None,
        "rows leak across clustering keys"
    );

    write(tables, vec![Mutation::put(&table, p, "", Vec::new())]).await;
    assert_eq!(
        get(tables, &table, p, "").await,
        Some(Vec::new()),
        "an empty value must read back as present (inbox entries are empty)"
    );

    write(tables, vec![Mutation::delete(&table, p, c)]).await;
    assert_eq!(get(tables, &table, p, c).await, None, "delete");
    write(tables, vec![Mutation::delete(&table, p, "never-written")]).await;

    write(
        tables,
        vec![
            Mutation::put(&table, p, "a", b"gone".to_vec()),
            Mutation::delete(&table, p, "a"),
            Mutation::delete(&table, p, "b"),
            Mutation::put(&table, p, "b", b"kept".to_vec()),
            Mutation::put(&table, p, "c", b"first".to_vec()),
            Mutation::put(&table, p, "c", b"last".to_vec()),
        ],
    )
    .await;
    assert_eq!(
        get(tables, &table, p, "a").await,
        None,
        "put then delete in one batch"
    );
    assert_eq!(
        get(tables, &table, p, "b").await,
        Some(b"kept".to_vec()),
        "delete then put"
    );
    assert_eq!(
        get(tables, &table, p, "c").await,
        Some(b"last".to_vec()),
        "last put wins"
    );
    write(tables, Vec::new()).await;
}

fn clustering_keys() -> Vec<String> {
    let mut keys: Vec<String> = (0..25).map(|i| format!("k{i:02}")).collect();
    keys.push(String::new());
    keys.push("k05a".into());
    keys.push("골목".into());
    keys.sort();
    keys
}

/// Reads a whole partition with `scan` pages of `limit`, checking each page's
/// size and cursor.
async fn scan_all(
    tables: &dyn Tables,
    table: &str,
    partition: &str,
    order: ScanOrder,
    limit: usize,
) -> Vec<String> {
    let mut keys = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..1_000 {
        let page = scan(tables, table, partition, after.as_deref(), order, limit).await;
        assert!(
            page.rows.len() <= limit,
            "a page of {} rows for limit {limit}",
            page.rows.len()
        );
        for row in &page.rows {
            assert_eq!(
                row.partition, partition,
                "a scan returned another partition's row"
            );
        }
        keys.extend(page.rows.iter().map(|r| r.clustering.clone()));
        match page.next {
            Some(next) => {
                assert_eq!(page.rows.len(), limit, "a short page must be the last one");
                assert_eq!(
                    Some(&next),
                    page.rows.last().map(|r| &r.clustering),
                    "the cursor must be the last row's clustering key"
                );
                after = Some(next);
            }
            None => return keys,
        }
    }
    panic!("scan of {partition} never reached its last page");
}

/// Scans return one partition in clustering order, ascending or descending,
/// strictly after the cursor, paged with `next` until `None` on the last page
/// (also when the last page is exactly full).
pub async fn tables_scan_order_and_paging(tables: Arc<dyn Tables>) {
    let tables = tables.as_ref();
    let table = unique("scan");
    let partition = "shop";
    let keys = clustering_keys();
    let mut shuffled = keys.clone();
    shuffled.reverse();
    shuffled.rotate_left(7);
    let mut batch: Vec<Mutation> = shuffled
        .iter()
        .map(|k| Mutation::put(&table, partition, k, k.as_bytes().to_vec()))
        .collect();
    for neighbour in ["sho", "shop\u{0}", "shop-2", "shopx", "Shop"] {
        batch.push(Mutation::put(
            &table,
            neighbour,
            "k10",
            b"neighbour".to_vec(),
        ));
        batch.push(Mutation::put(&table, neighbour, "", b"neighbour".to_vec()));
    }
    batch.push(Mutation::put(
        &unique("scan-other"),
        partition,
        "k10",
        b"x".to_vec(),
    ));
    write(tables, batch).await;

    let whole = scan(tables, &table, partition, None, ScanOrder::Ascending, 100).await;
    assert_eq!(
        whole.next, None,
        "a scan that returned everything must have no next"
    );
    let values: Vec<_> = whole.rows.iter().map(|r| r.value.clone()).collect();
    let expected_values: Vec<_> = keys.iter().map(|k| k.as_bytes().to_vec()).collect();
    assert_eq!(values, expected_values, "ascending scan order or values");

    let descending: Vec<String> = keys.iter().rev().cloned().collect();
    for limit in [1, 3, 10, keys.len(), keys.len() + 1] {
        assert_eq!(
            scan_all(tables, &table, partition, ScanOrder::Ascending, limit).await,
            keys,
            "ascending paging with limit {limit}"
        );
        assert_eq!(
            scan_all(tables, &table, partition, ScanOrder::Descending, limit).await,
            descending,
            "descending paging with limit {limit}"
        );
    }

    let after_missing = scan(
        tables,
        &table,
        partition,
        Some("k05b"),
        ScanOrder::Ascending,
        2,
    )
    .await;
    let got: Vec<_> = after_missing
        .rows
        .iter()
        .map(|r| r.clustering.as_str())
        .collect();
    assert_eq!(
        got,
        ["k06", "k07"],
        "ascending after a cursor that is not a row"
    );
    let before_missing = scan(
        tables,
        &table,
        partition,
        Some("k05b"),
        ScanOrder::Descending,
        2,
    )
    .await;
    let got: Vec<_> = before_missing
        .rows
        .iter()
        .map(|r| r.clustering.as_str())
        .collect();
    assert_eq!(
        got,
        ["k05a", "k05"],
        "descending after a cursor that is not a row"
    );
    let after_last = scan(
        tables,
        &table,
        partition,
        Some("골목"),
        ScanOrder::Ascending,
        5,
    )
    .await;
    assert!(
        after_last.rows.is_empty() && after_last.next.is_none(),
        "scan after the last row"
    );

    let empty = scan(tables, &table, "nobody", None, ScanOrder::Descending, 5).await;
    assert!(
        empty.rows.is_empty() && empty.next.is_none(),
        "an empty partition"
    );
}

/// A batch is applied whole: concurrent scans of a partition see every row of
/// a batch at the same version, never a mix; batches from many tasks all land.
pub async fn tables_batch_atomic(tables: Arc<dyn Tables>) {
    let table = unique("atomic");
    let rows_per_batch = 40;
    let batches = 30_u32;
    let batch = |version: u32| -> Vec<Mutation> {
        let mut mutations: Vec<Mutation> = (0..rows_per_batch)
            .map(|r| {
                Mutation::put(
                    &table,
                    "p",
                    &format!("r{r:03}"),
                    version.to_be_bytes().to_vec(),
                )
            })
            .collect();
        mutations.push(Mutation::put(
            &table,
            "other",
            "version",
            version.to_be_bytes().to_vec(),
        ));
        mutations
    };
    write(tables.as_ref(), batch(0)).await;
    let done = Arc::new(AtomicBool::new(false));
    let mut readers = JoinSet::new();
    for _ in 0..2 {
        let (tables, done, table) = (Arc::clone(&tables), Arc::clone(&done), table.clone());
        readers.spawn(async move {
            let mut scans = 0_u32;
            while !done.load(Ordering::Acquire) || scans == 0 {
                let page = scan(
                    tables.as_ref(),
                    &table,
                    "p",
                    None,
                    ScanOrder::Ascending,
                    100,
                )
                .await;
                assert_eq!(
                    page.rows.len(),
                    rows_per_batch,
                    "a scan saw a partial batch"
                );
                let first = &page.rows[0].value;
                assert!(
                    page.rows.iter().all(|r| &r.value == first),
                    "a scan saw rows of two different batches"
                );
                scans += 1;
                tokio::task::yield_now().await;
            }
            scans
        });
    }
    for version in 1..=batches {
        write(tables.as_ref(), batch(version)).await;
    }
    done.store(true, Ordering::Release);
    while let Some(joined) = within("scans during batch writes", readers.join_next()).await {
        assert!(joined.expect("reader panicked") > 0);
    }
    let last = batches.to_be_bytes().to_vec();
    assert_eq!(
        get(tables.as_ref(), &table, "other", "version").await,
        Some(last.clone())
    );
    assert_eq!(get(tables.as_ref(), &table, "p", "r039").await, Some(last));

    let mut writers = JoinSet::new();
    for task in 0..16 {
        let (tables, table) = (Arc::clone(&tables), table.clone());
        writers.spawn(async move {
            let batch = (0..5)
                .map(|r| Mutation::put(&table, &format!("w{task}"), &format!("{r}"), vec![task]))
                .collect();
            write(tables.as_ref(), batch).await;
        });
    }
    while let Some(joined) = within("concurrent batch writers", writers.join_next()).await {
        joined.expect("writer panicked");
    }
    for task in 0..16_u8 {
        let page = scan(
            tables.as_ref(),
            &table,
            &format!("w{task}"),
            None,
            ScanOrder::Ascending,
            10,
        )
        .await;
        assert_eq!(page.rows.len(), 5, "batch of writer {task}");
        assert!(page.rows.iter().all(|r| r.value == [task]));
    }
}

/// Written rows survive closing and reopening the store. `open` opens the
/// same store again each time it is called; the suite drops every handle
/// before calling it again.
pub async fn tables_survive_reopen<F, Fut>(open: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Tables>>,
{
    let table = unique("durable");
    {
        let tables = open().await;
        write(
            tables.as_ref(),
            vec![
                Mutation::put(&table, "p", "a", b"1".to_vec()),
                Mutation::put(&table, "p", "b", b"2".to_vec()),
                Mutation::put(&table, "q", "", Vec::new()),
            ],
        )
        .await;
        write(tables.as_ref(), vec![Mutation::delete(&table, "p", "b")]).await;
    }
    let tables = open().await;
    let page = scan(tables.as_ref(), &table, "p", None, ScanOrder::Ascending, 10).await;
    let rows: Vec<_> = page
        .rows
        .iter()
        .map(|r| (r.clustering.as_str(), r.value.as_slice()))
        .collect();
    assert_eq!(rows, [("a", b"1".as_slice())], "rows after reopen");
    assert_eq!(
        get(tables.as_ref(), &table, "q", "").await,
        Some(Vec::new())
    );
}
