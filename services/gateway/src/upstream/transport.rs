use std::fmt;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use futures::future::BoxFuture;
use http::{Request, Response};
use tower::{BoxError, Service, ServiceExt};

/// Largest response body read from a service.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

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
    /// Calls the service's router in this process, as a tower `Service`.
    pub fn in_process(router: Router) -> ServiceClient {
        ServiceClient {
            transport: Transport::InProcess(router),
        }
    }

    /// Calls the service over HTTP at `base_url` (such as `http://storefront:8080`).
    pub fn http(base_url: impl Into<String>) -> ServiceClient {
        ServiceClient {
            transport: Transport::Http {
                base_url: base_url.into().trim_end_matches('/').to_owned(),
                client: reqwest::Client::new(),
            },
        }
    }

    async fn exchange(self, request: Request<Bytes>) -> Result<Response<Bytes>, BoxError> {
        match self.transport {
            Transport::InProcess(router) => {
                let response = router.oneshot(request.map(Body::from)).await?;
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
