//! What the storefront knows of creator-media, for orders that carry a
//! creator's code or come from a live session: creator handles and live
//! sessions (merchant, host, state, live prices), fed by creator-media's
//! events (in process: its log; distributed: its Kafka topic) read through
//! their published contract (`golmok_contracts::creator_media`), never
//! through its crate.

use std::collections::BTreeMap;

use async_trait::async_trait;
use golmok_contracts::creator_media::{
    self as cm, CreatorRegisteredV1, LiveMomentV1, LiveScheduledV1,
};
use golmok_contracts::read;
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AppError, Storefront};
use crate::domain::Won;
use crate::domain::shop::{CreatorCode, LiveClaim, LiveSession, LiveStatus, OrderSource};

/// partition = creator handle (normalized), clustering = "" → creator id.
pub const CREATOR_HANDLES: &str = "storefront_creator_handles";
/// partition = live id, clustering = "" → `LiveRow`.
pub const LIVES: &str = "storefront_lives";

/// A code longer than this names no creator (a handle has at most 30
/// characters); it is refused before it is looked up or stored.
const CODE_MAX: usize = 64;

/// A live session as the storefront keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveRow {
    pub merchant_id: Uuid,
    pub host_creator_id: Option<Uuid>,
    pub status: LiveState,
    /// Tagged product → its live price (won), for those that have one.
    pub prices: BTreeMap<Uuid, i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LiveState {
    Scheduled,
    OnAir,
    Ended,
    Cancelled,
}

impl From<LiveState> for LiveStatus {
    fn from(state: LiveState) -> Self {
        match state {
            LiveState::Scheduled => LiveStatus::Scheduled,
            LiveState::OnAir => LiveStatus::OnAir,
            LiveState::Ended => LiveStatus::Ended,
            LiveState::Cancelled => LiveStatus::Cancelled,
        }
    }
}

/// A creator's code as creator-media normalizes handles: surrounding space
/// and one leading `@` dropped, ASCII letters in lower case.
pub fn handle_of(code: &str) -> String {
    let text = code.trim();
    text.strip_prefix('@').unwrap_or(text).to_ascii_lowercase()
}

/// The creator-media events this follower reads.
const NAMES: [&str; 5] = [
    "CreatorRegistered",
    "LiveScheduled",
    "LiveStarted",
    "LiveEnded",
    "LiveCancelled",
];

fn wire<T: DeserializeOwned + schemars::JsonSchema>(
    event: &RecordedEvent,
) -> Result<T, HandleError> {
    read(event.envelope.data.clone()).map_err(HandleError::permanent)
}

/// Follows creator-media's creators and lives into [`CREATOR_HANDLES`] and
/// [`LIVES`].
pub struct CreatorMediaFollower;

#[async_trait]
impl EventHandler for CreatorMediaFollower {
    fn name(&self) -> &'static str {
        "storefront.creator-media"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let Some(name) = event.followed(cm::SERVICE, &NAMES, cm::VERSION)? else {
            return Ok(());
        };
        match name {
            "CreatorRegistered" => {
                let w: CreatorRegisteredV1 = wire(event)?;
                tx.put_json(CREATOR_HANDLES, &handle_of(&w.handle), "", &w.creator_id);
            }
            "LiveScheduled" => {
                let w: LiveScheduledV1 = wire(event)?;
                let row = LiveRow {
                    merchant_id: w.merchant_id,
                    host_creator_id: w.host_creator_id,
                    status: LiveState::Scheduled,
                    prices: w
                        .products
                        .iter()
                        // Creator-media refuses a live price below 1 won.
                        .filter_map(|p| {
                            p.live_price
                                .filter(|price| *price > 0)
                                .map(|price| (p.product_id, price))
                        })
                        .collect(),
                };
                tx.put_json(LIVES, &w.live_id.to_string(), "", &row);
            }
            moment => {
                let w: LiveMomentV1 = wire(event)?;
                let id = w.live_id.to_string();
                let Some(mut row) = tx.row::<LiveRow>(LIVES, &id, "").await? else {
                    return Err(HandleError::permanent(format!(
                        "live {id} has no LiveScheduled event"
                    )));
                };
                row.status = match moment {
                    "LiveStarted" => LiveState::OnAir,
                    "LiveEnded" => LiveState::Ended,
                    _ => LiveState::Cancelled,
                };
                tx.put_json(LIVES, &id, "", &row);
            }
        }
        Ok(())
    }
}

impl Storefront {
    /// The creator whose handle `code` is, if any.
    async fn creator_of(&self, code: &str) -> Result<Option<Uuid>, AppError> {
        if code.len() > CODE_MAX {
            return Ok(None);
        }
        Ok(self
            .tables
            .get_json(CREATOR_HANDLES, &handle_of(code), "")
            .await?)
    }

    /// The live session `live_id` names, as last followed.
    async fn live(&self, live_id: Uuid) -> Result<Option<LiveSession>, AppError> {
        let row: Option<LiveRow> = self
            .tables
            .get_json(LIVES, &live_id.to_string(), "")
            .await?;
        Ok(row.map(|row| LiveSession {
            live_id,
            merchant_id: row.merchant_id,
            host_creator_id: row.host_creator_id,
            status: row.status.into(),
            prices: row
                .prices
                .into_iter()
                .map(|(product, price)| (product, Won(price)))
                .collect(),
        }))
    }

    /// What the buyer gave, resolved against what the storefront knows; the
    /// shop's decider judges it.
    pub(super) async fn order_source(
        &self,
        creator_code: Option<String>,
        live_id: Option<Uuid>,
    ) -> Result<OrderSource, AppError> {
        let code = match creator_code {
            None => None,
            Some(code) => Some(CreatorCode {
                creator_id: self.creator_of(&code).await?,
                code,
            }),
        };
        let live = match live_id {
            None => None,
            Some(live_id) => Some(LiveClaim {
                live_id,
                session: self.live(live_id).await?,
            }),
        };
        Ok(OrderSource { code, live })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_creator_media_reads_handles() {
        for code in ["minji.eats", "@minji.eats", " @Minji.Eats ", "MINJI.EATS"] {
            assert_eq!(handle_of(code), "minji.eats", "{code:?}");
        }
        assert_ne!(handle_of("@@minji.eats"), "minji.eats");
    }
}
