//! The programme's creator training: cohorts of sessions, enrollment,
//! attendance and certification, which decides a creator's tier.

use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http as contract;

use super::types::Creator;
use crate::relay::{GlobalId, ListId, NodeType, PageRequest, page};
use crate::schema::context::ContextExt;
use crate::schema::outcome::{InputNames, Refusal, idempotency_key, input_id, payload, settle};
use crate::upstream::creator_media_model as model;
use crate::upstream::{CallError, CreatorMedia};

/// A training cohort of the programme.
pub(crate) struct TrainingCohort(pub(crate) model::Cohort);

#[Object]
impl TrainingCohort {
    /// The cohort's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::TrainingCohort, self.0.id).to_id()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// In time order; a session is named by its 0-based position.
    async fn sessions(&self) -> Vec<TrainingCohortSession<'_>> {
        self.0.sessions.iter().map(TrainingCohortSession).collect()
    }

    async fn capacity(&self) -> i32 {
        self.0.capacity.into()
    }

    /// How many sessions a creator attends to be certified.
    async fn pass_mark(&self) -> i32 {
        self.0.pass_mark.into()
    }

    /// The enrolled creators, in enrollment order.
    async fn members(&self) -> Vec<TrainingCohortMember<'_>> {
        self.0.members.iter().map(TrainingCohortMember).collect()
    }

    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }
}

pub(crate) struct TrainingCohortSession<'a>(&'a model::TrainingSession);

#[Object]
impl TrainingCohortSession<'_> {
    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A creator enrolled in a cohort.
pub(crate) struct TrainingCohortMember<'a>(&'a model::CohortMember);

#[Object]
impl TrainingCohortMember<'_> {
    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<Creator>> {
        super::find_creator(ctx, self.0.creator_id).await
    }

    /// The sessions attended (0-based).
    async fn attended(&self) -> Vec<i32> {
        self.0.attended.iter().map(|&s| i32::from(s)).collect()
    }

    /// Null until the cohort is completed.
    async fn certified(&self) -> Option<bool> {
        self.0.certified
    }
}

pub(crate) async fn find_cohort(
    ctx: &async_graphql::Context<'_>,
    id: uuid::Uuid,
) -> Result<Option<TrainingCohort>> {
    Ok(ctx
        .request()
        .upstream::<CreatorMedia>()
        .cohort(id)
        .await
        .extend()?
        .map(TrainingCohort))
}

#[derive(Default)]
pub(crate) struct TrainingQuery;

#[Object]
impl TrainingQuery {
    /// A training cohort by global id.
    async fn training_cohort(&self, ctx: &Context<'_>, id: ID) -> Result<Option<TrainingCohort>> {
        let id = GlobalId::expect(&id, NodeType::TrainingCohort).map_err(|e| e.extend())?;
        find_cohort(ctx, id).await
    }

    /// Every cohort, in opening order.
    #[graphql(complexity = "PageRequest::complexity(first, child_complexity)")]
    async fn training_cohorts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Connection<String, TrainingCohort>> {
        let media = &ctx.request().upstream::<CreatorMedia>();
        page(
            PageRequest::new(ListId::new("training-cohorts", ""), first, after)?,
            |first, after| async move { media.cohorts(first, after.as_deref()).await },
            TrainingCohort,
        )
        .await
        .extend()
    }
}

/// Refusals about ids in the path point at their inputs.
const NAMES: InputNames = InputNames {
    renames: &[],
    codes: &[
        ("COHORT_NOT_FOUND", "cohortId"),
        ("CREATOR_NOT_FOUND", "creatorId"),
    ],
};

fn refusal(error: CallError) -> Refusal {
    NAMES.refusal(error)
}

#[derive(InputObject)]
pub(crate) struct TrainingSessionInput {
    title: String,
    at: DateTime<Utc>,
}

#[derive(InputObject)]
pub(crate) struct OpenTrainingCohortInput {
    name: String,
    /// 1 to 20, in time order.
    sessions: Vec<TrainingSessionInput>,
    /// 1 to 500 creators.
    capacity: i32,
    /// How many sessions a creator attends to be certified, 1 to the number of sessions.
    pass_mark: i32,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct EnrollInTrainingInput {
    /// The cohort's global id.
    cohort_id: ID,
    /// The creator's global id (the caller's own creator, or any for officials).
    creator_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct RecordTrainingAttendanceInput {
    /// The cohort's global id.
    cohort_id: ID,
    /// The session's 0-based position.
    session: i32,
    /// The enrolled creators who attended, by global id.
    creator_ids: Vec<ID>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct CompleteTrainingCohortInput {
    /// The cohort's global id.
    cohort_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(TrainingCohortPayload {
    training_cohort: TrainingCohort
});

#[derive(Default)]
pub(crate) struct TrainingMutation;

#[Object]
impl TrainingMutation {
    /// Opens a training cohort (officials).
    async fn open_training_cohort(
        &self,
        ctx: &Context<'_>,
        input: OpenTrainingCohortInput,
    ) -> Result<TrainingCohortPayload> {
        let request = ctx.request();
        settle(
            async {
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::OpenCohort {
                    name: input.name.clone(),
                    sessions: input
                        .sessions
                        .iter()
                        .map(|s| contract::TrainingSession {
                            title: s.title.clone(),
                            at: s.at,
                        })
                        .collect(),
                    capacity: input.capacity.into(),
                    pass_mark: input.pass_mark.into(),
                };
                let opened = request
                    .upstream::<CreatorMedia>()
                    .open_cohort(&body, key)
                    .await;
                Ok(TrainingCohort(opened.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Enrolls a creator in a cohort (the creator itself, or officials) up
    /// to its capacity.
    async fn enroll_in_training(
        &self,
        ctx: &Context<'_>,
        input: EnrollInTrainingInput,
    ) -> Result<TrainingCohortPayload> {
        let request = ctx.request();
        settle(
            async {
                let cohort = input_id(&input.cohort_id, NodeType::TrainingCohort, "cohortId")?;
                let creator = input_id(&input.creator_id, NodeType::Creator, "creatorId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::Enroll {
                    creator_id: creator,
                };
                let enrolled = request
                    .upstream::<CreatorMedia>()
                    .cohort_step(cohort, "enrollments", &body, key)
                    .await;
                Ok(TrainingCohort(enrolled.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Records who attended a session (officials).
    async fn record_training_attendance(
        &self,
        ctx: &Context<'_>,
        input: RecordTrainingAttendanceInput,
    ) -> Result<TrainingCohortPayload> {
        let request = ctx.request();
        settle(
            async {
                let cohort = input_id(&input.cohort_id, NodeType::TrainingCohort, "cohortId")?;
                let mut creators = Vec::with_capacity(input.creator_ids.len());
                for id in &input.creator_ids {
                    creators.push(input_id(id, NodeType::Creator, "creatorIds")?);
                }
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::RecordAttendance {
                    session: input.session.into(),
                    creator_ids: creators,
                };
                let recorded = request
                    .upstream::<CreatorMedia>()
                    .cohort_step(cohort, "attendance", &body, key)
                    .await;
                Ok(TrainingCohort(recorded.map_err(refusal)?))
            }
            .await,
        )
    }

    /// Completes a cohort (officials): every creator who attended at least
    /// its pass mark is certified, and placed in merchants' recommendations.
    async fn complete_training_cohort(
        &self,
        ctx: &Context<'_>,
        input: CompleteTrainingCohortInput,
    ) -> Result<TrainingCohortPayload> {
        let request = ctx.request();
        settle(
            async {
                let cohort = input_id(&input.cohort_id, NodeType::TrainingCohort, "cohortId")?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let completed = request
                    .upstream::<CreatorMedia>()
                    .cohort_step(cohort, "completion", &contract::Empty {}, key)
                    .await;
                Ok(TrainingCohort(completed.map_err(refusal)?))
            }
            .await,
        )
    }
}
