//! Matching: the creators recommended for a merchant, with the reasons.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CreatorView;
use crate::api_codes;

api_codes! {
    /// Why a creator is recommended to a merchant.
    #[cfg_attr(feature = "graphql", graphql(name = "MatchReasonCode"))]
    MatchReason {
        /// It covers the merchant's category (detail: the category).
        SharedCategory,
        /// It works in the merchant's area (detail: the area).
        SameRegion,
        /// Its reach over all channels (detail: followers).
        Audience,
        /// It fits the track of the merchant's diagnosis (detail: the track).
        DiagnosisTrack,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchReasonView {
    pub code: MatchReason,
    pub detail: String,
    /// What the reason adds to the score.
    pub points: u32,
}

/// A recommended creator; `score` is the sum of its reasons' points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorMatchView {
    pub creator: CreatorView,
    pub score: u32,
    pub reasons: Vec<MatchReasonView>,
}

/// The best creators for a merchant, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorMatchesView {
    pub merchant_id: Uuid,
    pub matches: Vec<CreatorMatchView>,
}
