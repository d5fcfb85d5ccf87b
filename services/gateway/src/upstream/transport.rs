use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use futures::future::BoxFuture;
use http::{Request, Response};
use tower::{BoxError, Service, ServiceExt};

/// Largest response body read from a service.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How long a connection to a service stays open, idle, for the next call.
const IDLE_CONNECTION: Duration = Duration::from_secs(90);

/// A way to reach one service: a tower `Service` from an HTTP request to
/// the service's whole answer, the same requests either way.
#[derive(Clone)]
pub struct ServiceClient {
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    InProcess(Router),
    Http {
        base_url: String,
        client: reqwest::Client,
    },
}

impl ServiceClient {
    /// Calls the service's router in this process, as a tower `Service`; a
    /// JSON reply comes back as the value itself (a `Handoff` extension with an
    /// empty body), neither encoded nor parsed.
    pub fn in_process(router: Router) -> ServiceClient {
        ServiceClient {
            transport: Transport::InProcess(router),
        }
    }

    /// Calls the service over HTTP at `base_url` (such as `http://storefront:8080`),
    /// over a pool of kept-alive connections with `TCP_NODELAY` set, so a call
    /// neither opens a connection nor waits for the previous segment's
    /// acknowledgement (Nagle's algorithm) when one is free.
    pub fn http(base_url: impl Into<String>) -> ServiceClient {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_idle_timeout(IDLE_CONNECTION)
            .build()
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "the configured HTTP client failed to build; using the default");
                reqwest::Client::new()
            });
        ServiceClient {
            transport: Transport::Http {
                base_url: base_url.into().trim_end_matches('/').to_owned(),
                client,
            },
        }
    }

    async fn exchange(self, request: Request<Bytes>) -> Result<Response<Bytes>, BoxError> {
        match self.transport {
            Transport::InProcess(router) => {
                // The service's JSON replies come back as values (`Handoff`).
                let answer = router.oneshot(request.map(Body::from));
                let response = golmok_runtime::edge::in_process(answer).await?;
                let (parts, body) = response.into_parts();
                let body = axum::body::to_bytes(body, MAX_RESPONSE_BYTES).await?;
                Ok(Response::from_parts(parts, body))
            }
            Transport::Http { base_url, client } => {
                let (parts, body) = request.into_parts();
                let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let mut request = client
                    .request(parts.method, format!("{base_url}{path}"))
                    .headers(parts.headers);
                if !body.is_empty() {
                    request = request.body(body);
                }
                let response = request.send().await?;
                let status = response.status();
                if response
                    .content_length()
                    .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
                {
                    return Err(
                        format!("a {status} body larger than {MAX_RESPONSE_BYTES} bytes").into(),
                    );
                }
                let mut answer = Response::builder().status(status);
                if let Some(headers) = answer.headers_mut() {
                    *headers = response.headers().clone();
                }
                Ok(answer.body(response.bytes().await?)?)
            }
        }
    }
}

impl Service<Request<Bytes>> for ServiceClient {
    type Response = Response<Bytes>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response<Bytes>, BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        Box::pin(self.clone().exchange(request))
    }
}

impl fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.transport {
            Transport::InProcess(_) => f.write_str("ServiceClient(in-process)"),
            Transport::Http { base_url, .. } => write!(f, "ServiceClient({base_url})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::routing::get;
    use axum::serve::ListenerExt;

    use super::*;

    #[tokio::test]
    async fn calls_over_http_reuse_one_kept_alive_connection() {
        let accepted = Arc::new(AtomicUsize::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let counted = Arc::clone(&accepted);
        let listener = listener.tap_io(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        let service = Router::new().route("/ping", get(|| async { "pong" }));
        tokio::spawn(async move { axum::serve(listener, service).await });
        let client = ServiceClient::http(format!("http://{address}/"));
        for call in 0..50 {
            let request = Request::get("/ping").body(Bytes::new()).unwrap();
            let answer = client.clone().oneshot(request).await.unwrap();
            assert_eq!(answer.body().as_ref(), b"pong", "call {call}");
        }
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "50 calls one after another opened more than one connection"
        );
    }
}
