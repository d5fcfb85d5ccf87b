//! GraphQL over Server-Sent Events, the graphql-sse "distinct connections"
//! mode: `POST /graphql` with `Accept: text/event-stream` and one operation
//! as JSON answers `event: next` with each result (`data:` the JSON of a
//! GraphQL response) and `event: complete` at the end. A subscription stays
//! open until the caller disconnects; a query or mutation gives one result.
//! Usable with curl (`curl -N -H 'accept: text/event-stream' …`).
//!
//! A feed item is rendered once for all the streams of the same operation
//! and caller (`feed::Renderings`): each stream sends the same bytes.

use std::convert::Infallible;
use std::pin::Pin;
use std::time::Duration;

use async_graphql::{Request, Response, ServerError};
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request as HttpRequest, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt};
use tokio::time::{Instant, Sleep};

use super::Gateway;
use super::error::ApiError;
use super::graphql::{caller, code_of, default_code, read_body};
use super::streaming::{Operation, Runs, Sent};
use super::telemetry::GraphqlErrorAnswered;
use crate::feed::{Framed, copy};

/// A comment sent after this long without an event keeps proxies from
/// closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";
const COMPLETE_FRAME: &[u8] = b"event: complete\n\n";

/// Runs one operation and streams its results as server-sent events.
pub(crate) async fn execute(
    gateway: Gateway,
    request: HttpRequest<Body>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&gateway, request.headers())?;
    let body = read_body(request.into_body(), gateway.max_body_bytes).await?;
    let operation: Request = serde_json::from_slice(&body).map_err(|error| {
        tracing::info!(%error, "event-stream body is not a GraphQL request");
        ApiError::BadRequest(
            "send one JSON object with a `query` string and optional `variables` and \
             `operationName` (a batch cannot be streamed)"
                .to_owned(),
        )
    })?;
    let actor = caller.actor.clone();
    let operation = Operation::of(operation, Runs::Request { gateway, caller }, actor.as_ref());
    let frames = operation
        .results()
        .filter_map(|sent| std::future::ready(frame(sent)))
        .chain(stream::once(async { Bytes::from_static(COMPLETE_FRAME) }));
    Ok(event_stream(frames))
}

/// The `event: next` frame of a result; errors leave with a code and are
/// counted as on `POST /graphql` (a shared item's on every stream it is
/// sent to).
fn frame(sent: Sent) -> Option<Bytes> {
    let framed = match sent {
        Sent::Own(mut response) => framed(&mut response),
        Sent::Item(rendered) => {
            let framed = rendered.sse(|response| match response.errors.is_empty() {
                true => Framed {
                    frame: next_frame(response),
                    codes: Vec::new(),
                },
                false => framed(&mut copy(response)),
            })?;
            answer(&framed.codes);
            return Some(framed.frame.clone());
        }
    };
    answer(&framed.codes);
    Some(framed.frame)
}

/// The response's frame, its errors given their codes.
fn framed(response: &mut Response) -> Framed {
    let codes = response
        .errors
        .iter_mut()
        .map(|error: &mut ServerError| {
            default_code(error);
            code_of(error).map(str::to_owned)
        })
        .collect();
    Framed {
        frame: next_frame(response),
        codes,
    }
}

fn answer(codes: &[Option<String>]) {
    for code in codes {
        GraphqlErrorAnswered {
            code: code.as_deref(),
        }
        .emit();
    }
}

/// `event: next` with the response's JSON.
fn next_frame(response: &Response) -> Bytes {
    let data = serde_json::to_string(response).unwrap_or_else(|error| {
        tracing::error!(%error, "a GraphQL response did not serialize");
        r#"{"errors":[{"message":"the result could not be written","extensions":{"code":"INTERNAL"}}]}"#.to_owned()
    });
    let mut frame = Vec::with_capacity(data.len() + 20);
    frame.extend_from_slice(b"event: next\ndata: ");
    frame.extend_from_slice(data.as_bytes());
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}

fn event_stream(frames: impl Stream<Item = Bytes> + Send + 'static) -> HttpResponse {
    let frames = KeptAlive {
        frames: frames.boxed(),
        idle: Box::pin(tokio::time::sleep(KEEP_ALIVE)),
        ended: false,
    };
    let mut response = Body::from_stream(frames.map(Ok::<_, Infallible>)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    // Proxies must not buffer the stream.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The frames, with a keep-alive comment whenever none was sent for
/// [`KEEP_ALIVE`]; ends with them.
struct KeptAlive {
    frames: BoxStream<'static, Bytes>,
    idle: Pin<Box<Sleep>>,
    ended: bool,
}

impl Stream for KeptAlive {
    type Item = Bytes;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Bytes>> {
        use std::task::Poll;
        if self.ended {
            return Poll::Ready(None);
        }
        match self.frames.poll_next_unpin(cx) {
            Poll::Ready(Some(frame)) => {
                self.idle.as_mut().reset(Instant::now() + KEEP_ALIVE);
                Poll::Ready(Some(frame))
            }
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => match self.idle.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.idle.as_mut().reset(Instant::now() + KEEP_ALIVE);
                    Poll::Ready(Some(Bytes::from_static(KEEP_ALIVE_FRAME)))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use http_body_util::BodyExt;

    use super::*;

    async fn axum_bytes(event: Event) -> Bytes {
        let response = Sse::new(stream::iter([Ok::<_, Infallible>(event)])).into_response();
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn frames_are_the_bytes_axum_writes() {
        let response = Response::new(
            async_graphql::Value::from_json(
                serde_json::json!({"feed": {"cursor": "feed:7", "title": "a \"b\"\n"}}),
            )
            .unwrap(),
        );
        let data = serde_json::to_string(&response).unwrap();
        assert_eq!(
            next_frame(&response),
            axum_bytes(Event::default().event("next").data(data)).await
        );
        assert_eq!(
            Bytes::from_static(COMPLETE_FRAME),
            axum_bytes(Event::default().event("complete").data("")).await
        );
        let idle = Sse::new(stream::pending::<Result<Event, Infallible>>())
            .keep_alive(KeepAlive::new().interval(Duration::from_millis(1)))
            .into_response();
        let first = idle
            .into_body()
            .frame()
            .await
            .expect("a frame")
            .expect("readable")
            .into_data()
            .expect("data");
        assert_eq!(Bytes::from_static(KEEP_ALIVE_FRAME), first);
    }
}
