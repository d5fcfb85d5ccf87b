//! Telemetry of the webhook worker as a typed occurrence (STYLE.md 9): one
//! attempt writes its log line and its metrics together. Labels come from a
//! fixed set (the outcome), never a webhook, partner or URL.

use std::time::Duration;

use metrics::{counter, histogram};

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// It failed and another attempt is due.
    Retrying,
    /// It failed and was the last (or the webhook is gone): the delivery is `FAILED`.
    GivenUp,
}

impl AttemptOutcome {
    fn label(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retrying => "retrying",
            AttemptOutcome::GivenUp => "given_up",
        }
    }
}

/// One POST to a webhook: `golmok_webhook_attempts_total{outcome}` and
/// `golmok_webhook_attempt_seconds`.
pub(super) struct WebhookAttempted<'a> {
    pub webhook: &'a str,
    pub number: u32,
    pub status_code: Option<u16>,
    pub error: Option<&'a str>,
    pub outcome: AttemptOutcome,
    pub elapsed: Duration,
}

impl WebhookAttempted<'_> {
    pub(super) fn emit(&self) {
        let outcome = self.outcome.label();
        counter!("golmok_webhook_attempts_total", "outcome" => outcome).increment(1);
        histogram!("golmok_webhook_attempt_seconds").record(self.elapsed.as_secs_f64());
        let (webhook, number, status, error) =
            (self.webhook, self.number, self.status_code, self.error);
        match self.outcome {
            AttemptOutcome::Delivered => {
                tracing::debug!(webhook, number, status, outcome, "webhook delivered");
            }
            AttemptOutcome::Retrying => {
                tracing::info!(
                    webhook,
                    number,
                    status,
                    error,
                    outcome,
                    "webhook attempt failed"
                );
            }
            AttemptOutcome::GivenUp => {
                tracing::warn!(
                    webhook,
                    number,
                    status,
                    error,
                    outcome,
                    "webhook delivery given up"
                );
            }
        }
    }
}
