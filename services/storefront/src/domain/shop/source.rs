//! Where an order comes from: a creator's code, a live session, or both. The
//! application resolves what the buyer gave against what the storefront
//! knows of creator-media's creators and lives; the decider judges it.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::{Attribution, ShopError};
use crate::domain::Won;

/// How far a live session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Scheduled,
    OnAir,
    Ended,
    Cancelled,
}

/// A live session as the storefront knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub live_id: Uuid,
    pub merchant_id: Uuid,
    pub host_creator_id: Option<Uuid>,
    pub status: LiveStatus,
    /// The live prices of its tagged products that have one.
    pub prices: BTreeMap<Uuid, Won>,
}

/// The creator code the buyer gave, and the creator whose handle it is
/// (`None` when no creator has it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatorCode {
    pub code: String,
    pub creator_id: Option<Uuid>,
}

/// The live id the buyer gave, and the live it names (`None` when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveClaim {
    pub live_id: Uuid,
    pub session: Option<LiveSession>,
}

/// What the buyer said the order comes from, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderSource {
    pub code: Option<CreatorCode>,
    pub live: Option<LiveClaim>,
}

/// What an accepted source means for the order: its attribution and the
/// live prices that replace the products' prices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sourced {
    pub attribution: Option<Attribution>,
    pub live_prices: BTreeMap<Uuid, Won>,
}

impl OrderSource {
    /// Judges the source of an order of `merchant_id`: a live must be this
    /// merchant's and on air, a code must name a creator. The creator
    /// credited is the code's, else the live's host.
    pub fn judge(&self, merchant_id: Uuid) -> Result<Sourced, ShopError> {
        let live = match &self.live {
            None => None,
            Some(claim) => {
                let session = claim
                    .session
                    .as_ref()
                    .filter(|session| session.merchant_id == merchant_id)
                    .ok_or(ShopError::LiveNotFound)?;
                if session.status != LiveStatus::OnAir {
                    return Err(ShopError::LiveNotOnAir);
                }
                Some(session)
            }
        };
        let code_creator = match &self.code {
            None => None,
            Some(code) => Some(code.creator_id.ok_or(ShopError::CreatorCodeUnknown)?),
        };
        if self.code.is_none() && live.is_none() {
            return Ok(Sourced::default());
        }
        Ok(Sourced {
            attribution: Some(Attribution {
                creator_id: code_creator.or_else(|| live.and_then(|l| l.host_creator_id)),
                code: self.code.as_ref().map(|code| code.code.clone()),
                live_id: live.map(|l| l.live_id),
            }),
            live_prices: live.map(|l| l.prices.clone()).unwrap_or_default(),
        })
    }
}
