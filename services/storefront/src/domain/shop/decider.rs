use std::collections::BTreeSet;

use golmok_kernel::Decider;
use uuid::Uuid;

use super::{
    Cancellation, LineRequest, NewProduct, Order, OrderLine, OrderLinesReturned, OrderPlaced,
    OrderRequest, OrderReturn, Payment, PaymentDecline, PaymentMethod, PaymentOutcome,
    PaymentStatus, Product, ProductAdded, Refund, RefundOutcome, ReturnedLine, ShopCommand,
    ShopError, ShopEvent, ShopState, VoucherPaymentRequested,
};
use crate::domain::Won;
use crate::domain::merchant::MerchantStanding;
use crate::domain::text::{Lines, optional, required};

/// The most lines one order may have.
pub const MAX_ORDER_LINES: usize = 100;
/// The largest stock (and so reserved count) a product may hold: partners
/// read it as a GraphQL `Int`, which is 32-bit.
pub const MAX_STOCK: u64 = 2_147_483_647;
/// The largest quantity of one order line, for the same reason.
pub const MAX_LINE_QUANTITY: u64 = 2_147_483_647;
const NAME_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 5_000;
const REASON_MAX: usize = 500;
const BUYER_MAX: usize = 200;

/// The shop aggregate.
pub struct Shop;

type Decision = Result<Vec<ShopEvent>, ShopError>;

fn text(value: &str, field: &'static str, max: usize) -> Result<String, ShopError> {
    required(value, max).map_err(|problem| ShopError::Text { field, problem })
}

fn description(value: &str) -> Result<String, ShopError> {
    optional(value, DESCRIPTION_MAX, Lines::Multi).map_err(|problem| ShopError::Text {
        field: "description",
        problem,
    })
}

fn price(value: i64) -> Result<Won, ShopError> {
    Some(Won(value))
        .filter(|p| p.is_positive())
        .ok_or(ShopError::PriceNotPositive)
}

fn trading(standing: MerchantStanding) -> Result<(), ShopError> {
    match standing {
        MerchantStanding::Active => Ok(()),
        MerchantStanding::Suspended => Err(ShopError::MerchantNotActive),
        MerchantStanding::Unregistered => Err(ShopError::MerchantNotFound),
    }
}

impl Decider for Shop {
    type State = ShopState;
    type Command = ShopCommand;
    type Event = ShopEvent;
    type Error = ShopError;

    fn decide(state: &ShopState, command: &ShopCommand) -> Decision {
        let product = |id: &Uuid| state.products.get(id).ok_or(ShopError::ProductNotFound);
        let order = |id: &Uuid| state.orders.get(id).ok_or(ShopError::OrderNotFound);
        match command {
            ShopCommand::AddProduct(new) => add_product(state, new),
            ShopCommand::EditProduct {
                product_id,
                name,
                description: new_description,
                at,
            } => {
                let name = name
                    .as_deref()
                    .map(|n| text(n, "name", NAME_MAX))
                    .transpose()?;
                let new_description = new_description.as_deref().map(description).transpose()?;
                let current = product(product_id)?;
                let name = name.filter(|n| *n != current.name);
                let new_description = new_description.filter(|d| *d != current.description);
                if name.is_none() && new_description.is_none() {
                    return Ok(Vec::new());
                }
                Ok(vec![ShopEvent::ProductEdited {
                    product_id: *product_id,
                    name,
                    description: new_description,
                    at: *at,
                }])
            }
            ShopCommand::ChangePrice {
                product_id,
                price: new_price,
                at,
            } => {
                let new_price = price(*new_price)?;
                if product(product_id)?.price == new_price {
                    return Ok(Vec::new());
                }
                Ok(vec![ShopEvent::PriceChanged {
                    product_id: *product_id,
                    price: new_price,
                    at: *at,
                }])
            }
            ShopCommand::AdjustStock {
                product_id,
                delta,
                reason,
                at,
            } => {
                let reason = text(reason, "reason", REASON_MAX)?;
                if *delta == 0 {
                    return Err(ShopError::DeltaZero);
                }
                let current = product(product_id)?;
                let available = current.available();
                if i128::from(available) + i128::from(*delta) < 0 {
                    return Err(ShopError::StockWouldGoNegative {
                        available,
                        delta: *delta,
                    });
                }
                // A stock already above the bound (written before it existed)
                // may still be lowered; it may never be raised past it.
                let stock = i128::from(current.stock) + i128::from(*delta);
                if *delta > 0 && stock > i128::from(MAX_STOCK) {
                    return Err(ShopError::StockOutOfRange {
                        field: "delta",
                        max: MAX_STOCK,
                    });
                }
                Ok(vec![ShopEvent::StockAdjusted {
                    product_id: *product_id,
                    delta: *delta,
                    reason,
                    at: *at,
                }])
            }
            ShopCommand::Publish { product_id, at } => Ok(if product(product_id)?.published {
                Vec::new()
            } else {
                vec![ShopEvent::ProductPublished {
                    product_id: *product_id,
                    at: *at,
                }]
            }),
            ShopCommand::Unpublish { product_id, at } => Ok(if product(product_id)?.published {
                vec![ShopEvent::ProductUnpublished {
                    product_id: *product_id,
                    at: *at,
                }]
            } else {
                Vec::new()
            }),
            ShopCommand::PlaceOrder(request) => place_order(state, request),
            ShopCommand::CancelOrder {
                order_id,
                reason,
                at,
            } => {
                let reason = text(reason, "reason", REASON_MAX)?;
                let current = order(order_id)?;
                if current.cancellation.is_some() {
                    return Err(ShopError::OrderAlreadyCancelled);
                }
                match current.payment.status {
                    PaymentStatus::Paid => return Err(ShopError::PaymentAlreadyCaptured),
                    // The capture asked for by the confirmation is under way.
                    PaymentStatus::Held if current.confirmed_at.is_some() => {
                        return Err(ShopError::OrderAlreadyConfirmed);
                    }
                    _ => {}
                }
                Ok(vec![ShopEvent::OrderCancelled {
                    order_id: *order_id,
                    reason,
                    at: *at,
                }])
            }
            ShopCommand::RequestVoucherPayment {
                order_id,
                programme_id,
                payment_id,
                at,
            } => {
                let current = order(order_id)?;
                if current.payment.method != PaymentMethod::Voucher {
                    return Err(ShopError::PaymentMethodNotVoucher);
                }
                if current.cancellation.is_some() {
                    return Err(ShopError::OrderAlreadyCancelled);
                }
                if current.confirmed_at.is_some() {
                    return Err(ShopError::OrderAlreadyConfirmed);
                }
                payment(current, PaymentStatus::Requested)?;
                Ok(vec![ShopEvent::VoucherPaymentRequested(
                    VoucherPaymentRequested {
                        order_id: *order_id,
                        merchant_id: current.merchant_id,
                        buyer: current.buyer.clone(),
                        programme_id: *programme_id,
                        payment_id: *payment_id,
                        amount: current.total,
                        at: *at,
                    },
                )])
            }
            ShopCommand::RecordPayment {
                order_id,
                payment_id,
                outcome,
                at,
            } => {
                let current = order(order_id)?;
                let next = outcome.status();
                if current.payment.payment_id != Some(*payment_id) || current.payment.status == next
                {
                    // An earlier attempt's answer, or one already recorded.
                    return Ok(Vec::new());
                }
                payment(current, next)?;
                let (order_id, at) = (*order_id, *at);
                Ok(vec![match outcome {
                    PaymentOutcome::Held => ShopEvent::PaymentAuthorized { order_id, at },
                    PaymentOutcome::Paid => ShopEvent::PaymentCaptured { order_id, at },
                    PaymentOutcome::Voided => ShopEvent::PaymentVoided { order_id, at },
                    PaymentOutcome::Declined(decline) => ShopEvent::PaymentDeclined {
                        order_id,
                        code: decline.code.clone(),
                        reason: decline.reason.clone(),
                        at,
                    },
                }])
            }
            ShopCommand::ConfirmOrder { order_id, at } => {
                let current = order(order_id)?;
                if current.cancellation.is_some() {
                    return Err(ShopError::OrderAlreadyCancelled);
                }
                if current.confirmed_at.is_some() {
                    return Err(ShopError::OrderAlreadyConfirmed);
                }
                if current.payment.method == PaymentMethod::Voucher
                    && current.payment.status != PaymentStatus::Held
                {
                    return Err(ShopError::PaymentNotHeld);
                }
                Ok(vec![ShopEvent::OrderConfirmed {
                    order_id: *order_id,
                    at: *at,
                }])
            }
            ShopCommand::ReturnLines {
                order_id,
                return_id,
                lines,
                reason,
                window,
                at,
            } => return_lines(order(order_id)?, *return_id, lines, reason, *window, *at),
            ShopCommand::RecordRefund {
                order_id,
                return_id,
                outcome,
                at,
            } => {
                let current = order(order_id)?;
                let returned = current
                    .returns
                    .iter()
                    .find(|r| r.id == *return_id)
                    .ok_or(ShopError::ReturnNotFound)?;
                if returned.refund != Refund::Pending {
                    // Already answered, or nothing to refund (a card order).
                    return Ok(Vec::new());
                }
                let (order_id, return_id, at) = (*order_id, *return_id, *at);
                Ok(vec![match outcome {
                    RefundOutcome::Refunded { amount } => ShopEvent::RefundRecorded {
                        order_id,
                        return_id,
                        amount: *amount,
                        at,
                    },
                    RefundOutcome::Declined(decline) => ShopEvent::RefundDeclined {
                        order_id,
                        return_id,
                        code: decline.code.clone(),
                        reason: decline.reason.clone(),
                        at,
                    },
                }])
            }
        }
    }

    fn evolve(mut state: ShopState, event: &ShopEvent) -> ShopState {
        match event {
            ShopEvent::ProductAdded(added) => {
                state.products.insert(
                    added.product_id,
                    Product {
                        id: added.product_id,
                        merchant_id: added.merchant_id,
                        name: added.name.clone(),
                        description: added.description.clone(),
                        price: added.price,
                        stock: added.stock,
                        reserved: 0,
                        published: false,
                        updated_at: added.at,
                    },
                );
            }
            ShopEvent::ProductEdited {
                product_id,
                name,
                description,
                at,
            } => {
                if let Some(product) = state.products.get_mut(product_id) {
                    if let Some(name) = name {
                        product.name.clone_from(name);
                    }
                    if let Some(description) = description {
                        product.description.clone_from(description);
                    }
                    product.updated_at = *at;
                }
            }
            ShopEvent::PriceChanged {
                product_id,
                price,
                at,
            } => {
                if let Some(product) = state.products.get_mut(product_id) {
                    product.price = *price;
                    product.updated_at = *at;
                }
            }
            ShopEvent::StockAdjusted {
                product_id,
                delta,
                at,
                ..
            } => {
                if let Some(product) = state.products.get_mut(product_id) {
                    product.stock = product.stock.saturating_add_signed(*delta);
                    product.updated_at = *at;
                }
            }
            ShopEvent::ProductPublished { product_id, at }
            | ShopEvent::ProductUnpublished { product_id, at } => {
                if let Some(product) = state.products.get_mut(product_id) {
                    product.published = matches!(event, ShopEvent::ProductPublished { .. });
                    product.updated_at = *at;
                }
            }
            ShopEvent::OrderPlaced(placed) => {
                for line in &placed.lines {
                    if let Some(product) = state.products.get_mut(&line.product_id) {
                        product.reserved = product.reserved.saturating_add(line.quantity);
                        product.updated_at = placed.at;
                    }
                }
                state.orders.insert(
                    placed.order_id,
                    Order {
                        id: placed.order_id,
                        merchant_id: placed.merchant_id,
                        buyer: placed.buyer.clone(),
                        lines: placed.lines.clone(),
                        total: placed.total,
                        payment: Payment::awaiting(placed.payment),
                        placed_at: placed.at,
                        confirmed_at: None,
                        cancellation: None,
                        returns: Vec::new(),
                        attribution: placed.attribution.clone(),
                    },
                );
            }
            ShopEvent::OrderCancelled {
                order_id,
                reason,
                at,
            } => {
                if let Some(order) = state.orders.get_mut(order_id) {
                    for line in &order.lines {
                        if let Some(product) = state.products.get_mut(&line.product_id) {
                            product.reserved = product.reserved.saturating_sub(line.quantity);
                            product.updated_at = *at;
                        }
                    }
                    // A payment never asked for ends here; a requested or
                    // held one ends when the voucher service has released it.
                    if order.payment.status == PaymentStatus::Awaiting {
                        order.payment.status = PaymentStatus::Voided;
                    }
                    order.cancellation = Some(Cancellation {
                        reason: reason.clone(),
                        at: *at,
                    });
                }
            }
            ShopEvent::PaymentAuthorized { order_id, .. }
            | ShopEvent::PaymentCaptured { order_id, .. }
            | ShopEvent::PaymentVoided { order_id, .. } => {
                let status = match event {
                    ShopEvent::PaymentAuthorized { .. } => PaymentStatus::Held,
                    ShopEvent::PaymentCaptured { .. } => PaymentStatus::Paid,
                    _ => PaymentStatus::Voided,
                };
                if let Some(order) = state.orders.get_mut(order_id) {
                    order.payment.status = status;
                }
            }
            ShopEvent::PaymentFailed {
                order_id, reason, ..
            } => {
                if let Some(order) = state.orders.get_mut(order_id) {
                    order.payment.status = PaymentStatus::Declined;
                    order.payment.decline = Some(PaymentDecline {
                        code: "PAYMENT_FAILED".into(),
                        reason: reason.clone(),
                    });
                }
            }
            ShopEvent::PaymentDeclined {
                order_id,
                code,
                reason,
                ..
            } => {
                if let Some(order) = state.orders.get_mut(order_id) {
                    order.payment.status = PaymentStatus::Declined;
                    order.payment.decline = Some(PaymentDecline {
                        code: code.clone(),
                        reason: reason.clone(),
                    });
                }
            }
            ShopEvent::VoucherPaymentRequested(requested) => {
                if let Some(order) = state.orders.get_mut(&requested.order_id) {
                    order.payment.status = PaymentStatus::Requested;
                    order.payment.programme_id = Some(requested.programme_id);
                    order.payment.payment_id = Some(requested.payment_id);
                    order.payment.decline = None;
                }
            }
            ShopEvent::OrderConfirmed { order_id, at } => {
                if let Some(order) = state.orders.get_mut(order_id) {
                    order.confirmed_at = Some(*at);
                }
            }
            ShopEvent::OrderLinesReturned(returned) => {
                if let Some(order) = state.orders.get_mut(&returned.order_id) {
                    for line in &returned.lines {
                        if let Some(product) = state.products.get_mut(&line.product_id) {
                            product.reserved = product.reserved.saturating_sub(line.quantity);
                            product.updated_at = returned.at;
                        }
                    }
                    order.returns.push(OrderReturn {
                        id: returned.return_id,
                        lines: returned.lines.clone(),
                        amount: returned.amount,
                        reason: returned.reason.clone(),
                        at: returned.at,
                        refund: match order.payment.method {
                            PaymentMethod::Voucher => Refund::Pending,
                            PaymentMethod::Card => Refund::NotApplicable,
                        },
                    });
                }
            }
            ShopEvent::RefundRecorded {
                order_id,
                return_id,
                at,
                ..
            } => {
                if let Some(r) = returned(&mut state, order_id, return_id) {
                    r.refund = Refund::Refunded { at: *at };
                }
            }
            ShopEvent::RefundDeclined {
                order_id,
                return_id,
                code,
                reason,
                at,
            } => {
                if let Some(r) = returned(&mut state, order_id, return_id) {
                    r.refund = Refund::Declined {
                        code: code.clone(),
                        reason: reason.clone(),
                        at: *at,
                    };
                }
            }
        }
        state
    }
}

fn add_product(state: &ShopState, new: &NewProduct) -> Decision {
    let name = text(&new.name, "name", NAME_MAX)?;
    let description = description(&new.description)?;
    let price = price(new.price)?;
    let stock = u64::try_from(new.stock).map_err(|_| ShopError::StockNegative)?;
    if stock > MAX_STOCK {
        return Err(ShopError::StockOutOfRange {
            field: "stock",
            max: MAX_STOCK,
        });
    }
    trading_or_suspended(new.merchant)?;
    if state.products.contains_key(&new.product_id) {
        return Err(ShopError::ProductAlreadyExists);
    }
    Ok(vec![ShopEvent::ProductAdded(ProductAdded {
        product_id: new.product_id,
        merchant_id: new.merchant_id,
        name,
        description,
        price,
        stock,
        at: new.at,
    })])
}

/// A suspended merchant may still keep its catalogue; it only cannot sell.
fn trading_or_suspended(standing: MerchantStanding) -> Result<(), ShopError> {
    match standing {
        MerchantStanding::Unregistered => Err(ShopError::MerchantNotFound),
        MerchantStanding::Active | MerchantStanding::Suspended => Ok(()),
    }
}

fn place_order(state: &ShopState, request: &OrderRequest) -> Decision {
    if state.orders.contains_key(&request.order_id) {
        return Ok(Vec::new());
    }
    trading(request.merchant)?;
    let buyer = text(&request.buyer, "buyer", BUYER_MAX)?;
    if request.lines.is_empty() {
        return Err(ShopError::NoLines);
    }
    if request.lines.len() > MAX_ORDER_LINES {
        return Err(ShopError::TooManyLines {
            max: MAX_ORDER_LINES,
        });
    }
    let sourced = request.source.judge(request.merchant_id)?;
    let mut seen = BTreeSet::new();
    let mut lines = Vec::with_capacity(request.lines.len());
    let mut total = Won::ZERO;
    for (index, line) in request.lines.iter().enumerate() {
        let quantity = u64::try_from(line.quantity)
            .ok()
            .filter(|q| *q > 0)
            .ok_or(ShopError::QuantityNotPositive { line: index })?;
        if quantity > MAX_LINE_QUANTITY {
            return Err(ShopError::QuantityOutOfRange {
                line: index,
                max: MAX_LINE_QUANTITY,
            });
        }
        if !seen.insert(line.product_id) {
            return Err(ShopError::DuplicateLine { line: index });
        }
        let product = state
            .products
            .get(&line.product_id)
            .ok_or(ShopError::UnknownProduct { line: index })?;
        if !product.published {
            return Err(ShopError::ProductNotPublished { line: index });
        }
        if product.available() < quantity {
            return Err(ShopError::InsufficientStock {
                line: index,
                available: product.available(),
            });
        }
        let unit_price = sourced
            .live_prices
            .get(&product.id)
            .copied()
            .unwrap_or(product.price);
        let line = OrderLine {
            product_id: product.id,
            name: product.name.clone(),
            unit_price,
            quantity,
        };
        total = unit_price
            .times(quantity)
            .and_then(|t| total.plus(t))
            .ok_or(ShopError::AmountTooLarge)?;
        lines.push(line);
    }
    Ok(vec![ShopEvent::OrderPlaced(OrderPlaced {
        order_id: request.order_id,
        merchant_id: request.merchant_id,
        buyer,
        lines,
        total,
        payment: request.payment,
        attribution: sourced.attribution,
        at: request.at,
    })])
}

fn payment(order: &Order, next: PaymentStatus) -> Result<(), ShopError> {
    if order.payment.status.can_become(next) {
        Ok(())
    } else {
        Err(ShopError::PaymentTransition {
            from: order.payment.status,
            to: next,
        })
    }
}

fn returned<'a>(
    state: &'a mut ShopState,
    order_id: &Uuid,
    return_id: &Uuid,
) -> Option<&'a mut OrderReturn> {
    state
        .orders
        .get_mut(order_id)?
        .returns
        .iter_mut()
        .find(|r| r.id == *return_id)
}

/// A return of quantities of a confirmed order's lines: the order must be
/// confirmed (a voucher payment captured), the window open, each line one of
/// the order's with at most what was bought and not yet returned.
fn return_lines(
    order: &Order,
    return_id: uuid::Uuid,
    requested: &[LineRequest],
    reason: &str,
    window: chrono::TimeDelta,
    at: chrono::DateTime<chrono::Utc>,
) -> Decision {
    let reason = text(reason, "reason", REASON_MAX)?;
    if order.returns.iter().any(|r| r.id == return_id) {
        return Ok(Vec::new());
    }
    let confirmed_at = order
        .confirmed_at
        .filter(|_| order.cancellation.is_none())
        .filter(|_| match order.payment.method {
            PaymentMethod::Card => true,
            PaymentMethod::Voucher => order.payment.status == PaymentStatus::Paid,
        })
        .ok_or(ShopError::OrderNotReturnable)?;
    if at > confirmed_at + window {
        return Err(ShopError::ReturnWindowClosed {
            days: window.num_days(),
        });
    }
    if requested.is_empty() {
        return Err(ShopError::NoLines);
    }
    if requested.len() > MAX_ORDER_LINES {
        return Err(ShopError::TooManyLines {
            max: MAX_ORDER_LINES,
        });
    }
    let mut seen = BTreeSet::new();
    let mut lines = Vec::with_capacity(requested.len());
    let mut amount = Won::ZERO;
    for (index, line) in requested.iter().enumerate() {
        let quantity = u64::try_from(line.quantity)
            .ok()
            .filter(|q| *q > 0)
            .ok_or(ShopError::QuantityNotPositive { line: index })?;
        if !seen.insert(line.product_id) {
            return Err(ShopError::DuplicateLine { line: index });
        }
        let bought = order
            .lines
            .iter()
            .find(|l| l.product_id == line.product_id)
            .ok_or(ShopError::OrderLineNotFound { line: index })?;
        let returnable = bought
            .quantity
            .saturating_sub(order.returned(line.product_id));
        if quantity > returnable {
            return Err(ShopError::ReturnQuantityExceeded {
                line: index,
                returnable,
            });
        }
        // Within what was bought, so within the order's checked total.
        let worth = bought
            .unit_price
            .times(quantity)
            .ok_or(ShopError::AmountTooLarge)?;
        amount = amount.plus(worth).ok_or(ShopError::AmountTooLarge)?;
        lines.push(ReturnedLine {
            product_id: line.product_id,
            quantity,
            amount: worth,
        });
    }
    Ok(vec![ShopEvent::OrderLinesReturned(OrderLinesReturned {
        order_id: order.id,
        return_id,
        lines,
        amount,
        reason,
        at,
    })])
}
