//! The shop aggregate (stream `shop-<merchant uuid>`): one merchant's products,
//! stock and orders in one consistency boundary, so an order reserves stock for
//! all its lines at once and stock never goes negative (docs/adr/0003).

mod commands;
mod decider;
mod errors;
mod events;
#[cfg(test)]
mod return_tests;
mod source;
#[cfg(test)]
mod source_tests;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{LineRequest, NewProduct, OrderRequest, ShopCommand};
pub use decider::{MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_STOCK, Shop};
pub use errors::ShopError;
pub use events::{
    Attribution, OrderLinesReturned, OrderPlaced, ProductAdded, ShopEvent, ShopSubject,
    VoucherPaymentRequested,
};
pub use source::{CreatorCode, LiveClaim, LiveSession, LiveStatus, OrderSource, Sourced};
pub use state::{
    Cancellation, Order, OrderLine, OrderReturn, Payment, PaymentDecline, PaymentMethod,
    PaymentOutcome, PaymentStatus, Product, Refund, RefundOutcome, ReturnedLine, ShopState,
};
