//! The read models of tie-ins and promotions (JSON rows), kept by one
//! projection over the service's own events.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use golmok_kernel::{EventHandler, HandleError, RecordedEvent, Transaction, json};
use uuid::Uuid;

use super::codec::{CreatorMediaCodec, CreatorMediaEvent};
pub use golmok_contracts::creator_media::http::{PromotionStatus, PromotionView, TieInView};

use super::projections::{ALL, listed};
use crate::domain::promotion::{PromotionEvent, Published};
use crate::domain::tie_in::{TieInCreated, TieInEvent};

/// partition = tie-in id, clustering = "" → `TieInView`.
pub const TIE_IN_BY_ID: &str = "creator_media_tie_in_by_id";
/// partition = "all", clustering = `<created at>|<id>` → `TieInView`.
pub const TIE_INS: &str = "creator_media_tie_ins";
/// partition = partner (token subject), clustering = `<created at>|<id>` → `TieInView`.
pub const PARTNER_TIE_INS: &str = "creator_media_partner_tie_ins";
/// partition = promotion id, clustering = "" → `PromotionView`.
pub const PROMOTION_BY_ID: &str = "creator_media_promotion_by_id";
/// partition = "all", clustering = `<published at>|<id>` → `PromotionView`.
pub const PROMOTIONS: &str = "creator_media_promotions";
/// partition = merchant id, clustering = `<published at>|<id>` → `PromotionView`.
pub const MERCHANT_PROMOTIONS: &str = "creator_media_merchant_promotions";
/// partition = "live", clustering = `<ends>|<id>` → `PromotionView`: the
/// promotions still live, by end, for the expiry.
pub const LIVE_PROMOTIONS: &str = "creator_media_live_promotions";
/// The single partition of the live promotions.
pub const LIVE: &str = "live";

/// Every read-model table of this projection, for tools that compare or rebuild them.
pub const PROMOTION_TABLES: [&str; 7] = [
    TIE_IN_BY_ID,
    TIE_INS,
    PARTNER_TIE_INS,
    PROMOTION_BY_ID,
    PROMOTIONS,
    MERCHANT_PROMOTIONS,
    LIVE_PROMOTIONS,
];

pub fn tie_in_view(created: &TieInCreated) -> TieInView {
    TieInView {
        id: created.tie_in_id,
        name: created.name.clone(),
        partner: created.partner.clone(),
        starts: created.starts,
        ends: created.ends,
        tags: created.tags.clone(),
        categories: created.categories.clone(),
        regions: created.regions.clone(),
        created_at: created.at,
    }
}

/// A promotion just published (live), at stream `version`.
pub fn promotion_view(published: &Published, version: u64) -> PromotionView {
    PromotionView {
        id: published.promotion_id,
        merchant_id: published.merchant_id,
        collaboration_id: published.collaboration_id,
        title: published.title.clone(),
        products: published.products.clone(),
        offer: golmok_kernel::Wire::to_wire(&published.offer),
        starts: published.starts,
        ends: published.ends,
        tags: published.tags.clone(),
        categories: published.categories.clone(),
        region: published.region.clone(),
        tie_in: published.tie_in,
        status: PromotionStatus::Live,
        published_at: published.at,
        ended_at: None,
        version,
    }
}

/// The tie-ins and promotions by id, the lists and the live promotions.
pub struct PromotionsProjection;

#[async_trait]
impl EventHandler for PromotionsProjection {
    fn name(&self) -> &'static str {
        "creator-media.promotions"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let version = event.envelope.stream_version;
        match event.decode::<CreatorMediaCodec>()? {
            CreatorMediaEvent::TieIn(TieInEvent::Created(created)) => {
                let view = tie_in_view(&created);
                let value = json(&view);
                let key = listed(view.created_at, view.id);
                tx.put(TIE_INS, ALL, &key, value.clone());
                tx.put(PARTNER_TIE_INS, &view.partner, &key, value.clone());
                tx.put(TIE_IN_BY_ID, &view.id.to_string(), "", value);
            }
            CreatorMediaEvent::Promotion(PromotionEvent::Published(published)) => {
                let view = promotion_view(&published, version);
                tx.put(
                    LIVE_PROMOTIONS,
                    LIVE,
                    &listed(view.ends, view.id),
                    json(&view),
                );
                put_promotion(tx, &view);
            }
            CreatorMediaEvent::Promotion(PromotionEvent::Withdrawn { promotion_id, at }) => {
                let status = PromotionStatus::Withdrawn;
                end_promotion(tx, promotion_id, status, at, version).await?;
            }
            CreatorMediaEvent::Promotion(PromotionEvent::Expired { promotion_id, at }) => {
                let status = PromotionStatus::Expired;
                end_promotion(tx, promotion_id, status, at, version).await?;
            }
            // The other aggregates' events are not the promotions'.
            _ => {}
        }
        Ok(())
    }
}

/// A promotion withdrawn or expired: no longer live.
async fn end_promotion(
    tx: &mut Transaction<'_>,
    promotion_id: Uuid,
    status: PromotionStatus,
    at: DateTime<Utc>,
    version: u64,
) -> Result<(), HandleError> {
    let id = promotion_id.to_string();
    let Some(mut view) = tx.row::<PromotionView>(PROMOTION_BY_ID, &id, "").await? else {
        return Ok(());
    };
    view.status = status;
    view.ended_at = Some(at);
    view.version = version;
    tx.delete(LIVE_PROMOTIONS, LIVE, &listed(view.ends, view.id));
    put_promotion(tx, &view);
    Ok(())
}

fn put_promotion(tx: &mut Transaction<'_>, view: &PromotionView) {
    let value = json(view);
    let key = listed(view.published_at, view.id);
    tx.put(PROMOTIONS, ALL, &key, value.clone());
    tx.put(
        MERCHANT_PROMOTIONS,
        &view.merchant_id.to_string(),
        &key,
        value.clone(),
    );
    tx.put(PROMOTION_BY_ID, &view.id.to_string(), "", value);
}
