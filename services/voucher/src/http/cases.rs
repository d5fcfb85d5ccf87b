use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use golmok_kernel::ListPage;
use golmok_runtime::edge::{ApiError, Caller, Command, Json, Reply, path_id};

use super::{ListParams, bodies};
use crate::app::views::CaseView;
use crate::app::{CaseDecision, Voucher};

fn case_id(text: &str) -> Result<uuid::Uuid, ApiError> {
    path_id(text, "CASE_NOT_FOUND", "case")
}

pub async fn list(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<ListPage<CaseView>>, ApiError> {
    caller.official()?;
    let programme = path_id(&id, "PROGRAMME_NOT_FOUND", "programme")?;
    Ok(params.listed(voucher.cases(programme, &params.page()?).await?))
}

pub async fn get(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    caller.official()?;
    Ok(Json(voucher.case(case_id(&id)?).await?))
}

async fn decide<T>(
    voucher: &Voucher,
    id: &str,
    command: Command<T>,
    decision: impl FnOnce(T) -> CaseDecision,
) -> Result<Reply<CaseView>, ApiError> {
    let official = command.caller.official()?.clone();
    let committed = voucher
        .decide_case(
            case_id(id)?,
            decision(command.body),
            &official,
            &command.meta,
            Utc::now(),
        )
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

/// The official suspends the case's merchant from the programme.
pub async fn suspend(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Reason>,
) -> Result<Reply<CaseView>, ApiError> {
    decide(&voucher, &id, command, |body| CaseDecision::Suspend {
        reason: body.reason,
    })
    .await
}

pub async fn dismiss(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Reason>,
) -> Result<Reply<CaseView>, ApiError> {
    decide(&voucher, &id, command, |body| CaseDecision::Dismiss {
        reason: body.reason,
    })
    .await
}

pub async fn reinstate(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Reply<CaseView>, ApiError> {
    decide(&voucher, &id, command, |_| CaseDecision::Reinstate).await
}
