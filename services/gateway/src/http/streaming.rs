//! One operation run as a stream (over SSE or a WebSocket) whose feed items
//! are rendered once for every stream of the same operation and caller
//! (`feed::Renderings`): the stream's own subscription reads the feed (its
//! cursor, catch-up and re-reads after lagging stay its own) and passes each
//! item to a [`Tap`]; the item's result is the one rendering of it for that
//! operation and caller, made by whichever stream asks first.

use std::sync::Arc;

use async_graphql::{Data, Request, Response};
use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt};
use golmok_runtime::Actor;
use tokio::sync::mpsc;

use super::Gateway;
use super::graphql::add_context;
use crate::feed::{RenderOne, Rendered, Tap, Tapped};
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
    query: String,
    operation_name: Option<String>,
    variables: async_graphql::Variables,
    extensions: async_graphql::Extensions,
    /// Everything a rendering depends on besides the item.
    key: Arc<str>,
}

impl Operation {
    /// `request` run as `runs` says, by `actor`.
    pub(crate) fn of(request: Request, runs: Runs, actor: Option<&Actor>) -> Operation {
        let key = serde_json::json!([
            request.query,
            request.operation_name,
            request.variables,
            request.extensions,
            actor,
        ])
        .to_string();
        Operation {
            runs,
            query: request.query,
            operation_name: request.operation_name,
            variables: request.variables,
            extensions: request.extensions,
            key: key.into(),
        }
    }

    /// The operation's results, in order, then its end.
    pub(crate) fn results(self) -> impl Stream<Item = Sent> + Send + 'static {
        // One item at a time: the subscription reads no further ahead than
        // the stream sends.
        let (tap, taps) = mpsc::channel(1);
        let mut request = self.request();
        request.data.insert(Tap(tap));
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
        let mut request = Request::new(self.query.clone()).variables(self.variables.clone());
        request.operation_name = self.operation_name.clone();
        request.extensions = self.extensions.clone();
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
            .render(&self.key, position, || async move {
                let mut request = self.request();
                request.data.insert(RenderOne(item));
                Rendered::new(self.execute(request).next().await)
            })
            .await
    }
}

/// A running operation: its own results and the feed items its
/// subscription reads.
struct Streaming {
    results: BoxStream<'static, Response>,
    taps: mpsc::Receiver<Tapped>,
    /// A result that comes after the items still in `taps`.
    held: Option<Response>,
    ended: bool,
    operation: Operation,
}

impl Streaming {
    /// What to send next, in the order the operation gives it; `None` at its end.
    async fn next(&mut self) -> Option<Sent> {
        loop {
            if let Ok(tapped) = self.taps.try_recv() {
                if let Some(item) = self.operation.item(tapped).await {
                    return Some(item);
                }
                continue;
            }
            if let Some(response) = self.held.take() {
                return Some(Sent::Own(Box::new(response)));
            }
            if self.ended {
                return None;
            }
            let next = tokio::select! {
                biased;
                Some(tapped) = self.taps.recv() => Ok(tapped),
                result = self.results.next() => Err(result),
            };
            match next {
                Ok(tapped) => {
                    if let Some(item) = self.operation.item(tapped).await {
                        return Some(item);
                    }
                }
                Err(Some(response)) => self.held = Some(response),
                Err(None) => self.ended = true,
            }
        }
    }
}
