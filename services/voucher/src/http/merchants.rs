use std::sync::Arc;

use axum::extract::{Path, State};
use golmok_kernel::ListPage;
use golmok_runtime::Role;
use golmok_runtime::edge::{ApiError, Caller, Json, path_id};
use uuid::Uuid;

use super::ListParams;
use crate::app::Voucher;
use crate::app::views::{BatchView, MerchantStanding, RedemptionView};

/// The merchant itself, officials and operators.
fn merchant(caller: &Caller, id: &str) -> Result<Uuid, ApiError> {
    let actor = caller.signed_in()?;
    let id = path_id(id, "MERCHANT_NOT_FOUND", "merchant")?;
    if actor.acts_for_merchant(id) || actor.is(Role::Official) {
        Ok(id)
    } else {
        Err(ApiError::forbidden())
    }
}

pub async fn get(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<MerchantStanding>, ApiError> {
    let id = merchant(&caller, &id)?;
    Ok(Json(voucher.merchant(id).await?))
}

pub async fn redemptions(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<ListPage<RedemptionView>>, ApiError> {
    let id = merchant(&caller, &id)?;
    Ok(params.listed(voucher.merchant_redemptions(id, &params.page()?).await?))
}

pub async fn settlements(
    State(voucher): State<Arc<Voucher>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<ListPage<BatchView>>, ApiError> {
    let id = merchant(&caller, &id)?;
    Ok(params.listed(voucher.merchant_settlements(id, &params.page()?).await?))
}
