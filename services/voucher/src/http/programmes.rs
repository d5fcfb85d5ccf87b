use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use golmok_kernel::ListPage;
use golmok_runtime::Role;
use golmok_runtime::edge::{ApiError, Caller, Command, Json, Reply, path_id};

use super::{ListParams, bodies};
use crate::app::Voucher;
use crate::app::views::{AccountView, BatchView, ProgrammeView, TransferView};
use crate::domain::ledger::{AccountId, AccountKind};

fn programme_id(text: &str) -> Result<uuid::Uuid, ApiError> {
    path_id(text, "PROGRAMME_NOT_FOUND", "programme")
}

pub async fn create(
    State(voucher): State<Arc<Voucher>>,
    command: Command<bodies::Programme>,
) -> Result<Reply<ProgrammeView>, ApiError> {
    command.caller.official()?;
    let committed = voucher
        .create_programme(command.body, &command.meta, Utc::now())
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

pub async fn list(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    params: ListParams,
) -> Result<Json<ListPage<ProgrammeView>>, ApiError> {
    caller.signed_in()?;
    Ok(params.listed(voucher.programmes(&params.page()?).await?))
}

pub async fn get(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ProgrammeView>, ApiError> {
    caller.signed_in()?;
    Ok(Json(voucher.programme(programme_id(&id)?).await?))
}

pub async fn settle(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Settle>,
) -> Result<Json<Vec<BatchView>>, ApiError> {
    command.caller.official()?;
    let batches = voucher
        .settle(programme_id(&id)?, command.body.business_date, Utc::now())
        .await?;
    Ok(Json(batches))
}

/// The settlement report of a programme (`?date=` for one business day).
pub async fn settlements(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<Vec<BatchView>>, ApiError> {
    caller.official()?;
    let report = voucher
        .settlement_report(programme_id(&id)?, params.date("date")?)
        .await?;
    Ok(Json(report))
}

/// The settlement report of an issuer (`?issuer=` its name, `&date=` optional).
pub async fn issuer_settlements(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    params: ListParams,
) -> Result<Json<Vec<BatchView>>, ApiError> {
    caller.official()?;
    let report = voucher
        .issuer_report(params.required("issuer")?, params.date("date")?)
        .await?;
    Ok(Json(report))
}

pub async fn pay_out(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Json<Vec<BatchView>>, ApiError> {
    command.caller.official()?;
    Ok(Json(voucher.pay_out(programme_id(&id)?, Utc::now()).await?))
}

pub async fn expire(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Empty>,
) -> Result<Json<serde_json::Value>, ApiError> {
    command.caller.official()?;
    let expired = voucher.expire(programme_id(&id)?, Utc::now()).await?;
    Ok(Json(serde_json::json!({ "walletsExpired": expired })))
}

pub async fn accounts(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    caller.official()?;
    Ok(Json(voucher.accounts(programme_id(&id)?).await?))
}

/// An account's history: officials see every account, a citizen its wallet,
/// a merchant its receivable.
pub async fn transfers(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path((id, code)): Path<(String, String)>,
    params: ListParams,
) -> Result<Json<ListPage<TransferView>>, ApiError> {
    let actor = caller.signed_in()?;
    let programme = programme_id(&id)?;
    let account = AccountId::parse(programme, &code)
        .ok_or_else(|| ApiError::not_found("ACCOUNT_NOT_FOUND", "account"))?;
    let allowed = match account.kind {
        _ if matches!(actor.role, Role::Official | Role::Operator) => true,
        AccountKind::Wallet(wallet) => voucher.wallet(wallet, actor, Utc::now()).await.is_ok(),
        AccountKind::MerchantReceivable(merchant) => actor.acts_for_merchant(merchant),
        _ => false,
    };
    if !allowed {
        return Err(ApiError::forbidden());
    }
    if voucher.account(programme, &code).await?.is_none() {
        return Err(ApiError::not_found("ACCOUNT_NOT_FOUND", "account"));
    }
    Ok(params.listed(voucher.transfers(programme, &code, &params.page()?).await?))
}
