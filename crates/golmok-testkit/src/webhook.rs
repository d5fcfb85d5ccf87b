//! A real webhook receiver for tests: an axum server on a free loopback
//! port that records every POST (the `golmok-webhook-*` headers and the
//! body), answers 500 to the first N, and checks signatures with its own
//! HMAC-SHA256, not with the service's code.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    /// `golmok-webhook-id`.
    pub id: String,
    /// `golmok-webhook-timestamp`.
    pub timestamp: String,
    /// `golmok-webhook-signature`.
    pub signature: String,
    pub body: String,
    pub at: Instant,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether the signature is `v1=` hex HMAC-SHA256(secret, "<timestamp>.<body>").
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
        mac.update(format!("{}.{}", self.timestamp, self.body).as_bytes());
        let hex = self.signature.strip_prefix("v1=").unwrap_or_default();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect();
        bytes.len() == 32 && mac.verify_slice(&bytes).is_ok()
    }
}

#[derive(Clone, Default)]
struct Record {
    hits: Arc<Mutex<Vec<Hit>>>,
    failing: Arc<AtomicUsize>,
}

/// The running receiver; stopped when dropped.
pub struct Receiver {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    record: Record,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn hook(State(record): State<Record>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    record.hits.lock().expect("hits").push(Hit {
        id: header("golmok-webhook-id"),
        timestamp: header("golmok-webhook-timestamp"),
        signature: header("golmok-webhook-signature"),
        body,
        at: Instant::now(),
    });
    let failing = record
        .failing
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    if failing.is_ok() {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

impl Receiver {
    /// A receiver that answers 500 to its first `failing` requests, 204 after.
    pub async fn start(failing: usize) -> Receiver {
        let record = Record::default();
        record.failing.store(failing, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let router = axum::Router::new()
            .route("/hook", post(hook))
            .with_state(record.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the receiver serves");
        });
        Receiver {
            url: format!("http://{address}/hook"),
            record,
            task,
        }
    }

    /// From now on, answer 500 to the next `failing` requests.
    pub fn fail_next(&self, failing: usize) {
        self.record.failing.store(failing, Ordering::SeqCst);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.record.hits.lock().expect("hits").clone()
    }

    /// The requests once there are at least `n`; panics after 10 seconds.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} requests came",
                hits.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Asserts that exactly `n` requests came after half a second more.
    pub async fn stays_at(&self, n: usize) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let hits = self.hits();
        assert_eq!(hits.len(), n, "{hits:?}");
    }
}
