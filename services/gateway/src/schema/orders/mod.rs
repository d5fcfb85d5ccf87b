//! Orders: several products of one merchant, paid by voucher or card.

mod mutations;
mod queries;
mod types;

pub(crate) use mutations::{OrderMutation, OrderPaymentMutation};
pub(crate) use queries::{OrderQuery, find_order, orders_of_buyer, orders_of_merchant};
pub(crate) use types::Order;
