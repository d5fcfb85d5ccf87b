//! Training: the bodies and views of cohorts, and the creators' tiers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api_codes;

api_codes! {
    /// What a creator has earned in the programme's training.
    CreatorTier {
        /// Registered, not certified: not recommended to merchants.
        New,
        /// Completed a cohort: recommended to merchants.
        Certified,
        /// Certified with 100,000 followers or more: first among equals.
        Featured,
    }
}

/// The tier of a creator view written before tiers existed.
pub fn new_tier() -> CreatorTier {
    CreatorTier::New
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainingSession {
    pub title: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenCohort {
    pub name: String,
    pub sessions: Vec<TrainingSession>,
    pub capacity: i64,
    pub pass_mark: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Enroll {
    pub creator_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordAttendance {
    /// 0-based.
    pub session: i64,
    pub creator_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortMemberView {
    pub creator_id: Uuid,
    /// The sessions attended (0-based), in order.
    pub attended: Vec<u8>,
    /// Set once the cohort is completed.
    pub certified: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortView {
    pub id: Uuid,
    pub name: String,
    pub sessions: Vec<TrainingSession>,
    pub capacity: u16,
    pub pass_mark: u8,
    pub members: Vec<CohortMemberView>,
    pub completed_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
    pub version: u64,
}
