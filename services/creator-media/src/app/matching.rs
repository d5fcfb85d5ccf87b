//! Matching: the creators to recommend to a merchant. What the service knows
//! of merchants comes from the storefront's events (its published contract,
//! `golmok_contracts::storefront`), kept in a small directory; the creators
//! are this service's own read model; the ranking is the domain's.

use async_trait::async_trait;
use golmok_contracts::creator_media::http::{
    CreatorMatchView, CreatorMatchesView, MatchReason, MatchReasonView,
};
use golmok_contracts::storefront::{self as sf, MerchantFact, Route};
use golmok_kernel::{
    EventHandler, HandleError, PageRequest, RecordedEvent, StreamName, Transaction,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::views::{CreatorTier, CreatorView};
use super::{AppError, CreatorMedia};
use crate::domain::matching::{self, Candidate, Merchant, Reason, Track};
use crate::domain::training::Tier;

/// partition = merchant id, clustering = "" → `MerchantRow`.
pub const MERCHANTS: &str = "creator_media_merchants";

/// The most creators one answer recommends.
pub const MATCHES_MAX: usize = 50;

/// What matching keeps of a storefront merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantRow {
    pub category: String,
    pub district: String,
    /// The latest diagnosis's route.
    pub route: Option<Route>,
    pub suspended: bool,
}

/// The storefront's merchant streams, `merchant-<merchant id>`.
const MERCHANT: StreamName = StreamName::new("merchant");

/// The merchants as matching sees them, fed by the storefront's merchant
/// events (in process: the storefront's log; distributed: its Kafka topic).
pub struct MerchantDirectory;

#[async_trait]
impl EventHandler for MerchantDirectory {
    fn name(&self) -> &'static str {
        "creator-media.merchants"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let envelope = &event.envelope;
        let Some(merchant_id) = MERCHANT.parse(&envelope.subject) else {
            return Ok(());
        };
        let Some(name) = event.followed(sf::SERVICE, &MerchantFact::NAMES, sf::VERSION)? else {
            return Ok(());
        };
        let fact =
            MerchantFact::read(name, envelope.data.clone()).map_err(HandleError::permanent)?;
        let id = merchant_id.to_string();
        let before: Option<MerchantRow> = tx.row(MERCHANTS, &id, "").await?;
        let after = match (before, fact) {
            (_, Some(MerchantFact::Registered(registered))) => MerchantRow {
                category: registered.category,
                district: registered.district,
                route: None,
                suspended: false,
            },
            (Some(mut row), Some(MerchantFact::ProfileUpdated(update))) => {
                row.category = update.category.unwrap_or(row.category);
                row.district = update.district.unwrap_or(row.district);
                row
            }
            (Some(mut row), Some(MerchantFact::Diagnosed(diagnosis))) => {
                row.route = Some(diagnosis.route);
                row
            }
            (Some(mut row), Some(MerchantFact::Suspended(_))) => {
                row.suspended = true;
                row
            }
            (Some(mut row), Some(MerchantFact::Reinstated(_))) => {
                row.suspended = false;
                row
            }
            _ => return Ok(()),
        };
        tx.put_json(MERCHANTS, &id, "", &after);
        Ok(())
    }
}

fn track(route: Route) -> Track {
    match route {
        Route::ChannelListing => Track::ChannelListing,
        Route::DedicatedSeller => Track::DedicatedSeller,
        Route::Education => Track::Education,
    }
}

fn tier(tier: CreatorTier) -> Tier {
    match tier {
        CreatorTier::New => Tier::New,
        CreatorTier::Certified => Tier::Certified,
        CreatorTier::Featured => Tier::Featured,
    }
}

fn candidate(view: &CreatorView) -> Candidate {
    Candidate {
        creator_id: view.id,
        handle: view.handle.clone(),
        categories: view.categories.clone(),
        region: view.region.clone(),
        channels: view
            .channels
            .iter()
            .map(|channel| (channel.platform.into(), channel.audience))
            .collect(),
        tier: tier(view.tier),
    }
}

fn reason_view(reason: &Reason) -> MatchReasonView {
    let (code, detail) = match reason {
        Reason::SharedCategory { category } => (MatchReason::SharedCategory, category.clone()),
        Reason::SameRegion { region } => (MatchReason::SameRegion, region.clone()),
        Reason::Audience { audience } => (MatchReason::Audience, audience.to_string()),
        Reason::DiagnosisTrack { track } => (
            MatchReason::DiagnosisTrack,
            match track {
                Track::ChannelListing => "CHANNEL_LISTING",
                Track::DedicatedSeller => "DEDICATED_SELLER",
                Track::Education => "EDUCATION",
            }
            .to_owned(),
        ),
    };
    MatchReasonView {
        code,
        detail,
        points: reason.points(),
    }
}

impl CreatorMedia {
    /// The best `limit` creators for `merchant_id`, with their reasons. The
    /// merchant must be in the directory (the storefront's events have
    /// arrived) and not suspended.
    pub async fn creator_matches(
        &self,
        merchant_id: Uuid,
        limit: usize,
    ) -> Result<CreatorMatchesView, AppError> {
        let row: MerchantRow = self
            .tables
            .get_json(MERCHANTS, &merchant_id.to_string(), "")
            .await?
            .ok_or(AppError::MerchantNotFound)?;
        if row.suspended {
            return Err(AppError::MerchantSuspended);
        }
        let merchant = Merchant {
            category: row.category,
            district: row.district,
            track: row.route.map(track),
        };
        let creators = self.all_creators().await?;
        let candidates: Vec<Candidate> = creators.iter().map(candidate).collect();
        let matches = matching::rank(&merchant, &candidates, limit.min(MATCHES_MAX))
            .into_iter()
            .filter_map(|found| {
                let creator = creators.iter().find(|c| c.id == found.creator_id)?;
                Some(CreatorMatchView {
                    creator: creator.clone(),
                    score: found.score,
                    reasons: found.reasons.iter().map(reason_view).collect(),
                })
            })
            .collect();
        Ok(CreatorMatchesView {
            merchant_id,
            matches,
        })
    }

    /// Every registered creator, page by page.
    async fn all_creators(&self) -> Result<Vec<CreatorView>, AppError> {
        let mut creators = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .page::<CreatorView>(
                    super::projections::CREATORS,
                    &PageRequest {
                        first: 500,
                        after: after.take(),
                    },
                )
                .await?;
            creators.extend(page.items);
            match page.next_cursor {
                Some(next) => after = Some(next),
                None => return Ok(creators),
            }
        }
    }
}
