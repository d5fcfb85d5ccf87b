//! The automatic expiry: one small background task that finds live
//! promotions whose end has passed and collaborations whose answer or end is
//! due, and expires each through the command handler (idempotent; a
//! withdrawn promotion never expires); it also makes the held commissions
//! whose return window ended payable.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::CreatorMedia;

/// How often the task looks for promotions and collaborations to expire.
pub const EXPIRY_EVERY: Duration = Duration::from_millis(500);
/// The most promotions one look expires.
const BATCH: usize = 100;

/// The running expiry task; [`Expiry::stop`] ends it.
pub struct Expiry {
    stop: watch::Sender<bool>,
    task: tokio::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Expiry {
    /// Starts the task over `service`, looking every `every`.
    pub fn start(service: Arc<CreatorMedia>, every: Duration) -> Expiry {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        expire_ended(&service).await;
                        if let Err(error) = service.expire_due(Utc::now()).await {
                            tracing::warn!(%error, "cannot expire the collaborations that are due");
                        }
                        if let Err(error) = service.make_commissions_payable(Utc::now(), BATCH).await {
                            tracing::warn!(%error, "cannot read the commissions that are due");
                        }
                    }
                    _ = stopped.changed() => break,
                }
            }
        });
        Expiry {
            stop,
            task: tokio::sync::Mutex::new(Some(task)),
        }
    }

    /// Stops the task and waits for it to end.
    pub async fn stop(&self) {
        // The receiver is gone only when the task has ended already.
        let _ = self.stop.send(true);
        if let Some(task) = self.task.lock().await.take()
            && let Err(error) = task.await
        {
            tracing::warn!(%error, "the promotion expiry task failed");
        }
    }
}

/// Expires the promotions that ended by now; a failure is logged and the
/// promotion is tried again at the next look.
async fn expire_ended(service: &CreatorMedia) {
    let now = Utc::now();
    let ended = match service.ended_promotions(now, BATCH).await {
        Ok(ended) => ended,
        Err(error) => {
            tracing::warn!(%error, "cannot read the promotions that ended");
            return;
        }
    };
    for promotion in ended {
        if let Err(error) = service.expire_promotion(promotion, now).await {
            tracing::warn!(%promotion, %error, "cannot expire a promotion");
        }
    }
}
