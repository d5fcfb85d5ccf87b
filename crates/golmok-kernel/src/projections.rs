use std::sync::Arc;
use std::time::Duration;

use crate::{
    Committed, Consumer, ConsumerHandle, EventHandler, EventLog, EventSource, StorageError, Tables,
};
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

/// The projection runner: a service's running consumers, which its command
/// handlers wait on for read-your-writes (`settle`).
pub struct Projections {
    handles: RwLock<Vec<ConsumerHandle>>,
    shutdown: CancellationToken,
    timeout: Duration,
}

impl Projections {
    /// Starts a consumer of `log` for each of `handlers`, writing to `tables`
    /// of the same store: the service's projections of its own log. Their
    /// writes are derived ([`Consumer::derived`]): each batch rides in the
    /// store's next durable commit, and the log holds every event a crash
    /// could roll back.
    pub async fn start_handlers(
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
        handlers: Vec<Arc<dyn EventHandler>>,
        timeout: Duration,
    ) -> Result<Arc<Self>, StorageError> {
        let consumers = handlers
            .into_iter()
            .map(|handler| Consumer::new(Arc::clone(&log), Arc::clone(&tables), handler).derived())
            .collect();
        Self::start(consumers, timeout).await
    }

    /// Starts a consumer for each `(source, handler)`, writing to `tables`:
    /// the same projections over the in-process log or over Kafka.
    pub async fn start_sources<S: EventSource>(
        consumers: Vec<(S, Arc<dyn EventHandler>)>,
        tables: Arc<dyn Tables>,
        timeout: Duration,
    ) -> Result<Arc<Self>, StorageError> {
        let consumers = consumers
            .into_iter()
            .map(|(source, handler)| Consumer::with_source(source, Arc::clone(&tables), handler))
            .collect();
        Self::start(consumers, timeout).await
    }

    async fn start<S: EventSource>(
        consumers: Vec<Consumer<S>>,
        timeout: Duration,
    ) -> Result<Arc<Self>, StorageError> {
        let shutdown = CancellationToken::new();
        let mut handles = Vec::new();
        for consumer in consumers {
            match consumer.spawn(shutdown.child_token()).await {
                Ok(handle) => handles.push(handle),
                Err(error) => {
                    shutdown.cancel();
                    for handle in handles {
                        handle.stopped().await;
                    }
                    return Err(error);
                }
            }
        }
        Ok(Arc::new(Self {
            handles: RwLock::new(handles),
            shutdown,
            timeout,
        }))
    }

    /// A command's answer once the read models reach `position`
    /// (read-your-writes); marked not `consistent` when they did not in time.
    pub async fn committed<T>(&self, value: T, position: u64) -> Committed<T> {
        let consistent = self.settle(position).await;
        if !consistent {
            tracing::warn!(position, "read models lag behind a command's events");
        }
        Committed { value, consistent }
    }

    /// Waits until every projection has applied the log up to `position`;
    /// false when that took longer than the consistency timeout or the
    /// projections are stopping.
    pub async fn settle(&self, position: u64) -> bool {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let handles = self.handles.read().await;
        for handle in handles.iter() {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let reached = tokio::select! {
                reached = handle.wait_for(position, remaining) => reached,
                _ = self.shutdown.cancelled() => false,
            };
            if !reached {
                return false;
            }
        }
        true
    }

    /// Stops every consumer and waits for them to finish.
    pub async fn stop(&self) {
        self.shutdown.cancel();
        let handles = std::mem::take(&mut *self.handles.write().await);
        for handle in handles {
            handle.stopped().await;
        }
    }
}
