//! A store whose page cache is far smaller than what it holds: every
//! conformance suite of the log and the tables still passes, and rows
//! written through a 1 MiB cache (batches larger than the cache included)
//! read back whole, before and after a reopen with another cache size.

use std::sync::Arc;

use golmok_embedded::EmbeddedStore;
use golmok_kernel::{Mutation, Tables, conformance};

fn tiny() -> (tempfile::TempDir, Arc<EmbeddedStore>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = EmbeddedStore::open_with_cache(&dir.path().join("golmok.redb"), 1)
        .expect("a store with a 1 MiB page cache");
    (dir, store)
}

macro_rules! suite_on_a_tiny_cache {
    ($($suite:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $suite() {
            let (_dir, store) = tiny();
            conformance::$suite(store).await;
        }
    )+};
}

suite_on_a_tiny_cache!(
    append_and_read_round_trip,
    expected_version_semantics,
    concurrent_writers_one_stream,
    idempotency_atomic_with_append,
    read_all_contiguous,
    tables_get_put_delete,
    tables_scan_order_and_paging,
    tables_batch_atomic,
);

/// Row `i`: 4 KiB that name their key, so a page read from the wrong place
/// cannot pass.
fn value(i: usize) -> Vec<u8> {
    format!("{i:08}").repeat(512).into_bytes()
}

async fn read_back(store: &EmbeddedStore, rows: usize) {
    for i in 0..rows {
        let got = store
            .get("cache", &format!("p{}", i % 7), &format!("{i:08}"))
            .await
            .expect("a read");
        assert_eq!(got.as_deref(), Some(value(i).as_slice()), "row {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_far_larger_than_the_cache_read_back_whole_after_a_reopen() {
    let (dir, store) = tiny();
    // 3,000 rows of 4 KiB = 12 MiB through a 1 MiB cache; the first batch
    // alone (1,000 rows, 4 MiB) is larger than the cache.
    let rows = 3_000;
    for batch in [0..1_000, 1_000..1_500, 1_500..rows] {
        let mutations = batch
            .map(|i| {
                Mutation::put(
                    "cache",
                    &format!("p{}", i % 7),
                    &format!("{i:08}"),
                    value(i),
                )
            })
            .collect();
        store.write(mutations).await.expect("a durable batch");
    }
    read_back(&store, rows).await;
    drop(store);
    let reopened = EmbeddedStore::open_with_cache(&dir.path().join("golmok.redb"), 64)
        .expect("the same file with a 64 MiB cache");
    read_back(&reopened, rows).await;
    drop(reopened);
    let reopened = EmbeddedStore::open_with_cache(&dir.path().join("golmok.redb"), 1)
        .expect("the same file with a 1 MiB cache again");
    read_back(&reopened, rows).await;
}
