//! Releasing a feed and serving it to subscriptions, the same for every
//! producer's feed. The consumer writes items into the store; after each
//! batch is durable a publisher broadcasts the items up to the watermark that
//! it has not released yet: those the consumer's batches just made durable,
//! kept in memory (`staged`), or else read from the store. The consumer's
//! task releases what it just made durable itself, right after the batch is
//! durable, when memory covers it; the publisher task does the rest. A
//! subscription first reads the store after its cursor, then follows the
//! broadcast, so nothing between the two is missed or sent twice.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::Stream;
use golmok_kernel::{
    Consumer, ConsumerHandle, DeadLetter, Delivery, EventSource, LetterBox, Mutation, StorageError,
    Tables,
};
use tokio::sync::{Mutex, Notify, broadcast};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::consumer::{FeedConsumer, Producer};
use super::render::Renderings;
use super::staged::Staged;
use super::store::{FeedItem, FeedStore};

/// Items read from the store at once (backlog pages, releases).
const PAGE: usize = 256;
/// Wait before retrying a release whose store read failed.
const RETRY: Duration = Duration::from_millis(200);

/// Why the feed could not start or be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("a feed's store failed: {0}")]
    Storage(#[from] StorageError),
    #[error("the gateway keeps no feed of {0}'s events")]
    NotFollowed(String),
}

/// The feed of producer `P`'s events: its store, what it has released and
/// the broadcast of released items. Cheap to clone.
pub(crate) struct Feed<P: Producer> {
    inner: Arc<Inner<P::Entry>>,
}

impl<P: Producer> Clone for Feed<P> {
    fn clone(&self) -> Self {
        Feed {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// A released item, shared by the subscriptions it goes to.
type Shared<E> = Arc<FeedItem<E>>;

struct Inner<E> {
    store: FeedStore<E>,
    tables: Arc<dyn Tables>,
    consumer: &'static str,
    /// Every item up to this position has been broadcast, or is being
    /// broadcast right now; set before the items are sent.
    released: AtomicU64,
    items: broadcast::Sender<Shared<E>>,
    /// Told after a batch of the consumer is durable and its items were not
    /// released from memory.
    durable: Notify,
    /// Held while releasing, by the consumer's task or the publisher.
    releasing: Mutex<()>,
    /// The items of the consumer's batches, kept until released.
    staged: Arc<Staged<E>>,
    /// The items rendered for the subscriptions (see `render`).
    renderings: Arc<Renderings>,
}

impl<P: Producer> Feed<P> {
    /// The feed over `tables`, fed by the consumer `consumer`; a subscription
    /// lagging more than `buffer` items behind re-reads the store.
    pub(crate) async fn open(
        tables: Arc<dyn Tables>,
        consumer: &'static str,
        buffer: usize,
    ) -> Result<Feed<P>, FeedError> {
        let store = FeedStore::new(Arc::clone(&tables), &P::TABLES);
        let released = store.watermark().await?;
        let (items, _) = broadcast::channel(buffer.max(1));
        Ok(Feed {
            inner: Arc::new(Inner {
                store,
                tables,
                consumer,
                released: AtomicU64::new(released),
                items,
                durable: Notify::new(),
                releasing: Mutex::new(()),
                staged: Arc::default(),
                renderings: Arc::default(),
            }),
        })
    }

    pub(crate) fn store(&self) -> &FeedStore<P::Entry> {
        &self.inner.store
    }

    /// The renderings of this feed's items, shared by the subscriptions of
    /// one operation and caller.
    pub(crate) fn renderings(&self) -> &Arc<Renderings> {
        &self.inner.renderings
    }

    /// Starts consuming the producer's events from `source` and releasing them.
    pub(crate) async fn follow<S: EventSource>(
        &self,
        source: S,
    ) -> Result<FeedFollower, FeedError> {
        let shutdown = CancellationToken::new();
        let source = Announcing {
            source,
            feed: Arc::clone(&self.inner),
            arrived: None,
        };
        let handler = Arc::new(FeedConsumer::<P> {
            name: self.inner.consumer,
            staged: Arc::clone(&self.inner.staged),
        });
        let consumer = Consumer::with_source(source, Arc::clone(&self.inner.tables), handler)
            .spawn(shutdown.child_token())
            .await?;
        let publisher = tokio::spawn(self.clone().publish(shutdown.child_token()));
        // Anything made durable before this start is released now.
        self.inner.durable.notify_one();
        Ok(FeedFollower {
            running: vec![Running {
                shutdown,
                consumer,
                publisher,
            }],
        })
    }

    async fn publish(self, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.inner.durable.notified() => {}
            }
            while let Err(error) = self.release().await {
                tracing::warn!(%error, feed = P::FEED, "releasing feed items failed; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(RETRY) => {}
                }
            }
        }
    }

    /// Broadcasts the items up to the durable watermark not released yet:
    /// from memory when the consumer's batches since the last release hold
    /// every position up to it, else from the store.
    async fn release(&self) -> Result<(), StorageError> {
        let _releasing = self.inner.releasing.lock().await;
        let watermark = self.inner.store.watermark().await?;
        let mut released = self.inner.released.load(Ordering::Acquire);
        if released >= watermark {
            return Ok(());
        }
        if let Some(items) = self.inner.staged.take(released, watermark) {
            self.inner.released.store(watermark, Ordering::Release);
            for item in items {
                let _ = self.inner.items.send(item);
            }
            return Ok(());
        }
        while released < watermark {
            let mut items = self.inner.store.items_after(released, PAGE).await?;
            let whole = items.len() < PAGE;
            items.retain(|item| item.position <= watermark);
            released = match items.last() {
                Some(last) if !whole => last.position,
                _ => watermark,
            };
            self.inner.released.store(released, Ordering::Release);
            for item in items {
                // No subscription open is no error.
                let _ = self.inner.items.send(Arc::new(item));
            }
        }
        Ok(())
    }

    /// The items `subscribed` asks for: those after its cursor in the store,
    /// then live ones as they are released, in position order.
    pub(crate) fn subscribe(
        &self,
        subscribed: Subscribed<P::Entry>,
    ) -> impl Stream<Item = Result<Shared<P::Entry>, StorageError>> + Send + use<P> {
        SubscriptionOpened.emit();
        let reader = Reader {
            // Subscribed before the store is read: nothing released
            // meanwhile is missed.
            live: self.inner.items.subscribe(),
            feed: self.clone(),
            seen: subscribed.after,
            catching_up: true,
            page: VecDeque::new(),
            subscribed,
        };
        futures::stream::unfold(Some(reader), |reader| async move {
            let mut reader = reader?;
            match reader.next().await {
                Ok(Some(item)) => Some((Ok(item), Some(reader))),
                Ok(None) => None,
                Err(error) => Some((Err(error), None)),
            }
        })
    }
}

/// What a subscription asks for.
pub(crate) struct Subscribed<E> {
    /// Whether an item is one the subscriber follows.
    pub(crate) wants: Box<dyn Fn(&E) -> bool + Send + Sync>,
    /// The position of the last item the subscriber has; 0 from the start.
    pub(crate) after: u64,
}

/// One subscription's place in the feed: small, so that many fit.
struct Reader<P: Producer> {
    feed: Feed<P>,
    live: broadcast::Receiver<Shared<P::Entry>>,
    /// Every item up to here has been considered.
    seen: u64,
    /// Reading the store (at the start, and after falling behind the broadcast).
    catching_up: bool,
    page: VecDeque<Shared<P::Entry>>,
    subscribed: Subscribed<P::Entry>,
}

impl<P: Producer> Reader<P> {
    fn wants(&self, item: &FeedItem<P::Entry>) -> bool {
        (self.subscribed.wants)(&item.entry)
    }

    /// The next item for the subscriber; `None` once the feed closes.
    async fn next(&mut self) -> Result<Option<Shared<P::Entry>>, StorageError> {
        loop {
            if let Some(item) = self.page.pop_front() {
                self.seen = item.position;
                if self.wants(&item) {
                    return Ok(Some(item));
                }
                continue;
            }
            if self.catching_up {
                let released = self.feed.inner.released.load(Ordering::Acquire);
                let mut items = if self.seen < released {
                    self.feed.inner.store.items_after(self.seen, PAGE).await?
                } else {
                    Vec::new()
                };
                items.retain(|item| item.position <= released);
                if items.is_empty() {
                    self.catching_up = false;
                }
                self.page = items.into_iter().map(Arc::new).collect();
                continue;
            }
            match self.live.recv().await {
                Ok(item) if item.position > self.seen => {
                    self.seen = item.position;
                    if self.wants(&item) {
                        return Ok(Some(item));
                    }
                }
                Ok(_) => {}
                // Fell more than the buffer behind: what it missed is in the store.
                Err(broadcast::error::RecvError::Lagged(_)) => self.catching_up = true,
                Err(broadcast::error::RecvError::Closed) => return Ok(None),
            }
        }
    }
}

impl<P: Producer> Drop for Reader<P> {
    fn drop(&mut self) {
        SubscriptionClosed.emit();
    }
}

/// A subscription to the feed opened: `golmok_gateway_feed_subscriptions` rises.
struct SubscriptionOpened;

impl SubscriptionOpened {
    fn emit(self) {
        metrics::gauge!("golmok_gateway_feed_subscriptions").increment(1.0);
    }
}

/// A subscription to the feed ended (the client went away or it failed).
struct SubscriptionClosed;

impl SubscriptionClosed {
    fn emit(self) {
        metrics::gauge!("golmok_gateway_feed_subscriptions").decrement(1.0);
    }
}

/// A consumer batch was made durable and released from memory:
/// `golmok_gateway_feed_release_seconds` (from the batch's arrival from the
/// bus to its items' broadcast) observes how long the feed held it, and
/// `golmok_gateway_feed_write_seconds` the part of it from its last event
/// handled to durable (its atomic write in the store, the fsync included,
/// and the consumer task's turn to run again after it).
struct BatchReleased {
    consumer: &'static str,
    since_arrival: Duration,
    writing: Option<Duration>,
}

impl BatchReleased {
    fn emit(self) {
        metrics::histogram!("golmok_gateway_feed_release_seconds", "consumer" => self.consumer)
            .record(self.since_arrival.as_secs_f64());
        if let Some(writing) = self.writing {
            metrics::histogram!("golmok_gateway_feed_write_seconds", "consumer" => self.consumer)
                .record(writing.as_secs_f64());
        }
    }
}

/// The running consumers and publishers of one or more feeds.
pub struct FeedFollower {
    running: Vec<Running>,
}

/// One feed's consumer and publisher.
struct Running {
    shutdown: CancellationToken,
    consumer: ConsumerHandle,
    publisher: JoinHandle<()>,
}

impl FeedFollower {
    /// Stops consuming and releasing, and waits for both.
    pub async fn stop(self) {
        for running in &self.running {
            running.shutdown.cancel();
        }
        for running in self.running {
            running.consumer.stopped().await;
            let _ = running.publisher.await;
        }
    }

    /// This follower and `other`, stopped together.
    pub fn and(mut self, other: FeedFollower) -> FeedFollower {
        self.running.extend(other.running);
        self
    }
}

impl<E> Inner<E> {
    /// Broadcasts the items the durable batches wrote up to their watermark,
    /// if memory holds every position not released yet and the publisher is
    /// not releasing; `false` when the publisher must.
    fn release_durable(&self) -> bool {
        let Ok(_releasing) = self.releasing.try_lock() else {
            return false;
        };
        let watermark = self.staged.watermark();
        let released = self.released.load(Ordering::Acquire);
        if released >= watermark {
            return true;
        }
        let Some(items) = self.staged.take(released, watermark) else {
            return false;
        };
        self.released.store(watermark, Ordering::Release);
        for item in items {
            // No subscription open is no error.
            let _ = self.items.send(item);
        }
        true
    }
}

/// The feed's source, which releases what each batch made durable (or has
/// the publisher do it).
struct Announcing<S, E> {
    source: S,
    feed: Arc<Inner<E>>,
    /// When the batch being applied came from the source.
    arrived: Option<Instant>,
}

#[async_trait]
impl<S: EventSource, E: Send + Sync + 'static> EventSource for Announcing<S, E> {
    async fn start(&mut self, consumer: &str, tables: &dyn Tables) -> Result<u64, StorageError> {
        self.source.start(consumer, tables).await
    }

    async fn next_batch(&mut self) -> Result<Vec<Delivery>, StorageError> {
        let batch = self.source.next_batch().await;
        self.feed.staged.begin();
        self.arrived = Some(Instant::now());
        batch
    }

    async fn dead_letter(
        &mut self,
        consumer: &str,
        letters: &[DeadLetter],
    ) -> Result<Vec<Mutation>, StorageError> {
        self.source.dead_letter(consumer, letters).await
    }

    fn checkpoint(&self, consumer: &str, batch: &[Delivery]) -> Vec<Mutation> {
        self.source.checkpoint(consumer, batch)
    }

    /// The batch's effects are durable: its items may be released before
    /// the source records its progress, here when memory holds them all.
    async fn committed(&mut self, batch: &[Delivery]) -> Result<u64, StorageError> {
        let handled = self.feed.staged.durable();
        let durable = Instant::now();
        if self.feed.release_durable() {
            if let Some(arrived) = self.arrived.take() {
                BatchReleased {
                    consumer: self.feed.consumer,
                    since_arrival: arrived.elapsed(),
                    writing: handled.map(|handled| durable.saturating_duration_since(handled)),
                }
                .emit();
            }
        } else {
            self.feed.durable.notify_one();
        }
        self.source.committed(batch).await
    }

    fn lag(&self) -> Option<u64> {
        self.source.lag()
    }

    fn letter_box(&self) -> Option<Arc<dyn LetterBox>> {
        self.source.letter_box()
    }
}
