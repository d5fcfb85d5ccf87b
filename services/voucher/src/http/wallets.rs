use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use golmok_kernel::ListPage;
use golmok_runtime::Role;
use golmok_runtime::edge::{ApiError, Caller, Command, Json, Reply, path_id};
use uuid::Uuid;

use super::{ListParams, bodies};
use crate::app::views::{RedemptionView, WalletReply, WalletView};
use crate::app::{RedeemMode, Voucher};
use crate::domain::Won;
use crate::domain::wallet::WalletCommand;

fn wallet_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "WALLET_NOT_FOUND", "wallet")
}

fn redemption_id(text: &str) -> Result<Uuid, ApiError> {
    path_id(text, "REDEMPTION_NOT_FOUND", "redemption")
}

/// A citizen buys a voucher of the programme; the first purchase opens the wallet.
pub async fn purchase(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Purchase>,
) -> Result<Reply<WalletReply>, ApiError> {
    let citizen = command.caller.with_role(&[Role::Citizen])?;
    let programme = path_id(&id, "PROGRAMME_NOT_FOUND", "programme")?;
    let face = Won(command.body.face_value);
    let committed = voucher
        .purchase(programme, &citizen.subject, face, &command.meta, Utc::now())
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// The caller's own wallet in a programme.
pub async fn mine(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WalletView>, ApiError> {
    let citizen = caller.with_role(&[Role::Citizen])?;
    let programme = path_id(&id, "PROGRAMME_NOT_FOUND", "programme")?;
    Ok(Json(
        voucher
            .wallet_of(programme, &citizen.subject, Utc::now())
            .await?,
    ))
}

pub async fn get(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WalletView>, ApiError> {
    let actor = caller.signed_in()?;
    Ok(Json(
        voucher.wallet(wallet_id(&id)?, actor, Utc::now()).await?,
    ))
}

/// The wallet's redemptions, newest first (its owner, operators).
pub async fn redemptions(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<ListPage<RedemptionView>>, ApiError> {
    let actor = caller.signed_in()?;
    let page = params.page()?;
    Ok(params.listed(
        voucher
            .wallet_redemptions(wallet_id(&id)?, actor, &page)
            .await?,
    ))
}

async fn redeem(
    voucher: &Voucher,
    id: &str,
    command: Command<bodies::Redeem>,
    mode: RedeemMode,
) -> Result<Reply<WalletReply>, ApiError> {
    let actor = command.caller.signed_in()?;
    let body = command.body;
    let committed = voucher
        .redeem(
            wallet_id(id)?,
            body.merchant_id,
            Won(body.amount),
            mode,
            actor,
            &command.meta,
            Utc::now(),
        )
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// The owner reserves an amount for a merchant, who captures or voids it.
pub async fn hold(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Redeem>,
) -> Result<Reply<WalletReply>, ApiError> {
    redeem(&voucher, &id, command, RedeemMode::Hold).await
}

/// The owner pays a merchant in one step.
pub async fn pay(
    State(voucher): State<Arc<Voucher>>,
    Path(id): Path<String>,
    command: Command<bodies::Redeem>,
) -> Result<Reply<WalletReply>, ApiError> {
    redeem(&voucher, &id, command, RedeemMode::Pay).await
}

async fn follow_up<T>(
    voucher: &Voucher,
    (id, redemption): (String, String),
    command: Command<T>,
    make: impl FnOnce(Uuid, &T) -> WalletCommand,
) -> Result<Reply<WalletReply>, ApiError> {
    let actor = command.caller.signed_in()?;
    let redemption = redemption_id(&redemption)?;
    let wallet_command = make(redemption, &command.body);
    let committed = voucher
        .redemption_command(
            wallet_id(&id)?,
            redemption,
            wallet_command,
            actor,
            &command.meta,
            Utc::now(),
        )
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

pub async fn capture(
    State(voucher): State<Arc<Voucher>>,
    Path(ids): Path<(String, String)>,
    command: Command<bodies::Empty>,
) -> Result<Reply<WalletReply>, ApiError> {
    follow_up(&voucher, ids, command, |redemption_id, _| {
        WalletCommand::Capture {
            redemption_id,
            at: Utc::now(),
        }
    })
    .await
}

pub async fn void(
    State(voucher): State<Arc<Voucher>>,
    Path(ids): Path<(String, String)>,
    command: Command<bodies::Empty>,
) -> Result<Reply<WalletReply>, ApiError> {
    follow_up(&voucher, ids, command, |redemption_id, _| {
        WalletCommand::Void {
            redemption_id,
            at: Utc::now(),
        }
    })
    .await
}

pub async fn refund_redemption(
    State(voucher): State<Arc<Voucher>>,
    Path(ids): Path<(String, String)>,
    command: Command<bodies::Amount>,
) -> Result<Reply<WalletReply>, ApiError> {
    follow_up(&voucher, ids, command, |redemption_id, body| {
        WalletCommand::RefundRedemption {
            redemption_id,
            amount: Won(body.amount),
            at: Utc::now(),
        }
    })
    .await
}

pub async fn refund_purchase(
    State(voucher): State<Arc<Voucher>>,
    Path((id, purchase)): Path<(String, String)>,
    command: Command<bodies::Empty>,
) -> Result<Reply<WalletReply>, ApiError> {
    let actor = command.caller.signed_in()?;
    let purchase = path_id(&purchase, "PURCHASE_NOT_FOUND", "purchase")?;
    let committed = voucher
        .refund_purchase(wallet_id(&id)?, purchase, actor, &command.meta, Utc::now())
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}
