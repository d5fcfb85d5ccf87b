use async_graphql::{Context, ID, InputObject, Object, Result};
use golmok_contracts::storefront::http as contract;
use uuid::Uuid;

use super::types::Order;
use crate::relay::{GlobalId, NodeType};
use crate::schema::context::{ContextExt, RequestContext};
use crate::schema::outcome::{
    InputNames, Refusal, idempotency_key, input_id, not_found, payload, settle,
};
use crate::upstream::Storefront;
use crate::upstream::model::{self, PaymentMethod};

/// Refusals about the merchant in the path point at `merchantId`.
const MERCHANT: InputNames = InputNames {
    renames: &[],
    codes: &[("MERCHANT_NOT_FOUND", "merchantId")],
};

/// Refusals about the order in the path point at `orderId`.
const ORDER: InputNames = InputNames {
    renames: &[],
    codes: &[("ORDER_NOT_FOUND", "orderId")],
};

#[derive(InputObject)]
pub(crate) struct OrderLineInput {
    /// The product's global id.
    product_id: ID,
    quantity: i32,
}

#[derive(InputObject)]
pub(crate) struct PlaceOrderInput {
    /// The merchant all the products belong to.
    merchant_id: ID,
    /// Stock is reserved for every line or for none.
    lines: Vec<OrderLineInput>,
    payment: PaymentMethod,
    /// A creator's code (the creator's handle, `@` optional, any case): the
    /// order is credited to that creator. Refused with CREATOR_CODE_UNKNOWN.
    creator_code: Option<String>,
    /// A live session of the merchant that is on air (its global id, or its
    /// UUID): the lines of its tagged products are charged their live
    /// prices, and the order is credited to its host unless `creatorCode`
    /// names a creator. Refused with LIVE_NOT_FOUND or LIVE_NOT_ON_AIR.
    live_id: Option<ID>,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

/// The live session `id` names: its global id (as `scheduleLive` and
/// `liveSession` answer it) or its plain UUID.
fn live_id(id: &ID) -> Result<Uuid, Refusal> {
    GlobalId::expect_or_uuid(id.as_str(), NodeType::LiveSession)
        .or_else(|_| input_id(id, NodeType::LiveSession, "liveId"))
}

/// The storefront's body for a new order: product ids as the service knows them.
impl TryFrom<&PlaceOrderInput> for contract::PlaceOrder {
    type Error = Refusal;

    fn try_from(input: &PlaceOrderInput) -> Result<Self, Refusal> {
        Ok(contract::PlaceOrder {
            lines: line_bodies(&input.lines)?,
            payment: input.payment,
            creator_code: input.creator_code.clone(),
            live_id: input.live_id.as_ref().map(live_id).transpose()?,
        })
    }
}

/// Order lines as the storefront takes them, product ids unwrapped.
fn line_bodies(lines: &[OrderLineInput]) -> Result<Vec<contract::OrderLine>, Refusal> {
    lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            Ok(contract::OrderLine {
                product_id: input_id(
                    &line.product_id,
                    NodeType::Product,
                    &format!("lines.{index}.productId"),
                )?,
                quantity: i64::from(line.quantity),
            })
        })
        .collect()
}

#[derive(InputObject)]
pub(crate) struct CancelOrderInput {
    /// The order's global id.
    order_id: ID,
    reason: String,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

impl From<&CancelOrderInput> for contract::Reason {
    fn from(input: &CancelOrderInput) -> Self {
        contract::Reason {
            reason: input.reason.clone(),
        }
    }
}

#[derive(InputObject)]
pub(crate) struct PayOrderByVoucherInput {
    /// The order's global id (the caller must be its buyer).
    order_id: ID,
    /// The voucher programme whose wallet pays (the caller's wallet in it).
    programme_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ConfirmOrderInput {
    /// The order's global id (the caller must act for its merchant).
    order_id: ID,
    /// A retry with the same key returns the first answer instead of acting twice.
    idempotency_key: Option<String>,
}

payload!(PlaceOrderPayload { order: Order });
payload!(CancelOrderPayload { order: Order });
payload!(PayOrderByVoucherPayload { order: Order });
payload!(ConfirmOrderPayload { order: Order });
payload!(ReturnOrderLinesPayload { order: Order });

#[derive(InputObject)]
pub(crate) struct ReturnOrderLinesInput {
    /// The order's global id (the caller must be its buyer or act for its merchant).
    order_id: ID,
    /// Quantities of the order's lines to return, each at most what was
    /// bought and not yet returned.
    lines: Vec<OrderLineInput>,
    reason: String,
    /// A retry with the same key returns the first answer instead of returning twice.
    idempotency_key: Option<String>,
}

/// The storefront's body for a return: product ids as the service knows them.
impl TryFrom<&ReturnOrderLinesInput> for contract::ReturnLines {
    type Error = Refusal;

    fn try_from(input: &ReturnOrderLinesInput) -> Result<Self, Refusal> {
        Ok(contract::ReturnLines {
            lines: line_bodies(&input.lines)?,
            reason: input.reason.clone(),
        })
    }
}

#[derive(Default)]
pub(crate) struct OrderMutation;

#[Object]
impl OrderMutation {
    /// Places an order with one merchant (citizens; the buyer is the caller).
    /// Refused with INSUFFICIENT_STOCK on the line that cannot be served.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: PlaceOrderInput,
    ) -> Result<PlaceOrderPayload> {
        let request = ctx.request();
        settle(
            async {
                let merchant = input_id(&input.merchant_id, NodeType::Merchant, "merchantId")?;
                let body = contract::PlaceOrder::try_from(&input)?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let order = request
                    .upstream::<Storefront>()
                    .place_order(merchant, &body, key)
                    .await;
                order.map(Order).map_err(|error| MERCHANT.refusal(error))
            }
            .await,
        )
    }

    /// Cancels an order (its buyer or its merchant); its stock is released.
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        input: CancelOrderInput,
    ) -> Result<CancelOrderPayload> {
        let request = ctx.request();
        settle(
            async {
                let order = current(request, &input.order_id).await?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let order = request
                    .upstream::<Storefront>()
                    .cancel_order(&order, &contract::Reason::from(&input), key)
                    .await;
                order.map(Order).map_err(|error| ORDER.refusal(error))
            }
            .await,
        )
    }
}

#[Object]
impl OrderPaymentMutation {
    /// The buyer pays an order placed with payment VOUCHER from their wallet
    /// in a programme. Answers the order with payment REQUESTED; the voucher
    /// service then holds the total (HELD) or declines (DECLINED, with the
    /// code on `payment.code`, e.g. INSUFFICIENT_BALANCE). A declined
    /// payment may be requested again.
    async fn pay_order_by_voucher(
        &self,
        ctx: &Context<'_>,
        input: PayOrderByVoucherInput,
    ) -> Result<PayOrderByVoucherPayload> {
        let request = ctx.request();
        settle(
            async {
                let order = current(request, &input.order_id).await?;
                let programme_id = input_id(
                    &input.programme_id,
                    NodeType::VoucherProgramme,
                    "programmeId",
                )?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let body = contract::PayByVoucher { programme_id };
                let order = request
                    .upstream::<Storefront>()
                    .pay_order_by_voucher(&order, &body, key)
                    .await;
                order.map(Order).map_err(|error| ORDER.refusal(error))
            }
            .await,
        )
    }

    /// The merchant confirms an order. A voucher order needs its payment
    /// HELD (else PAYMENT_NOT_HELD); the hold is then captured and the
    /// payment becomes PAID.
    async fn confirm_order(
        &self,
        ctx: &Context<'_>,
        input: ConfirmOrderInput,
    ) -> Result<ConfirmOrderPayload> {
        let request = ctx.request();
        settle(
            async {
                let order = current(request, &input.order_id).await?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let order = request
                    .upstream::<Storefront>()
                    .confirm_order(&order, key)
                    .await;
                order.map(Order).map_err(|error| ORDER.refusal(error))
            }
            .await,
        )
    }
    /// The buyer, or the merchant, returns quantities of a CONFIRMED order's
    /// lines (a voucher order's payment PAID) within the return window (14
    /// days by default; RETURN_WINDOW_CLOSED after). Refused with
    /// ORDER_NOT_RETURNABLE, ORDER_LINE_NOT_FOUND or RETURN_QUANTITY_EXCEEDED
    /// (on the line). The units become available again; a voucher order's
    /// amount is refunded to the buyer's wallet (`returns.refund`).
    async fn return_order_lines(
        &self,
        ctx: &Context<'_>,
        input: ReturnOrderLinesInput,
    ) -> Result<ReturnOrderLinesPayload> {
        let request = ctx.request();
        settle(
            async {
                let order = current(request, &input.order_id).await?;
                let body = contract::ReturnLines::try_from(&input)?;
                let key = idempotency_key(input.idempotency_key.as_deref())?;
                let order = request
                    .upstream::<Storefront>()
                    .return_order_lines(&order, &body, key)
                    .await;
                order.map(Order).map_err(|error| ORDER.refusal(error))
            }
            .await,
        )
    }
}

/// Paying orders by voucher and confirming them.
#[derive(Default)]
pub(crate) struct OrderPaymentMutation;

/// The order named by the `orderId` input, as the caller may see it now.
async fn current(request: &RequestContext, id: &ID) -> Result<model::Order, Refusal> {
    let id = input_id(id, NodeType::Order, "orderId")?;
    request
        .upstream::<Storefront>()
        .order(id)
        .await
        .map_err(|error| ORDER.refusal(error))?
        .ok_or_else(|| not_found("ORDER_NOT_FOUND", "orderId", "order"))
}
