//! The items of the consumer's batches, kept for the publisher so that it
//! releases what a batch just made durable without reading it back from the
//! store. The store stays the truth: whenever what is kept does not cover
//! every position up to the watermark (after a restart, a redelivery the
//! inbox absorbed, or a gap held too long), the publisher reads the store.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::store::FeedItem;

/// Positions kept while waiting for a gap to close, at most; past it they
/// are dropped and the store is read instead.
const HELD: usize = 16_384;

/// Every position the consumer handled, with the item it wrote (if any).
type Handled<E> = BTreeMap<u64, Option<Arc<FeedItem<E>>>>;

pub(crate) struct Staged<E> {
    kept: Mutex<Kept<E>>,
}

struct Kept<E> {
    /// Handled in the batch being applied: not durable yet.
    batch: Handled<E>,
    /// The watermark the batch being applied moves the store's to.
    batch_watermark: u64,
    /// When the batch's last position was handled: its write began.
    batch_handled: Option<Instant>,
    /// In batches now durable, not yet released.
    durable: Handled<E>,
    /// The store's watermark as the durable batches left it (0 before the
    /// first batch since the start).
    watermark: u64,
}

impl<E> Default for Staged<E> {
    fn default() -> Self {
        Staged {
            kept: Mutex::new(Kept {
                batch: BTreeMap::new(),
                batch_watermark: 0,
                batch_handled: None,
                durable: BTreeMap::new(),
                watermark: 0,
            }),
        }
    }
}

impl<E> Staged<E> {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept<E>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new batch begins: what an earlier, failed attempt handled is
    /// handled again by its retry, or forgotten here.
    pub(crate) fn begin(&self) {
        let mut kept = self.kept();
        kept.batch.clear();
        kept.batch_watermark = 0;
        kept.batch_handled = None;
    }

    /// The consumer handled `position` in the current batch, writing `item`
    /// and leaving the store's watermark at `watermark`.
    pub(crate) fn handled(&self, position: u64, item: Option<FeedItem<E>>, watermark: u64) {
        let mut kept = self.kept();
        kept.batch.insert(position, item.map(Arc::new));
        kept.batch_watermark = kept.batch_watermark.max(watermark);
        kept.batch_handled = Some(Instant::now());
    }

    /// The current batch is durable; returns when its last position was
    /// handled (the start of its durable write), if it had any.
    pub(crate) fn durable(&self) -> Option<Instant> {
        let mut kept = self.kept();
        let mut batch = std::mem::take(&mut kept.batch);
        kept.durable.append(&mut batch);
        if kept.durable.len() > HELD {
            kept.durable.clear();
        }
        kept.watermark = kept.watermark.max(kept.batch_watermark);
        kept.batch_handled.take()
    }

    /// The store's watermark as the durable batches since the start left it
    /// (0 before the first).
    pub(crate) fn watermark(&self) -> u64 {
        self.kept().watermark
    }

    /// The items after `released` up to `watermark`, in position order, if
    /// every one of those positions is kept; forgets everything up to
    /// `watermark` either way.
    pub(crate) fn take(&self, released: u64, watermark: u64) -> Option<Vec<Arc<FeedItem<E>>>> {
        let mut kept = self.kept();
        let above = kept.durable.split_off(&(watermark + 1));
        let upto = std::mem::replace(&mut kept.durable, above);
        let wanted = upto.range(released + 1..);
        let complete = u64::try_from(wanted.clone().count()).ok() == Some(watermark - released);
        complete.then(|| wanted.filter_map(|(_, item)| item.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(position: u64) -> Option<FeedItem<u64>> {
        Some(FeedItem {
            position,
            entry: position * 10,
        })
    }

    fn positions(items: Option<Vec<Arc<FeedItem<u64>>>>) -> Option<Vec<u64>> {
        items.map(|items| items.iter().map(|item| item.position).collect())
    }

    #[test]
    fn only_durable_positions_covering_the_whole_range_are_released_from_memory() {
        let staged = Staged::<u64>::default();
        staged.begin();
        staged.handled(1, item(1), 0);
        staged.handled(2, None, 0);
        staged.handled(4, item(4), 0);
        assert_eq!(
            positions(staged.take(0, 1)),
            None,
            "nothing durable yet: read the store"
        );
        staged.begin();
        staged.handled(2, None, 0);
        staged.handled(3, item(3), 0);
        staged.durable();
        // 1 was forgotten above; 2 and 3 are durable.
        assert_eq!(positions(staged.take(1, 3)), Some(vec![3]));
        staged.begin();
        staged.handled(5, item(5), 0);
        staged.handled(7, item(7), 0);
        staged.durable();
        assert_eq!(
            positions(staged.take(3, 5)),
            None,
            "4 is not kept: read the store"
        );
        staged.begin();
        staged.handled(6, item(6), 0);
        staged.durable();
        assert_eq!(positions(staged.take(5, 7)), Some(vec![6, 7]));
        assert_eq!(positions(staged.take(7, 7)), Some(vec![]));
    }

    #[test]
    fn the_watermark_is_the_one_of_the_durable_batches() {
        let staged = Staged::<u64>::default();
        staged.begin();
        staged.handled(1, item(1), 1);
        staged.handled(3, item(3), 1);
        assert_eq!(staged.watermark(), 0, "nothing durable yet");
        staged.begin();
        staged.handled(1, item(1), 1);
        staged.handled(3, item(3), 1);
        staged.handled(2, item(2), 3);
        staged.durable();
        assert_eq!(staged.watermark(), 3);
        staged.begin();
        staged.handled(2, None, 3);
        staged.durable();
        assert_eq!(staged.watermark(), 3, "a redelivery moves nothing back");
        staged.begin();
        staged.handled(5, item(5), 3);
        assert_eq!(staged.watermark(), 3, "the batch is not durable yet");
    }
}
