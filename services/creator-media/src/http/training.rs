use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use golmok_contracts::creator_media::http::{self as bodies, CohortView};
use golmok_kernel::ListPage;
use golmok_runtime::edge::{
    ApiError, Caller, Command, Json, ListParams, OpaqueCursors, Reply, path_id,
};
use uuid::Uuid;

use crate::app::{CohortAction, CreatorMedia, NewCohort};

type Answer = Result<Reply<CohortView>, ApiError>;

fn cohort_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "COHORT_NOT_FOUND", "cohort")
}

/// The programme's officials (or an operator) open training cohorts.
pub async fn open(
    State(service): State<Arc<CreatorMedia>>,
    command: Command<bodies::OpenCohort>,
) -> Answer {
    command.caller.official()?;
    let body = command.body;
    let input = NewCohort {
        name: body.name,
        sessions: body.sessions,
        capacity: body.capacity,
        pass_mark: body.pass_mark,
    };
    let id = command.meta.new_id();
    let committed = service.open_cohort(id, input, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

async fn act(
    service: &CreatorMedia,
    id: &str,
    action: CohortAction,
    command: &Command<impl Send>,
) -> Answer {
    let actor = command.caller.signed_in()?;
    let committed = service
        .act_on_cohort(cohort_id(id)?, action, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

pub async fn enroll(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Enroll>,
) -> Answer {
    let action = CohortAction::Enroll(command.body.creator_id);
    act(&service, &id, action, &command).await
}

pub async fn attend(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::RecordAttendance>,
) -> Answer {
    let action = CohortAction::Attend {
        session: command.body.session,
        creator_ids: command.body.creator_ids.clone(),
    };
    act(&service, &id, action, &command).await
}

pub async fn complete(
    State(service): State<Arc<CreatorMedia>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Answer {
    act(&service, &id, CohortAction::Complete, &command).await
}

pub async fn get(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Json<CohortView>, ApiError> {
    service
        .cohort(cohort_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("COHORT_NOT_FOUND", "cohort"))
}

pub async fn list(
    State(service): State<Arc<CreatorMedia>>,
    _: Caller,
    params: ListParams<OpaqueCursors>,
) -> Result<Json<ListPage<CohortView>>, ApiError> {
    Ok(params.listed(service.cohorts(&params.page()?).await?))
}
