//! The process that follows the storefront's order events (its published
//! contract, `golmok_contracts::storefront`; in process its log, distributed
//! its Kafka topic). An order placed with a creator's attribution is matched
//! with the collaboration active at its instant between its merchant and the
//! creator — an order without one with the merchant's active delegated-selling
//! collaboration, whose creator earns its revenue share on every covered
//! order — and remembered in the process's own rows; its confirmation (the
//! order is paid) accrues the commission, held for the return window; a
//! return takes back the returned lines' share, a cancellation after the
//! confirmation all of it. A redelivered event finds
//! its row, and the ledger ignores an order or a return it has seen.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use golmok_contracts::creator_media::http::{
    CollaborationMode, CollaborationStatus, CollaborationView,
};
use golmok_contracts::storefront::{
    self as sf, OrderInstantV1, OrderLinesReturnedV1, OrderPlacedV1,
};
use golmok_kernel::{
    CommandMeta, EventHandler, HandleError, ListPage, RecordedEvent, StreamName, Transaction,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::collaboration_projection::{BY_PARTY, merchant_partition};
use crate::app::{AppError, CreatorMedia};
use crate::domain::commission::{Attributed, ReturnedSale, Sale};

/// partition = order id, clustering = "" → [`OrderRow`]: the orders placed
/// with a creator's attribution.
pub const COMMISSION_ORDERS: &str = "creator_media_commission_orders";

/// The storefront's shop streams, `shop-<merchant id>`, whose order events this follows.
const SHOP: StreamName = StreamName::new("shop");

/// How far an attributed order has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    /// Placed under an active collaboration: accrues when it is paid.
    Placed,
    /// No active collaboration covered it: it earns nothing.
    Unattributed,
    Cancelled,
    Accrued,
}

/// An order placed with a creator's attribution, as the process keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderRow {
    pub merchant_id: Uuid,
    pub creator_id: Uuid,
    pub collaboration_id: Option<Uuid>,
    pub live_id: Option<Uuid>,
    /// The lines the collaboration covers, each with its rate.
    pub lines: Vec<SaleRow>,
    pub stage: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleRow {
    pub product_id: Uuid,
    pub sales: i64,
    pub bps: u32,
}

/// Whether `collaboration` was active at `at`: accepted by then, not ended
/// or expired, and `at` within its validity.
fn active_at(collaboration: &CollaborationView, at: DateTime<Utc>) -> bool {
    collaboration.status == CollaborationStatus::Active
        && collaboration.updated_at <= at
        && collaboration.starts <= at
        && at < collaboration.ends
}

/// The order's lines the collaboration covers (an empty product list covers
/// all), each at its per-product rate, else the default — in delegated
/// selling never below the revenue share, which every covered order earns.
fn covered_lines(
    collaboration: &CollaborationView,
    placed: &OrderPlacedV1,
) -> Result<Vec<SaleRow>, HandleError> {
    let mut lines = Vec::new();
    for line in &placed.lines {
        let covered =
            collaboration.products.is_empty() || collaboration.products.contains(&line.product_id);
        if !covered {
            continue;
        }
        let bps = collaboration
            .product_commissions
            .iter()
            .find(|c| c.product_id == line.product_id)
            .map_or(collaboration.commission_bps, |c| c.bps)
            .max(revenue_share(collaboration));
        let sales = i64::try_from(line.quantity)
            .ok()
            .and_then(|quantity| line.unit_price.checked_mul(quantity))
            .ok_or_else(|| HandleError::permanent("an order line's sales overflow"))?;
        lines.push(SaleRow {
            product_id: line.product_id,
            sales,
            bps,
        });
    }
    Ok(lines)
}

/// The revenue share of a delegated-selling collaboration (0 otherwise).
fn revenue_share(collaboration: &CollaborationView) -> u32 {
    match (&collaboration.mode, &collaboration.delegation) {
        (CollaborationMode::DelegatedSelling, Some(delegation)) => delegation.revenue_share_bps,
        _ => 0,
    }
}

impl CreatorMedia {
    /// The collaboration of `merchant_id` active at `at` that credits an
    /// order: the one with `creator_id` (the order's attribution), else a
    /// delegated-selling one, whose creator runs the store for the merchant.
    async fn collaboration_at(
        &self,
        merchant_id: Uuid,
        creator_id: Option<Uuid>,
        at: DateTime<Utc>,
    ) -> Result<Option<CollaborationView>, AppError> {
        let partition = merchant_partition(merchant_id);
        let mut after = None;
        loop {
            let page: ListPage<(String, CollaborationView)> = self
                .scan_rows(BY_PARTY, &partition, after.as_deref(), 500)
                .await?;
            let found = page.items.into_iter().map(|(_, view)| view).find(|view| {
                let credits = match creator_id {
                    Some(creator) => view.creator_id == creator,
                    None => revenue_share(view) > 0,
                };
                credits && active_at(view, at)
            });
            match (found, page.next_cursor) {
                (Some(view), _) => return Ok(Some(view)),
                (None, Some(next)) => after = Some(next),
                (None, None) => return Ok(None),
            }
        }
    }
}

/// Follows the storefront's order events into the creators' commissions.
pub struct OrderCommissions {
    service: Arc<CreatorMedia>,
    /// How long a paid order's commission is held: its return window.
    hold: TimeDelta,
}

impl OrderCommissions {
    pub fn new(service: Arc<CreatorMedia>, hold: TimeDelta) -> Self {
        Self { service, hold }
    }

    /// Remembers an attributed order with the lines its creator earns on
    /// (none without an active collaboration).
    async fn placed(
        &self,
        merchant_id: Uuid,
        placed: &OrderPlacedV1,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let attribution = placed.attribution.as_ref();
        let credited = attribution.and_then(|a| a.creator_id);
        let id = placed.order_id.to_string();
        if tx
            .row::<OrderRow>(COMMISSION_ORDERS, &id, "")
            .await?
            .is_some()
        {
            return Ok(());
        }
        let collaboration = self
            .service
            .collaboration_at(merchant_id, credited, placed.at)
            .await
            .map_err(handle_error)?;
        let Some(creator_id) = credited.or(collaboration.as_ref().map(|c| c.creator_id)) else {
            return Ok(());
        };
        let lines = match &collaboration {
            Some(collaboration) => covered_lines(collaboration, placed)?,
            None => Vec::new(),
        };
        let stage = if lines.is_empty() {
            Stage::Unattributed
        } else {
            Stage::Placed
        };
        let row = OrderRow {
            merchant_id,
            creator_id,
            collaboration_id: collaboration.map(|c| c.id),
            live_id: attribution.and_then(|a| a.live_id),
            lines,
            stage,
        };
        tx.put_json(COMMISSION_ORDERS, &id, "", &row);
        Ok(())
    }
}

fn handle_error(error: AppError) -> HandleError {
    match error {
        AppError::Fault(fault) => fault.into(),
        error => HandleError::permanent(error),
    }
}

/// The storefront event's published wire struct (its contract).
fn wire<T: serde::de::DeserializeOwned + schemars::JsonSchema>(
    event: &RecordedEvent,
) -> Result<T, HandleError> {
    golmok_contracts::read(event.envelope.data.clone()).map_err(HandleError::permanent)
}

#[async_trait]
impl EventHandler for OrderCommissions {
    fn name(&self) -> &'static str {
        "creator-media.order_commissions"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let Some(merchant_id) = SHOP.parse(&event.envelope.subject) else {
            return Ok(());
        };
        let followed = [
            "OrderPlaced",
            "OrderConfirmed",
            "OrderCancelled",
            "OrderLinesReturned",
        ];
        let Some(name) = event.followed(sf::SERVICE, &followed, sf::VERSION)? else {
            return Ok(());
        };
        if name == "OrderPlaced" {
            let placed: OrderPlacedV1 = wire(event)?;
            return self.placed(merchant_id, &placed, tx).await;
        }
        let order_id = match name {
            "OrderLinesReturned" => wire::<OrderLinesReturnedV1>(event)?.order_id,
            _ => wire::<OrderInstantV1>(event)?.order_id,
        };
        let id = order_id.to_string();
        let Some(mut row) = tx.row::<OrderRow>(COMMISSION_ORDERS, &id, "").await? else {
            return Ok(());
        };
        let meta = CommandMeta::caused_by(&event.envelope);
        match (name, row.stage, row.collaboration_id) {
            ("OrderConfirmed", Stage::Placed, Some(collaboration_id)) => {
                let confirmed: OrderInstantV1 = wire(event)?;
                let order = Attributed {
                    creator_id: row.creator_id,
                    order_id,
                    merchant_id: row.merchant_id,
                    collaboration_id,
                    live_id: row.live_id,
                    lines: row
                        .lines
                        .iter()
                        .map(|line| Sale {
                            product_id: line.product_id,
                            sales: line.sales,
                            bps: line.bps,
                        })
                        .collect(),
                    payable_at: confirmed.at + self.hold,
                    at: confirmed.at,
                };
                self.service
                    .accrue_commission(order, &meta)
                    .await
                    .map_err(handle_error)?;
                row.stage = Stage::Accrued;
            }
            ("OrderCancelled", Stage::Placed, _) => row.stage = Stage::Cancelled,
            // A confirmed order the storefront still cancels (a card order,
            // or a voucher capture that failed) was never paid: everything
            // left of its commission is taken back, under the order's id.
            ("OrderCancelled", Stage::Accrued, _) => {
                let lines = row
                    .lines
                    .iter()
                    .map(|line| ReturnedSale {
                        product_id: line.product_id,
                        amount: line.sales,
                    })
                    .collect();
                self.service
                    .return_commission(row.creator_id, order_id, order_id, lines, &meta)
                    .await
                    .map_err(handle_error)?;
                row.stage = Stage::Cancelled;
            }
            ("OrderLinesReturned", Stage::Accrued, _) => {
                let returned: OrderLinesReturnedV1 = wire(event)?;
                let lines = returned
                    .lines
                    .iter()
                    .map(|line| ReturnedSale {
                        product_id: line.product_id,
                        amount: line.amount,
                    })
                    .collect();
                self.service
                    .return_commission(row.creator_id, order_id, returned.return_id, lines, &meta)
                    .await
                    .map_err(handle_error)?;
                return Ok(());
            }
            _ => return Ok(()),
        }
        tx.put_json(COMMISSION_ORDERS, &id, "", &row);
        Ok(())
    }
}
