//! The programme's creator training (stream `cohort-<id>`), as published.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One session of a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionV1 {
    pub title: String,
    pub at: DateTime<Utc>,
}

/// An official opened a training cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CohortOpenedV1 {
    pub cohort_id: Uuid,
    pub name: String,
    /// In time order.
    pub sessions: Vec<SessionV1>,
    #[schemars(range(min = 1, max = 500))]
    pub capacity: u16,
    /// How many sessions a creator attends to be certified.
    #[schemars(range(min = 1, max = 20))]
    pub pass_mark: u8,
    pub at: DateTime<Utc>,
}

/// A creator enrolled in a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatorEnrolledV1 {
    pub cohort_id: Uuid,
    pub creator_id: Uuid,
    pub at: DateTime<Utc>,
}

/// Creators attended session number `session` (0-based) of a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttendanceRecordedV1 {
    pub cohort_id: Uuid,
    pub session: u8,
    pub creator_ids: Vec<Uuid>,
    pub at: DateTime<Utc>,
}

/// The cohort closed; `certified` attended at least its pass mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CohortCompletedV1 {
    pub cohort_id: Uuid,
    pub certified: Vec<Uuid>,
    pub at: DateTime<Utc>,
}
