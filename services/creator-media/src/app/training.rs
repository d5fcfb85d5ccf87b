//! Training: officials open cohorts and record attendance, creators enroll,
//! completion certifies; the cohorts' read model.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use golmok_contracts::creator_media::http::{CohortMemberView, CohortView, TrainingSession};
use golmok_kernel::{
    CommandHandler, CommandMeta, EventHandler, HandleError, ListPage, PageRequest, RecordedEvent,
    StreamName, Transaction, json,
};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::codec::{CohortCodec, CreatorMediaCodec, CreatorMediaEvent};
use super::projections::ALL;
use super::{AppError, Committed, CreatorMedia};
use crate::domain::training::{
    Cohort, CohortCommand, CohortError, CohortEvent, CohortState, Opened, Session,
};

/// `cohort-<cohort id>`: one training cohort.
pub const COHORT: StreamName = StreamName::new("cohort");
/// partition = cohort id, clustering = "" → `CohortView`.
pub const COHORT_BY_ID: &str = "creator_media_cohort_by_id";
/// partition = "all", clustering = `<opened at>|<id>` → `CohortView`.
pub const COHORTS: &str = "creator_media_cohorts";

pub type Cohorts = CommandHandler<Cohort, CohortCodec>;

/// A cohort as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCohort {
    pub name: String,
    pub sessions: Vec<TrainingSession>,
    pub capacity: i64,
    pub pass_mark: i64,
}

/// What may be done to an open cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CohortAction {
    Enroll(Uuid),
    Attend {
        session: i64,
        creator_ids: Vec<Uuid>,
    },
    Complete,
}

/// The view of a cohort's state.
fn view_of(state: &CohortState, version: u64) -> Option<CohortView> {
    let opened = state.opened.as_ref()?;
    let members = state
        .enrolled
        .iter()
        .map(|id| CohortMemberView {
            creator_id: *id,
            attended: state
                .attended
                .get(id)
                .map(|sessions| sessions.iter().copied().collect())
                .unwrap_or_default(),
            certified: state
                .completed
                .as_ref()
                .map(|(_, certified)| certified.contains(id)),
        })
        .collect();
    Some(CohortView {
        id: opened.cohort_id,
        name: opened.name.clone(),
        sessions: opened
            .sessions
            .iter()
            .map(|s| TrainingSession {
                title: s.title.clone(),
                at: s.at,
            })
            .collect(),
        capacity: opened.capacity,
        pass_mark: opened.pass_mark,
        members,
        completed_at: state.completed.as_ref().map(|(at, _)| *at),
        opened_at: opened.at,
        version,
    })
}

/// `view` after `event`: the projection's fold of a cohort's events.
fn apply(view: Option<CohortView>, event: &CohortEvent, version: u64) -> Option<CohortView> {
    let mut view = match (view, event) {
        (_, CohortEvent::Opened(opened)) => {
            let state = CohortState {
                opened: Some(opened.clone()),
                ..CohortState::default()
            };
            return view_of(&state, version);
        }
        (None, _) => return None,
        (Some(view), _) => view,
    };
    match event {
        CohortEvent::Opened(_) => {}
        CohortEvent::Enrolled { creator_id, .. } => view.members.push(CohortMemberView {
            creator_id: *creator_id,
            attended: Vec::new(),
            certified: None,
        }),
        CohortEvent::AttendanceRecorded {
            session,
            creator_ids,
            ..
        } => {
            for member in &mut view.members {
                if creator_ids.contains(&member.creator_id) && !member.attended.contains(session) {
                    member.attended.push(*session);
                    member.attended.sort_unstable();
                }
            }
        }
        CohortEvent::Completed { certified, at, .. } => {
            for member in &mut view.members {
                member.certified = Some(certified.contains(&member.creator_id));
            }
            view.completed_at = Some(*at);
        }
    }
    view.version = version;
    Some(view)
}

impl CreatorMedia {
    /// Opens a cohort (officials and operators).
    pub async fn open_cohort(
        &self,
        cohort_id: Uuid,
        input: NewCohort,
        meta: &CommandMeta,
    ) -> Result<Committed<CohortView>, AppError> {
        let capacity = u16::try_from(input.capacity).map_err(|_| CohortError::CapacityInvalid)?;
        let pass_mark = u8::try_from(input.pass_mark).map_err(|_| CohortError::PassMarkInvalid)?;
        let command = CohortCommand::Open(Opened {
            cohort_id,
            name: input.name,
            sessions: input
                .sessions
                .into_iter()
                .map(|s| Session {
                    title: s.title,
                    at: s.at,
                })
                .collect(),
            capacity,
            pass_mark,
            at: Utc::now(),
        });
        self.execute_cohort(cohort_id, &command, meta).await
    }

    /// Enrolls a creator (the creator itself, an official or an operator),
    /// records attendance or completes the cohort (officials and operators).
    pub async fn act_on_cohort(
        &self,
        cohort_id: Uuid,
        action: CohortAction,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<CohortView>, AppError> {
        let official = matches!(actor.role, Role::Official | Role::Operator);
        let at = Utc::now();
        let command = match action {
            CohortAction::Enroll(creator_id) => {
                if official {
                    self.registered_creator(creator_id).await?;
                } else {
                    self.acting_creator(creator_id, actor).await?;
                }
                CohortCommand::Enroll { creator_id, at }
            }
            _ if !official => return Err(AppError::Forbidden),
            CohortAction::Attend {
                session,
                creator_ids,
            } => CohortCommand::RecordAttendance {
                session: u8::try_from(session).map_err(|_| CohortError::SessionNotFound)?,
                creator_ids,
                at,
            },
            CohortAction::Complete => CohortCommand::Complete { at },
        };
        self.execute_cohort(cohort_id, &command, meta).await
    }

    async fn execute_cohort(
        &self,
        cohort_id: Uuid,
        command: &CohortCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<CohortView>, AppError> {
        let executed = self
            .cohorts
            .execute(&COHORT.of(cohort_id), command, meta)
            .await?;
        let view =
            view_of(&executed.state, executed.stream_version).ok_or(CohortError::NotFound)?;
        Ok(self.projections.committed(view, executed.position).await)
    }

    pub async fn cohort(&self, id: Uuid) -> Result<Option<CohortView>, AppError> {
        self.by_id(COHORT_BY_ID, id).await
    }

    /// Cohorts in opening order.
    pub async fn cohorts(&self, page: &PageRequest) -> Result<ListPage<CohortView>, AppError> {
        self.page(COHORTS, page).await
    }
}

/// The cohorts by id and in opening order.
pub struct CohortsProjection;

#[async_trait]
impl EventHandler for CohortsProjection {
    fn name(&self) -> &'static str {
        "creator-media.cohorts"
    }

    async fn handle(
        &self,
        event: &RecordedEvent,
        tx: &mut Transaction<'_>,
    ) -> Result<(), HandleError> {
        let CreatorMediaEvent::Cohort(cohort) = event.decode::<CreatorMediaCodec>()? else {
            return Ok(());
        };
        let id = COHORT.parse(&event.envelope.subject).ok_or_else(|| {
            HandleError::permanent(format!("{} is not a cohort stream", event.envelope.subject))
        })?;
        let before = tx
            .row::<CohortView>(COHORT_BY_ID, &id.to_string(), "")
            .await?;
        let Some(view) = apply(before, &cohort, event.envelope.stream_version) else {
            return Ok(());
        };
        let value = json(&view);
        let listed = format!(
            "{}|{}",
            view.opened_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            view.id
        );
        tx.put(COHORTS, ALL, &listed, value.clone());
        tx.put(COHORT_BY_ID, &id.to_string(), "", value);
        Ok(())
    }
}

/// Every training projection.
pub fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![Arc::new(CohortsProjection)]
}
