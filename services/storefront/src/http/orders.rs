use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use golmok_runtime::Role;
use golmok_runtime::edge::{ApiError, Caller, Command, Json, ListParams, Reply, path_id};

use crate::app::views::{ListPage, OrderView};
use crate::app::{OrderDraft, Storefront};
use crate::domain::shop::LineRequest;
use golmok_contracts::storefront::http as bodies;

pub async fn place(
    State(storefront): State<Arc<Storefront>>,
    Path(id): Path<String>,
    command: Command<bodies::PlaceOrder>,
) -> Result<Reply<OrderView>, ApiError> {
    let id = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    let buyer = command.caller.with_role(&[Role::Citizen, Role::Operator])?;
    let draft = OrderDraft {
        buyer: buyer.subject.clone(),
        lines: line_requests(command.body.lines),
        payment: command.body.payment.into(),
        creator_code: command.body.creator_code,
        live_id: command.body.live_id,
    };
    let committed = storefront.place_order(id, draft, &command.meta).await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

/// Visible to its buyer and to whoever acts for its merchant.
pub async fn get(
    State(storefront): State<Arc<Storefront>>,
    caller: Caller,
    Path(order_id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    let actor = caller.signed_in()?;
    let id = path_id(&order_id, "ORDER_NOT_FOUND", "order")?;
    let order = storefront
        .order(id)
        .await?
        .ok_or_else(|| ApiError::not_found("ORDER_NOT_FOUND", "order"))?;
    if order.buyer == actor.subject || actor.acts_for_merchant(order.merchant_id) {
        Ok(Json(order))
    } else {
        Err(ApiError::forbidden())
    }
}

pub async fn list_for_merchant(
    State(storefront): State<Arc<Storefront>>,
    caller: Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> Result<Json<ListPage<OrderView>>, ApiError> {
    let id = path_id(&id, "MERCHANT_NOT_FOUND", "merchant")?;
    caller.for_merchant(id)?;
    Ok(params.listed(storefront.merchant_orders(id, &params.page()?).await?))
}

pub async fn list_for_buyer(
    State(storefront): State<Arc<Storefront>>,
    caller: Caller,
    Path(subject): Path<String>,
    params: ListParams,
) -> Result<Json<ListPage<OrderView>>, ApiError> {
    let actor = caller.signed_in()?;
    if actor.subject != subject && actor.role != Role::Operator {
        return Err(ApiError::forbidden());
    }
    Ok(params.listed(storefront.buyer_orders(&subject, &params.page()?).await?))
}

pub async fn cancel(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, order)): Path<(String, String)>,
    command: Command<bodies::Reason>,
) -> Result<Reply<OrderView>, ApiError> {
    let merchant = path_id(&merchant, "MERCHANT_NOT_FOUND", "merchant")?;
    let order = path_id(&order, "ORDER_NOT_FOUND", "order")?;
    let actor = command.caller.signed_in()?;
    let committed = storefront
        .cancel_order(merchant, order, command.body.reason, actor, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

/// The buyer asks the voucher service to pay the order from their wallet.
pub async fn pay_by_voucher(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, order)): Path<(String, String)>,
    command: Command<bodies::PayByVoucher>,
) -> Result<Reply<OrderView>, ApiError> {
    let merchant = path_id(&merchant, "MERCHANT_NOT_FOUND", "merchant")?;
    let order = path_id(&order, "ORDER_NOT_FOUND", "order")?;
    let actor = command.caller.signed_in()?;
    let committed = storefront
        .request_voucher_payment(
            merchant,
            order,
            command.body.programme_id,
            actor,
            &command.meta,
        )
        .await?;
    Ok(Reply(StatusCode::ACCEPTED, committed))
}

/// The merchant accepts the order; a held voucher payment is then captured.
pub async fn confirm(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, order)): Path<(String, String)>,
    command: Command<bodies::Empty>,
) -> Result<Reply<OrderView>, ApiError> {
    let merchant = path_id(&merchant, "MERCHANT_NOT_FOUND", "merchant")?;
    let order = path_id(&order, "ORDER_NOT_FOUND", "order")?;
    command.caller.for_merchant(merchant)?;
    let committed = storefront
        .confirm_order(merchant, order, &command.meta)
        .await?;
    Ok(Reply(StatusCode::OK, committed))
}

/// The buyer, or whoever acts for the merchant, returns lines of a confirmed
/// order; answers the order with the new return.
pub async fn return_lines(
    State(storefront): State<Arc<Storefront>>,
    Path((merchant, order)): Path<(String, String)>,
    command: Command<bodies::ReturnLines>,
) -> Result<Reply<OrderView>, ApiError> {
    let merchant = path_id(&merchant, "MERCHANT_NOT_FOUND", "merchant")?;
    let order = path_id(&order, "ORDER_NOT_FOUND", "order")?;
    let actor = command.caller.signed_in()?;
    let committed = storefront
        .return_lines(
            merchant,
            order,
            line_requests(command.body.lines),
            command.body.reason,
            actor,
            &command.meta,
        )
        .await?;
    Ok(Reply(StatusCode::CREATED, committed))
}

fn line_requests(lines: Vec<bodies::OrderLine>) -> Vec<LineRequest> {
    lines
        .into_iter()
        .map(|l| LineRequest {
            product_id: l.product_id,
            quantity: l.quantity,
        })
        .collect()
}
