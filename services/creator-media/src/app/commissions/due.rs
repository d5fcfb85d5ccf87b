use async_trait::async_trait;
use chrono::{DateTime, Utc};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::codec::{CreatorMediaCodec, CreatorMediaEvent};
use crate::app::projections::{ALL, listed};
use crate::domain::commission::CommissionEvent;

/// partition = "all", clustering = `<payable at>|<order id>` → [`Due`]: the
/// held commissions by the time they become payable.
pub const COMMISSIONS_DUE: &str = "creator_media_commissions_due";
/// partition = order id, clustering = "" → its clustering key in
/// [`COMMISSIONS_DUE`], while it is held.
const DUE_KEY: &str = "creator_media_commission_due_key";
/// The tables [`CommissionsDue`] writes.
pub const DUE_TABLES: [&str; 2] = [COMMISSIONS_DUE, DUE_KEY];

/// A held commission and when it becomes payable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Due {
    pub creator_id: Uuid,
    pub order_id: Uuid,
    pub payable_at: DateTime<Utc>,
}

/// Keeps [`COMMISSIONS_DUE`]: an accrued commission is listed until it is
/// payable.
pub struct CommissionsDue;

#[async_trait]
impl EventHandler for CommissionsDue {
    fn name(&self) -> &'static str {
        "creator-media.commissions-due"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let CreatorMediaEvent::Commission(commission) = event.decode::<CreatorMediaCodec>()? else {
            return Ok(());
        };
        match commission {
            CommissionEvent::Accrued(accrual) => {
                let key = listed(accrual.payable_at, accrual.order_id);
                let due = Due {
                    creator_id: accrual.creator_id,
                    order_id: accrual.order_id,
                    payable_at: accrual.payable_at,
                };
                tx.put_json(COMMISSIONS_DUE, ALL, &key, &due);
                tx.put_json(DUE_KEY, &accrual.order_id.to_string(), "", &key);
            }
            CommissionEvent::Payable { order_id, .. } => {
                let order = order_id.to_string();
                if let Some(key) = tx.row::<String>(DUE_KEY, &order, "").await? {
                    tx.delete(COMMISSIONS_DUE, ALL, &key);
                    tx.delete(DUE_KEY, &order, "");
                }
            }
            CommissionEvent::Reversed(_)
            | CommissionEvent::ClawedBack(_)
            | CommissionEvent::PaidOut(_) => {}
        }
        Ok(())
    }
}
