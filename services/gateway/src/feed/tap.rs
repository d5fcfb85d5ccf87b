//! The hand-off from a subscription to the transport that renders its
//! items: one item at a time, so the subscription reads no further ahead
//! than its stream sends, and small, because every open subscription has
//! one (a one-slot cell and two wakers, where a tokio `mpsc` channel
//! allocates a block of 32 slots and cache-padded counters per channel).

use std::any::Any;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use super::render::Renderings;
use super::store::FeedItem;

/// Put into an operation's data by a transport that renders items through
/// [`Renderings`]: the subscription passes the items it reads here.
#[derive(Clone)]
pub(crate) struct Tap(Arc<Slot>);

/// The transport's end of a [`Tap`]: the items in the order they were given.
pub(crate) struct Taps(Arc<Slot>);

/// An item a subscription read, in its order, for the transport to render.
pub(crate) struct Tapped {
    pub(crate) position: u64,
    /// The feed's item (an `Arc<FeedItem<E>>` of the feed's entry `E`).
    pub(crate) item: Arc<dyn Any + Send + Sync>,
    /// The renderings of the feed it is from.
    pub(crate) renderings: Arc<Renderings>,
}

impl Tapped {
    pub(crate) fn new<E: Send + Sync + 'static>(
        item: Arc<FeedItem<E>>,
        renderings: Arc<Renderings>,
    ) -> Tapped {
        Tapped {
            position: item.position,
            item,
            renderings,
        }
    }
}

#[derive(Default)]
struct Slot {
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    item: Option<Tapped>,
    /// The transport is gone: what is given is dropped.
    closed: bool,
    /// Waiting for an item.
    taker: Option<Waker>,
    /// Waiting for the slot to empty.
    giver: Option<Waker>,
}

impl Slot {
    fn held(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A connected tap and its end.
pub(crate) fn tap() -> (Tap, Taps) {
    let slot = Arc::new(Slot::default());
    (Tap(Arc::clone(&slot)), Taps(slot))
}

impl Tap {
    /// Hands `tapped` over once the item given before it has been taken;
    /// drops it if the transport is gone.
    pub(crate) async fn give(&self, tapped: Tapped) {
        let mut tapped = Some(tapped);
        poll_fn(|cx| {
            let mut held = self.0.held();
            if held.closed {
                return Poll::Ready(());
            }
            if held.item.is_some() {
                held.giver = Some(cx.waker().clone());
                return Poll::Pending;
            }
            held.item = tapped.take();
            if let Some(taker) = held.taker.take() {
                taker.wake();
            }
            Poll::Ready(())
        })
        .await
    }
}

impl Taps {
    /// The item given, if there is one now.
    pub(crate) fn try_take(&self) -> Option<Tapped> {
        self.0.held().take()
    }

    /// The item given, or `Pending`, `cx` to be woken when one is.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Tapped> {
        let mut held = self.0.held();
        match held.take() {
            Some(item) => Poll::Ready(item),
            None => {
                held.taker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// Forgets the waker of the last [`Taps::poll_take`], for a transport
    /// that polls the slot again itself after polling what gives to it.
    pub(crate) fn unwatch(&self) {
        self.0.held().taker = None;
    }
}

impl Held {
    /// The item held, its giver told that the slot is free.
    fn take(&mut self) -> Option<Tapped> {
        let item = self.item.take()?;
        if let Some(giver) = self.giver.take() {
            giver.wake();
        }
        Some(item)
    }
}

impl Drop for Taps {
    fn drop(&mut self) {
        let mut held = self.0.held();
        held.closed = true;
        held.item = None;
        if let Some(giver) = held.giver.take() {
            giver.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn take(taps: &Taps) -> Tapped {
        poll_fn(|cx| taps.poll_take(cx)).await
    }

    fn tapped(position: u64) -> Tapped {
        let item = Arc::new(FeedItem {
            position,
            entry: position,
        });
        Tapped::new(item, Arc::default())
    }

    #[tokio::test]
    async fn items_pass_one_at_a_time_in_order() {
        let (tap, taps) = tap();
        let giving = tokio::spawn(async move {
            for position in 1..=100 {
                tap.give(tapped(position)).await;
            }
        });
        let mut taken = Vec::new();
        for n in 0..100 {
            if n % 3 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let next = match taps.try_take() {
                Some(item) => item,
                None => take(&taps).await,
            };
            taken.push(next.position);
        }
        giving.await.expect("gives");
        assert_eq!(taken, (1..=100).collect::<Vec<_>>());
        assert!(taps.try_take().is_none(), "nothing given twice");
    }

    #[tokio::test]
    async fn the_giver_waits_for_the_slot_to_empty() {
        let (tap, taps) = tap();
        tap.give(tapped(1)).await;
        let second = tokio::time::timeout(Duration::from_millis(50), tap.give(tapped(2))).await;
        assert!(
            second.is_err(),
            "a second item waits while the first is held"
        );
        assert_eq!(take(&taps).await.position, 1);
        tap.give(tapped(3)).await;
        assert_eq!(take(&taps).await.position, 3);
    }

    #[tokio::test]
    async fn a_giver_is_released_when_the_transport_goes() {
        let (tap, taps) = tap();
        tap.give(tapped(1)).await;
        let waiting = tokio::spawn({
            let tap = tap.clone();
            async move { tap.give(tapped(2)).await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(taps);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("released")
            .expect("gives");
        tap.give(tapped(3)).await;
    }
}
