//! One operation run as a stream (over SSE or a WebSocket) whose feed items
//! are rendered once for every stream of the same operation and caller
//! (`feed::Renderings`): the stream's own subscription reads the feed (its
//! cursor, catch-up and re-reads after lagging stay its own) and passes each
//! item to a [`Tap`]; the item's result is the one rendering of it for that
//! operation and caller, made by whichever stream asks first.
//!
//! What every open stream keeps is small, since P9 counts it 10,000 times:
//! the operation's text is one shared copy per key (`Text`), the hand-off
//! from the subscription is a one-item slot (`feed::Tap`) and the rarely run
//! rendering of an item is boxed rather than held in each stream's state.

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::task::Poll;

use async_graphql::{Data, Request, Response};
use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt};
use golmok_runtime::Actor;

use super::Gateway;
use super::graphql::add_context;
use crate::feed::{RenderOne, Rendered, Tapped, Taps, tap};
use crate::schema::GatewaySchema;
use crate::upstream::Caller;

/// How the operation's requests get their context.
pub(crate) enum Runs {
    /// One request (SSE): the gateway's context for this caller.
    Request { gateway: Gateway, caller: Caller },
    /// A WebSocket connection's session data, set at `connection_init`.
    Session {
        schema: GatewaySchema,
        data: Arc<Data>,
    },
}

/// What a stream sends next.
pub(crate) enum Sent {
    /// A result of the operation itself: a query's or mutation's, or a
    /// subscription's refusal or failure.
    Own(Box<Response>),
    /// A feed item's shared rendering.
    Item(Arc<Rendered>),
}

/// One operation and who asks.
pub(crate) struct Operation {
    runs: Runs,
    text: Arc<Text>,
}

/// What an operation asks and who asks it, one copy for all the streams of
/// the same key.
struct Text {
    query: String,
    operation_name: Option<String>,
    variables: async_graphql::Variables,
    extensions: async_graphql::Extensions,
    /// Everything a rendering depends on besides the item.
    key: Arc<str>,
}

/// The texts of the open streams by key. Only the text is shared (it is
/// immutable and says nothing the key does not): each stream still runs with
/// its own gateway or connection.
static TEXTS: LazyLock<Mutex<HashMap<Arc<str>, Weak<Text>>>> = LazyLock::new(Mutex::default);

fn texts() -> std::sync::MutexGuard<'static, HashMap<Arc<str>, Weak<Text>>> {
    TEXTS.lock().unwrap_or_else(|e| e.into_inner())
}

impl Text {
    /// The text of `request` asked by `actor`: the one an open stream of the
    /// same key holds, or a new one.
    fn of(request: Request, actor: Option<&Actor>) -> Arc<Text> {
        let key: Arc<str> = serde_json::json!([
            request.query,
            request.operation_name,
            request.variables,
            request.extensions,
            actor,
        ])
        .to_string()
        .into();
        let mut texts = texts();
        if let Some(text) = texts.get(&key).and_then(Weak::upgrade) {
            return text;
        }
        let text = Arc::new(Text {
            query: request.query,
            operation_name: request.operation_name,
            variables: request.variables,
            extensions: request.extensions,
            key: Arc::clone(&key),
        });
        texts.insert(key, Arc::downgrade(&text));
        text
    }
}

impl Drop for Text {
    fn drop(&mut self) {
        let mut texts = texts();
        // Unless a stream of the same key has made a new one meanwhile.
        if texts
            .get(&self.key)
            .is_some_and(|text| text.strong_count() == 0)
        {
            texts.remove(&self.key);
        }
    }
}

impl Operation {
    /// `request` run as `runs` says, by `actor`.
    pub(crate) fn of(request: Request, runs: Runs, actor: Option<&Actor>) -> Operation {
        Operation {
            runs,
            text: Text::of(request, actor),
        }
    }

    /// The operation's results, in order, then its end.
    pub(crate) fn results(self) -> impl Stream<Item = Sent> + Send + 'static {
        // One item at a time: the subscription reads no further ahead than
        // the stream sends.
        let (tap, taps) = tap();
        let mut request = self.request();
        request.data.insert(tap);
        let streaming = Streaming {
            results: self.execute(request),
            taps,
            held: None,
            ended: false,
            operation: self,
        };
        stream::unfold(streaming, |mut streaming| async move {
            let sent = streaming.next().await?;
            Some((sent, streaming))
        })
    }

    fn request(&self) -> Request {
        let text = &self.text;
        let mut request = Request::new(text.query.clone()).variables(text.variables.clone());
        request.operation_name = text.operation_name.clone();
        request.extensions = text.extensions.clone();
        request
    }

    fn execute(&self, mut request: Request) -> BoxStream<'static, Response> {
        match &self.runs {
            Runs::Request { gateway, caller } => {
                add_context(gateway, caller.clone(), &mut request.data);
                gateway.schema.execute_stream(request).boxed()
            }
            Runs::Session { schema, data } => schema
                .execute_stream_with_session_data(request, Arc::clone(data))
                .boxed(),
        }
    }

    /// The item's rendering, unless it gives no result.
    async fn item(&self, tapped: Tapped) -> Option<Sent> {
        let rendered = self.render(tapped).await;
        rendered.response.is_some().then_some(Sent::Item(rendered))
    }

    /// The item `tapped`'s rendering for this operation and caller.
    async fn render(&self, tapped: Tapped) -> Arc<Rendered> {
        let Tapped {
            position,
            item,
            renderings,
        } = tapped;
        renderings
            .render(&self.text.key, position, || {
                // Boxed: run once per item and key, it need not take room
                // in the state of every stream.
                Box::pin(async move {
                    let mut request = self.request();
                    request.data.insert(RenderOne(item));
                    Rendered::new(self.execute(request).next().await)
                })
            })
            .await
    }
}

/// A running operation: its own results and the feed items its
/// subscription reads.
struct Streaming {
    results: BoxStream<'static, Response>,
    taps: Taps,
    /// A result that comes after the items still in `taps`.
    held: Option<Box<Response>>,
    ended: bool,
    operation: Operation,
}

impl Streaming {
    /// What to send next, in the order the operation gives it; `None` at its end.
    async fn next(&mut self) -> Option<Sent> {
        loop {
            if let Some(tapped) = self.taps.try_take() {
                if let Some(item) = self.operation.item(tapped).await {
                    return Some(item);
                }
                continue;
            }
            if let Some(response) = self.held.take() {
                return Some(Sent::Own(response));
            }
            if self.ended {
                return None;
            }
            // The subscription gives its items while `results` is polled
            // (it runs inside it): the slot is looked at right after, so an
            // item is sent in the same turn instead of waking this task again.
            let (tapped, result) = poll_fn(|cx| {
                self.taps.unwatch();
                let result = self.results.poll_next_unpin(cx);
                let tapped = self.taps.poll_take(cx);
                match (tapped, result) {
                    (Poll::Pending, Poll::Pending) => Poll::Pending,
                    (Poll::Ready(tapped), Poll::Pending) => Poll::Ready((Some(tapped), None)),
                    (Poll::Ready(tapped), Poll::Ready(result)) => {
                        Poll::Ready((Some(tapped), Some(result)))
                    }
                    (Poll::Pending, Poll::Ready(result)) => Poll::Ready((None, Some(result))),
                }
            })
            .await;
            match result {
                // Comes after the item given before it.
                Some(Some(response)) => self.held = Some(Box::new(response)),
                Some(None) => self.ended = true,
                None => {}
            }
            if let Some(tapped) = tapped
                && let Some(item) = self.operation.item(tapped).await
            {
                return Some(item);
            }
        }
    }
}
