use std::collections::BTreeSet;

use golmok_kernel::Decider;
use uuid::Uuid;

use super::{
    Cancellation, NewProduct, Order, OrderLine, OrderPlaced, OrderRequest, Payment, PaymentStatus,
    Product, ProductAdded, ShopCommand, ShopError, ShopEvent, ShopState,
};
use crate::domain::Won;
use crate::domain::merchant::MerchantStanding;
use crate::domain::text::{optional, required};

/// The most lines one order may have.
pub const MAX_ORDER_LINES: usize = 100;
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
    optional(value, DESCRIPTION_MAX).map_err(|problem| ShopError::Text {
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
                let fits = i128::from(available) + i128::from(*delta) >= 0
                    && current.stock.checked_add_signed(*delta).is_some();
                if !fits {
                    return Err(ShopError::StockWouldGoNegative {
                        available,
                        delta: *delta,
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
                if current.payment.status == PaymentStatus::Captured {
                    return Err(ShopError::PaymentAlreadyCaptured);
                }
                Ok(vec![ShopEvent::OrderCancelled {
                    order_id: *order_id,
                    reason,
                    at: *at,
                }])
            }
            ShopCommand::AuthorizePayment { order_id, at } => {
                payment(order(order_id)?, PaymentStatus::Authorized)?;
                Ok(vec![ShopEvent::PaymentAuthorized {
                    order_id: *order_id,
                    at: *at,
                }])
            }
            ShopCommand::CapturePayment { order_id, at } => {
                payment(order(order_id)?, PaymentStatus::Captured)?;
                Ok(vec![ShopEvent::PaymentCaptured {
                    order_id: *order_id,
                    at: *at,
                }])
            }
            ShopCommand::VoidPayment { order_id, at } => {
                payment(order(order_id)?, PaymentStatus::Voided)?;
                Ok(vec![ShopEvent::PaymentVoided {
                    order_id: *order_id,
                    at: *at,
                }])
            }
            ShopCommand::FailPayment {
                order_id,
                reason,
                at,
            } => {
                let reason = text(reason, "reason", REASON_MAX)?;
                payment(order(order_id)?, PaymentStatus::Failed)?;
                Ok(vec![ShopEvent::PaymentFailed {
                    order_id: *order_id,
                    reason,
                    at: *at,
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
                        payment: Payment {
                            method: placed.payment,
                            status: PaymentStatus::Awaiting,
                        },
                        placed_at: placed.at,
                        cancellation: None,
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
                    if order.payment.status.can_become(PaymentStatus::Voided) {
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
            | ShopEvent::PaymentVoided { order_id, .. }
            | ShopEvent::PaymentFailed { order_id, .. } => {
                let status = match event {
                    ShopEvent::PaymentAuthorized { .. } => PaymentStatus::Authorized,
                    ShopEvent::PaymentCaptured { .. } => PaymentStatus::Captured,
                    ShopEvent::PaymentVoided { .. } => PaymentStatus::Voided,
                    _ => PaymentStatus::Failed,
                };
                if let Some(order) = state.orders.get_mut(order_id) {
                    order.payment.status = status;
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
    let mut seen = BTreeSet::new();
    let mut lines = Vec::with_capacity(request.lines.len());
    let mut total = Won::ZERO;
    for (index, line) in request.lines.iter().enumerate() {
        let quantity = u64::try_from(line.quantity)
            .ok()
            .filter(|q| *q > 0)
            .ok_or(ShopError::QuantityNotPositive { line: index })?;
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
        let line = OrderLine {
            product_id: product.id,
            name: product.name.clone(),
            unit_price: product.price,
            quantity,
        };
        total = product
            .price
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
