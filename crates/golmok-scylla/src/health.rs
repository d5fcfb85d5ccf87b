//! Whether the cluster answers: a probe reads the log's head (one
//! single-partition read at the store's consistency, the partition every
//! append goes through) every `health_probe_ms`, with that as its timeout.
//! Two failures in a row make the store unreachable, one success reachable
//! again. The host's `/readyz` follows it; requests keep going to the
//! cluster meanwhile and fail on their own (the driver reconnects by itself).

use std::sync::Arc;
use std::time::Duration;

use scylla::statement::prepared::PreparedStatement;
use tokio::sync::watch;

use crate::store::Inner;

/// Failed probes in a row that make the store unreachable: one slow answer
/// (a pause of the node's JVM) is not an outage.
const FAILURES_TO_UNREACHABLE: u32 = 2;

/// Probes the cluster until the store is dropped, publishing on `reachable`.
pub(crate) async fn probe(
    inner: Arc<Inner>,
    mut statement: PreparedStatement,
    reachable: watch::Sender<bool>,
) {
    let every = Duration::from_millis(inner.settings.health_probe_ms.max(10));
    statement.set_request_timeout(Some(every));
    let mut failures = 0;
    loop {
        tokio::time::sleep(every).await;
        let read = crate::log::read_head(&inner.session, &statement, &inner.settings.log);
        // The driver's timeout covers the request; this one also covers waiting for a connection.
        let error = match tokio::time::timeout(every, read).await {
            Ok(Ok(_)) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(_) => Some(format!("no answer within {every:?}")),
        };
        match error {
            None => {
                failures = 0;
                if !*reachable.borrow() {
                    reachable.send_replace(true);
                    Reachability::new(&inner, None).emit();
                }
            }
            Some(error) => {
                failures += 1;
                if failures >= FAILURES_TO_UNREACHABLE && *reachable.borrow() {
                    reachable.send_replace(false);
                    Reachability::new(&inner, Some(&error)).emit();
                }
            }
        }
    }
}

/// The store became reachable (or is, at open) or unreachable: the log line
/// and `golmok_store_reachable{keyspace}` (1 or 0).
pub(crate) struct Reachability<'a> {
    keyspace: &'a str,
    contact_points: &'a [String],
    /// Why it is unreachable; `None` when it is reachable.
    error: Option<&'a str>,
}

impl<'a> Reachability<'a> {
    pub(crate) fn new(inner: &'a Inner, error: Option<&'a str>) -> Self {
        Self {
            keyspace: &inner.settings.keyspace,
            contact_points: &inner.settings.contact_points,
            error,
        }
    }

    pub(crate) fn emit(&self) {
        let up = if self.error.is_none() { 1.0 } else { 0.0 };
        metrics::gauge!("golmok_store_reachable", "keyspace" => self.keyspace.to_owned()).set(up);
        match self.error {
            None => tracing::info!(
                keyspace = self.keyspace,
                contact_points = ?self.contact_points,
                "CQL store reachable"
            ),
            Some(error) => tracing::error!(
                keyspace = self.keyspace,
                contact_points = ?self.contact_points,
                error,
                "CQL store unreachable: /readyz answers 503 and requests 503 STORE_UNAVAILABLE until it answers again"
            ),
        }
    }
}
