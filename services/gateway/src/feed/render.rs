//! Rendering a released item once for every subscription of the same
//! request. What a feed item's selection set gives depends only on the
//! operation (query, operation name, variables, extensions), on who asks (the
//! actor) and on the item; subscriptions that agree on all of it are sent the
//! same bytes, rendered by whichever of them asks first. Each subscription
//! still reads the feed itself (its cursor, its catch-up, its re-read of the
//! store after lagging): only the rendering of an item is shared.
//!
//! A transport that shares puts a [`Tap`](super::Tap) into the operation's data: the
//! subscription resolver then passes each item it reads to the tap instead of
//! having the executor run the selection set on it, and the transport asks
//! [`Renderings::render`] for the item's bytes, which runs the same operation
//! once more, for that one item ([`RenderOne`]), when no subscription of that
//! request has rendered it yet.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::Response;
use axum::body::Bytes;
use tokio::sync::OnceCell;

use super::store::FeedItem;

/// Items rendered kept per feed (each a few hundred bytes), the oldest
/// forgotten first; a subscription far behind renders what it reads again.
const KEPT: usize = 1024;

/// An item's result for one operation and caller.
pub(crate) struct Rendered {
    /// `None` when the item gives no result for the operation.
    pub(crate) response: Option<Response>,
    /// What an SSE stream sends for it, made once.
    sse: OnceLock<Framed>,
}

/// An SSE frame and the error codes its response carried (counted for
/// every stream it is sent to).
pub(crate) struct Framed {
    pub(crate) frame: Bytes,
    pub(crate) codes: Vec<Option<String>>,
}

impl Rendered {
    pub(crate) fn new(response: Option<Response>) -> Rendered {
        Rendered {
            response,
            sse: OnceLock::new(),
        }
    }

    /// The SSE frame of the result, made by `frame` for the first stream
    /// that asks.
    pub(crate) fn sse(&self, frame: impl FnOnce(&Response) -> Framed) -> Option<&Framed> {
        let response = self.response.as_ref()?;
        Some(self.sse.get_or_init(|| frame(response)))
    }

    /// A copy of the result, for a transport that frames it itself.
    pub(crate) fn response(&self) -> Option<Response> {
        self.response.as_ref().map(copy)
    }
}

/// A copy of `response` (which is not `Clone`).
pub(crate) fn copy(response: &Response) -> Response {
    let mut copy = Response::new(response.data.clone());
    copy.extensions = response.extensions.clone();
    copy.cache_control = response.cache_control;
    copy.errors = response.errors.clone();
    copy.http_headers = response.http_headers.clone();
    copy
}

/// An item's rendering, computed once by the first subscription that asks.
type Cell = Arc<OnceCell<Arc<Rendered>>>;

/// The renderings of one feed's items, by operation and caller (the key a
/// transport gives) and position.
#[derive(Default)]
pub(crate) struct Renderings {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    cells: HashMap<(Arc<str>, u64), Cell>,
    order: VecDeque<(Arc<str>, u64)>,
}

impl Renderings {
    /// The rendering of the item at `position` for the subscriptions of
    /// `key`: the one kept, or else what `render` gives (once, however many
    /// subscriptions ask at the same time).
    pub(crate) async fn render<F, Fut>(
        &self,
        key: &Arc<str>,
        position: u64,
        render: F,
    ) -> Arc<Rendered>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Rendered>,
    {
        let cell = self.cell(key, position);
        Arc::clone(
            cell.get_or_init(|| async {
                let started = std::time::Instant::now();
                let rendered = Arc::new(render().await);
                ItemRendered {
                    took: started.elapsed(),
                }
                .emit();
                rendered
            })
            .await,
        )
    }

    fn cell(&self, key: &Arc<str>, position: u64) -> Cell {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let entry = (Arc::clone(key), position);
        if let Some(cell) = kept.cells.get(&entry) {
            return Arc::clone(cell);
        }
        let cell = Cell::default();
        kept.cells.insert(entry.clone(), Arc::clone(&cell));
        kept.order.push_back(entry);
        while kept.order.len() > KEPT {
            if let Some(oldest) = kept.order.pop_front() {
                kept.cells.remove(&oldest);
            }
        }
        cell
    }

    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .cells
            .len()
    }
}

/// An item was rendered for one operation and caller:
/// `golmok_gateway_feed_render_seconds` observes how long it took (once per
/// item and key, by the first subscription that asked).
struct ItemRendered {
    took: std::time::Duration,
}

impl ItemRendered {
    fn emit(self) {
        metrics::histogram!("golmok_gateway_feed_render_seconds").record(self.took.as_secs_f64());
    }
}

/// Put into an operation's data to render one item read by another
/// subscription of the same operation and caller: the subscription checks
/// the caller as always, then gives just this item (if it wants it).
pub(crate) struct RenderOne(pub(crate) Arc<dyn Any + Send + Sync>);

impl RenderOne {
    /// The item, if it is one of the feed of entry `E`.
    pub(crate) fn item<E: Send + Sync + 'static>(&self) -> Option<Arc<FeedItem<E>>> {
        Arc::clone(&self.0).downcast::<FeedItem<E>>().ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn rendered(text: &str) -> Rendered {
        Rendered::new(Some(Response::new(async_graphql::Value::from(text))))
    }

    fn text(rendered: &Rendered) -> String {
        let response = rendered.response().expect("a result");
        response
            .data
            .into_json()
            .expect("JSON")
            .as_str()
            .expect("text")
            .to_owned()
    }

    #[tokio::test]
    async fn an_item_is_rendered_once_per_operation_and_caller() {
        let renderings = Arc::new(Renderings::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let (mama, other): (Arc<str>, Arc<str>) = ("mama".into(), "other".into());
        let asks = (0..50).map(|n| {
            let (renderings, runs) = (Arc::clone(&renderings), Arc::clone(&runs));
            let key = if n % 2 == 0 { &mama } else { &other }.clone();
            tokio::spawn(async move {
                let frame = renderings
                    .render(&key, 7, || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        rendered(&format!("{key} 7"))
                    })
                    .await;
                (key, text(&frame))
            })
        });
        for ask in futures::future::join_all(asks).await {
            let (key, frame) = ask.expect("renders");
            assert_eq!(
                frame,
                format!("{key} 7"),
                "each caller gets its own rendering"
            );
        }
        assert_eq!(runs.load(Ordering::SeqCst), 2, "once per key");
        let again = renderings
            .render(&mama, 8, || async { rendered("mama 8") })
            .await;
        assert_eq!(
            text(&again),
            "mama 8",
            "another position is another rendering"
        );
    }

    #[tokio::test]
    async fn only_the_latest_renderings_are_kept() {
        let renderings = Renderings::default();
        let key: Arc<str> = "k".into();
        for position in 0..(KEPT as u64 + 10) {
            renderings
                .render(&key, position, || async { rendered("x") })
                .await;
        }
        assert_eq!(renderings.kept(), KEPT);
        let runs = AtomicUsize::new(0);
        renderings
            .render(&key, 0, || async {
                runs.fetch_add(1, Ordering::SeqCst);
                rendered("x")
            })
            .await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "a forgotten one renders again"
        );
    }
}
