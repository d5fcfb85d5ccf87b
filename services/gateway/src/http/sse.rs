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
use std::time::Duration;

use async_graphql::{Request, Response, ServerError};
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request as HttpRequest, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::Gateway;
use super::error::ApiError;
use super::graphql::{caller, code_of, default_code, read_body};
use super::streaming::{Operation, Runs, Sent};
use super::telemetry::GraphqlErrorAnswered;
use crate::feed::{Framed, copy};

/// A comment sent after this long without an event keeps proxies from
/// closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Frames sent at once, at most, when several are ready (a stream behind
/// the feed): one chunk and one write instead of one each.
const COALESCED: usize = 64 * 1024;
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
    let frames = KeptAlive::new(frames.boxed(), KEEP_ALIVE);
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

/// The frames, those ready together sent as one, with a keep-alive comment
/// whenever none was sent for the keep-alive period; ends with them.
///
/// The timer ticks every half period and is not touched when a frame goes
/// out (re-arming it per frame read the clock once per frame, ≈ 5 % of the
/// gateway's CPU with 10,000 streams): a tick sends the comment unless
/// something was sent since the tick before, so no more than one period
/// passes without a frame or a comment.
struct KeptAlive {
    frames: BoxStream<'static, Bytes>,
    tick: Interval,
    /// Something was sent since the last tick.
    sent: bool,
    ended: bool,
}

impl KeptAlive {
    fn new(frames: BoxStream<'static, Bytes>, period: Duration) -> KeptAlive {
        let half = period / 2;
        let mut tick = tokio::time::interval_at(Instant::now() + half, half);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        KeptAlive {
            frames,
            tick,
            sent: false,
            ended: false,
        }
    }

    /// `first` and the frames ready after it, up to [`COALESCED`] bytes.
    fn coalesce(&mut self, first: Bytes, cx: &mut std::task::Context<'_>) -> Bytes {
        use std::task::Poll;
        let mut joined: Option<Vec<u8>> = None;
        let mut size = first.len();
        while size < COALESCED {
            match self.frames.poll_next_unpin(cx) {
                Poll::Ready(Some(frame)) => {
                    size += frame.len();
                    joined
                        .get_or_insert_with(|| first.to_vec())
                        .extend_from_slice(&frame);
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    break;
                }
                Poll::Pending => break,
            }
        }
        joined.map_or(first, Bytes::from)
    }
}

impl Stream for KeptAlive {
    type Item = Bytes;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Bytes>> {
        use std::task::Poll;
        if self.ended {
            return Poll::Ready(None);
        }
        match self.frames.poll_next_unpin(cx) {
            Poll::Ready(Some(frame)) => {
                self.sent = true;
                Poll::Ready(Some(self.coalesce(frame, cx)))
            }
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                while self.tick.poll_tick(cx).is_ready() {
                    // The comment counts as sent: an idle stream gets one
                    // per period.
                    if !std::mem::replace(&mut self.sent, false) {
                        self.sent = true;
                        return Poll::Ready(Some(Bytes::from_static(KEEP_ALIVE_FRAME)));
                    }
                }
                Poll::Pending
            }
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

    const PERIOD: Duration = Duration::from_secs(1);
    /// How late a busy machine may run a timer or a task.
    const SLACK: Duration = Duration::from_millis(250);

    fn comment(chunk: &Bytes) -> bool {
        chunk == &Bytes::from_static(KEEP_ALIVE_FRAME)
    }

    #[tokio::test]
    async fn an_idle_stream_gets_a_keep_alive_within_each_period() {
        let mut kept = KeptAlive::new(stream::pending().boxed(), PERIOD);
        let mut last = Instant::now();
        for _ in 0..3 {
            let chunk = tokio::time::timeout(PERIOD + SLACK, kept.next())
                .await
                .expect("a keep-alive within the period")
                .expect("a chunk");
            assert!(comment(&chunk), "only comments on an idle stream");
            let gap = last.elapsed();
            assert!(gap >= PERIOD / 2, "a comment {gap:?} after the last");
            last = Instant::now();
        }
    }

    /// Frames every `every`, `count` of them, then nothing.
    fn frames_every(every: Duration, count: u64) -> BoxStream<'static, Bytes> {
        stream::unfold(0, move |n| async move {
            if n == count {
                return std::future::pending().await;
            }
            tokio::time::sleep(every).await;
            Some((Bytes::from(format!("event: next\ndata: {n}\n\n")), n + 1))
        })
        .boxed()
    }

    #[tokio::test]
    async fn the_comment_follows_the_last_frame_within_a_period() {
        let mut kept = KeptAlive::new(frames_every(PERIOD / 5, 8), PERIOD);
        let mut last = Instant::now();
        let mut n = 0;
        while n < 8 {
            let chunk = kept.next().await.expect("a chunk");
            // A comment between frames only if this machine stalled the
            // frames for half a period.
            if !comment(&chunk) {
                assert_eq!(
                    chunk,
                    Bytes::from(format!("event: next\ndata: {n}\n\n")),
                    "the frames in order"
                );
                n += 1;
                last = Instant::now();
            }
        }
        let chunk = tokio::time::timeout(PERIOD + SLACK, kept.next())
            .await
            .expect("a keep-alive within the period after the last frame")
            .expect("a chunk");
        assert!(comment(&chunk));
        assert!(
            last.elapsed() <= PERIOD + SLACK,
            "the comment came {:?} after the last frame",
            last.elapsed()
        );
    }

    fn frame(n: usize, size: usize) -> Bytes {
        let data = format!("{n:0size$}");
        Bytes::from(format!("event: next\ndata: {data}\n\n"))
    }

    async fn chunks(frames: Vec<Bytes>) -> Vec<Bytes> {
        let kept = KeptAlive::new(stream::iter(frames).boxed(), PERIOD);
        kept.collect().await
    }

    #[tokio::test]
    async fn frames_ready_together_go_out_as_one_chunk_complete_and_in_order() {
        let frames: Vec<Bytes> = (0..100).map(|n| frame(n, 8)).collect();
        let sent = chunks(frames.clone()).await;
        assert_eq!(sent.len(), 1, "one chunk for the frames ready together");
        assert_eq!(sent[0], frames.concat());
    }

    #[tokio::test]
    async fn a_chunk_holds_whole_frames_up_to_its_bound() {
        let frames: Vec<Bytes> = (0..200).map(|n| frame(n, 1000)).collect();
        let sent = chunks(frames.clone()).await;
        assert!(sent.len() > 1, "at most {COALESCED} bytes a chunk");
        let mut next = frames.iter();
        for chunk in &sent {
            assert!(chunk.len() < COALESCED + frames[0].len());
            let mut rest = &chunk[..];
            while !rest.is_empty() {
                let frame = next.next().expect("no frame more than sent");
                assert!(rest.starts_with(frame), "whole frames, in order");
                rest = &rest[frame.len()..];
            }
        }
        assert!(next.next().is_none(), "every frame sent");
    }
}
