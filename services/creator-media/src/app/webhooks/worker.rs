//! The delivery worker: POSTs due deliveries, signed, and records every
//! attempt. A 2xx answer delivers; anything else is retried with exponential
//! backoff and jitter until the last attempt (`FAILED`). At least once: an
//! attempt that reached the receiver but whose outcome was not recorded (a
//! crash in between) is made again with the same event id. Deliveries of one
//! webhook are not ordered.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use golmok_contracts::creator_media::http::{AttemptView, WebhookDeliveryStatus, WebhookStatus};
use golmok_kernel::{Mutation, ScanOrder, StorageError, Tables, json};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::rows::*;
use super::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_ID_HEADER, signature};
use super::telemetry::{AttemptOutcome, WebhookAttempted};
use crate::config::WebhookSettings;

/// The running worker; [`stop`](Self::stop) ends it.
pub struct DeliveryWorker {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

struct Run {
    tables: Arc<dyn Tables>,
    client: reqwest::Client,
    settings: WebhookSettings,
}

impl DeliveryWorker {
    /// Starts delivering what is due in `tables`.
    pub fn start(
        tables: Arc<dyn Tables>,
        settings: WebhookSettings,
    ) -> Result<DeliveryWorker, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            .connect_timeout(Duration::from_millis(settings.timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("golmok-webhooks/1")
            .build()?;
        let (stop, stopped) = watch::channel(false);
        let run = Arc::new(Run {
            tables,
            client,
            settings,
        });
        let task = tokio::spawn(run.serve(stopped));
        Ok(DeliveryWorker {
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Stops the worker once the attempts under way are recorded.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().ok().and_then(|mut task| task.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Run {
    async fn serve(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.settings.poll_ms);
        while !*stopped.borrow() {
            let pause = match self.round().await {
                Ok(true) => Duration::ZERO,
                Ok(false) => poll,
                Err(error) => {
                    tracing::warn!(%error, "webhook deliveries could not be read");
                    poll
                }
            };
            if !pause.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stopped.changed() => {}
                }
            }
        }
    }

    /// Attempts every delivery due now (up to `concurrency` at a time);
    /// whether there were any.
    async fn round(self: &Arc<Self>) -> Result<bool, StorageError> {
        let page = self
            .tables
            .scan(
                DUE,
                ALL,
                None,
                ScanOrder::Ascending,
                self.settings.concurrency,
            )
            .await?;
        let now = Utc::now();
        let mut attempts = JoinSet::new();
        for row in page.rows {
            let Some(due) = serde_json::from_slice::<Due>(&row.value).ok() else {
                tracing::warn!(key = %row.clustering, "an unreadable webhook due entry is dropped");
                self.tables
                    .write(vec![Mutation::delete(DUE, ALL, &row.clustering)])
                    .await?;
                continue;
            };
            if due.at > now {
                break;
            }
            let run = Arc::clone(self);
            attempts.spawn(async move { run.attempt(row.clustering, due).await });
        }
        let any = !attempts.is_empty();
        while let Some(done) = attempts.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "a webhook attempt was not recorded"),
                Err(error) => tracing::warn!(%error, "a webhook attempt failed"),
            }
        }
        Ok(any)
    }

    /// One attempt of one delivery, recorded with its due entry moved (or
    /// removed) in one write.
    async fn attempt(&self, due_key: String, due: Due) -> Result<(), StorageError> {
        let webhook = due.webhook_id.to_string();
        let mut done = vec![Mutation::delete(DUE, ALL, &due_key)];
        let Some(bytes) = self.tables.get(DELIVERIES, &webhook, &due.delivery).await? else {
            return self.tables.write(done).await;
        };
        let Ok(mut delivery) = serde_json::from_slice::<DeliveryRow>(&bytes) else {
            tracing::warn!(%webhook, key = %due.delivery, "an unreadable webhook delivery is dropped");
            return self.tables.write(done).await;
        };
        if delivery.view.status != WebhookDeliveryStatus::Pending {
            return self.tables.write(done).await;
        }
        let target = self.target(&webhook).await?;
        let number = u32::try_from(delivery.view.attempts.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let started_at = Utc::now();
        let started = Instant::now();
        let outcome = match &target {
            Ok((url, secret)) => self.post(url, secret, &delivery).await,
            Err(reason) => Err(reason.clone()),
        };
        let elapsed = started.elapsed();
        let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let (status_code, error) = match outcome {
            Ok(code) => (Some(code), None),
            Err(error) => (None, Some(error)),
        };
        let delivered = status_code.is_some_and(|code| (200..300).contains(&code));
        let last = number >= self.settings.max_attempts || target.is_err();
        let next = (!delivered && !last).then(|| started_at + self.backoff(number));
        delivery.view.status = match (delivered, next) {
            (true, _) => WebhookDeliveryStatus::Delivered,
            (false, Some(_)) => WebhookDeliveryStatus::Pending,
            (false, None) => WebhookDeliveryStatus::Failed,
        };
        WebhookAttempted {
            webhook: &webhook,
            number,
            status_code,
            error: error.as_deref(),
            outcome: match delivery.view.status {
                WebhookDeliveryStatus::Delivered => AttemptOutcome::Delivered,
                WebhookDeliveryStatus::Pending => AttemptOutcome::Retrying,
                WebhookDeliveryStatus::Failed => AttemptOutcome::GivenUp,
            },
            elapsed,
        }
        .emit();
        delivery.view.attempts.push(AttemptView {
            number,
            at: started_at,
            status_code,
            error,
            duration_ms,
            next_attempt_at: next,
        });
        delivery.view.next_attempt_at = next;
        done.push(Mutation::put(
            DELIVERIES,
            &webhook,
            &due.delivery,
            json(&delivery),
        ));
        if let Some(at) = next {
            let due = Due { at, ..due };
            done.push(Mutation::put(
                DUE,
                ALL,
                &due.key(delivery.view.id),
                json(&due),
            ));
        }
        self.tables.write(done).await
    }

    /// Where and with what to sign, or why the delivery is given up (the
    /// webhook was disabled or deleted).
    async fn target(
        &self,
        webhook: &str,
    ) -> Result<Result<(String, String), String>, StorageError> {
        let Some(bytes) = self.tables.get(WEBHOOK_BY_ID, webhook, "").await? else {
            return Ok(Err("the webhook was deleted".into()));
        };
        let Ok(row) = serde_json::from_slice::<WebhookRow>(&bytes) else {
            return Ok(Err("the webhook cannot be read".into()));
        };
        if row.view.status != WebhookStatus::Enabled {
            return Ok(Err("the webhook is disabled".into()));
        }
        let secret = self
            .tables
            .get(SECRETS, webhook, &row.secret_id.to_string())
            .await?
            .and_then(|bytes| serde_json::from_slice::<SecretRow>(&bytes).ok());
        Ok(match secret {
            Some(secret) => Ok((row.view.url, secret.secret)),
            None => Err("the webhook's secret is missing".into()),
        })
    }

    /// POSTs the delivery's body; the status code, or why none came.
    async fn post(&self, url: &str, secret: &str, delivery: &DeliveryRow) -> Result<u16, String> {
        let timestamp = Utc::now().timestamp();
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(WEBHOOK_ID_HEADER, delivery.view.event_id.to_string())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                SIGNATURE_HEADER,
                signature(secret, timestamp, &delivery.body),
            )
            .body(delivery.body.clone())
            .send()
            .await
            .map_err(|error| describe(&error))?;
        Ok(response.status().as_u16())
    }

    /// The delay after failed attempt `number`: between half and all of
    /// `min(initial × 2^(number-1), max)`.
    fn backoff(&self, number: u32) -> chrono::TimeDelta {
        let mut random = [0u8; 8];
        let random = getrandom::fill(&mut random).map_or(0, |()| u64::from_le_bytes(random));
        let millis = backoff_delay(&self.settings, number, random);
        chrono::TimeDelta::milliseconds(i64::try_from(millis).unwrap_or(i64::MAX))
    }
}

/// The delay after failed attempt `number` in milliseconds, `random`
/// choosing it between half and all of the ceiling.
fn backoff_delay(settings: &WebhookSettings, number: u32, random: u64) -> u64 {
    let ceiling = backoff_ceiling(settings, number);
    ceiling - ceiling / 2 + random % (ceiling / 2 + 1)
}

/// `min(initial × 2^(number-1), max)` in milliseconds.
fn backoff_ceiling(settings: &WebhookSettings, number: u32) -> u64 {
    let doublings = number.saturating_sub(1).min(63);
    settings
        .backoff_initial_ms
        .saturating_mul(1u64 << doublings)
        .min(settings.backoff_max_ms)
}

/// A transport error in a line, its cause chain included.
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut text = format!("the request {kind}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let settings = WebhookSettings {
            backoff_initial_ms: 1_000,
            backoff_max_ms: 3_600_000,
            ..WebhookSettings::default()
        };
        let ceilings: Vec<u64> = (1..=4).map(|n| backoff_ceiling(&settings, n)).collect();
        assert_eq!(ceilings, [1_000, 2_000, 4_000, 8_000]);
        assert_eq!(backoff_ceiling(&settings, 13), 3_600_000);
        assert_eq!(backoff_ceiling(&settings, u32::MAX), 3_600_000);
    }

    #[test]
    fn the_jitter_keeps_each_delay_between_half_and_all_of_its_ceiling() {
        let settings = WebhookSettings::default();
        for random in [0, 1, 499, 500, 501, u64::MAX / 3, u64::MAX] {
            for number in 1..=20 {
                let ceiling = backoff_ceiling(&settings, number);
                let delay = backoff_delay(&settings, number, random);
                assert!(
                    delay >= ceiling - ceiling / 2 && delay <= ceiling,
                    "{number} {random}"
                );
            }
        }
        // So the delay after attempt n + 1 is never shorter than after n.
        assert_eq!(backoff_delay(&settings, 1, 500), 1_000);
        assert_eq!(backoff_delay(&settings, 2, 0), 1_000);
    }
}
