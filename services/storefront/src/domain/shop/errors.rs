use super::PaymentStatus;
use crate::domain::TextProblem;

/// Why the shop aggregate refused a command. `line` is the 0-based index of an
/// order line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShopError {
    #[error("no merchant is registered under this id")]
    MerchantNotFound,
    #[error("the merchant is suspended and cannot sell")]
    MerchantNotActive,
    #[error("{field} {problem}")]
    Text {
        field: &'static str,
        problem: TextProblem,
    },
    #[error("the price must be more than 0 won")]
    PriceNotPositive,
    #[error("the initial stock must not be negative")]
    StockNegative,
    #[error("no such product in this shop")]
    ProductNotFound,
    #[error("a product with this id already exists")]
    ProductAlreadyExists,
    #[error("a stock adjustment must change the stock")]
    DeltaZero,
    #[error("the adjustment would leave {available} available units {delta:+} below zero")]
    StockWouldGoNegative { available: u64, delta: i64 },
    #[error("the stock must stay between 0 and {max} units")]
    StockOutOfRange { field: &'static str, max: u64 },
    #[error("line {line}: the quantity must be at most {max}")]
    QuantityOutOfRange { line: usize, max: u64 },
    #[error("an order needs at least one line")]
    NoLines,
    #[error("an order has at most {max} lines")]
    TooManyLines { max: usize },
    #[error("line {line}: the quantity must be at least 1")]
    QuantityNotPositive { line: usize },
    #[error("line {line}: the product already appears on an earlier line")]
    DuplicateLine { line: usize },
    #[error("line {line}: no such product in this shop")]
    UnknownProduct { line: usize },
    #[error("line {line}: the product is not published")]
    ProductNotPublished { line: usize },
    #[error("line {line}: only {available} units are available")]
    InsufficientStock { line: usize, available: u64 },
    #[error("the order total exceeds what can be represented")]
    AmountTooLarge,
    #[error("no such order in this shop")]
    OrderNotFound,
    #[error("the order is already cancelled")]
    OrderAlreadyCancelled,
    #[error("the payment was captured; the order can only be returned")]
    PaymentAlreadyCaptured,
    #[error("the order is not paid by voucher")]
    PaymentMethodNotVoucher,
    #[error("the order is already confirmed")]
    OrderAlreadyConfirmed,
    #[error("the voucher payment is not held yet; it cannot be confirmed")]
    PaymentNotHeld,
    #[error("only a confirmed order whose payment was captured can be returned")]
    OrderNotReturnable,
    #[error("the return window closed {days} days after the order was confirmed")]
    ReturnWindowClosed { days: i64 },
    #[error("line {line}: the order has no line for this product")]
    OrderLineNotFound { line: usize },
    #[error("line {line}: only {returnable} units of this line can still be returned")]
    ReturnQuantityExceeded { line: usize, returnable: u64 },
    #[error("no such return of this order")]
    ReturnNotFound,
    #[error("no live session of this merchant has this id")]
    LiveNotFound,
    #[error("the live session is not on air")]
    LiveNotOnAir,
    #[error("no creator has this code")]
    CreatorCodeUnknown,
    #[error("a payment cannot go from {from:?} to {to:?}")]
    PaymentTransition {
        from: PaymentStatus,
        to: PaymentStatus,
    },
}

impl ShopError {
    /// Stable code for partners.
    pub fn code(&self) -> &'static str {
        match self {
            ShopError::MerchantNotFound => "MERCHANT_NOT_FOUND",
            ShopError::MerchantNotActive => "MERCHANT_NOT_ACTIVE",
            ShopError::Text { problem, .. } => problem.code(),
            ShopError::PriceNotPositive => "PRICE_NOT_POSITIVE",
            ShopError::StockNegative => "STOCK_NEGATIVE",
            ShopError::ProductNotFound => "PRODUCT_NOT_FOUND",
            ShopError::ProductAlreadyExists => "PRODUCT_ALREADY_EXISTS",
            ShopError::DeltaZero => "DELTA_ZERO",
            ShopError::StockWouldGoNegative { .. } => "STOCK_WOULD_GO_NEGATIVE",
            ShopError::StockOutOfRange { .. } => "STOCK_OUT_OF_RANGE",
            ShopError::QuantityOutOfRange { .. } => "QUANTITY_OUT_OF_RANGE",
            ShopError::NoLines => "ORDER_LINES_REQUIRED",
            ShopError::TooManyLines { .. } => "TOO_MANY_ORDER_LINES",
            ShopError::QuantityNotPositive { .. } => "QUANTITY_NOT_POSITIVE",
            ShopError::DuplicateLine { .. } => "DUPLICATE_ORDER_LINE",
            ShopError::UnknownProduct { .. } => "UNKNOWN_PRODUCT",
            ShopError::ProductNotPublished { .. } => "PRODUCT_NOT_PUBLISHED",
            ShopError::InsufficientStock { .. } => "INSUFFICIENT_STOCK",
            ShopError::AmountTooLarge => "AMOUNT_TOO_LARGE",
            ShopError::OrderNotFound => "ORDER_NOT_FOUND",
            ShopError::OrderAlreadyCancelled => "ORDER_ALREADY_CANCELLED",
            ShopError::PaymentAlreadyCaptured => "PAYMENT_ALREADY_CAPTURED",
            ShopError::PaymentMethodNotVoucher => "PAYMENT_METHOD_NOT_VOUCHER",
            ShopError::OrderAlreadyConfirmed => "ORDER_ALREADY_CONFIRMED",
            ShopError::PaymentNotHeld => "PAYMENT_NOT_HELD",
            ShopError::PaymentTransition { .. } => "PAYMENT_TRANSITION_NOT_ALLOWED",
            ShopError::OrderNotReturnable => "ORDER_NOT_RETURNABLE",
            ShopError::ReturnWindowClosed { .. } => "RETURN_WINDOW_CLOSED",
            ShopError::OrderLineNotFound { .. } => "ORDER_LINE_NOT_FOUND",
            ShopError::ReturnQuantityExceeded { .. } => "RETURN_QUANTITY_EXCEEDED",
            ShopError::ReturnNotFound => "RETURN_NOT_FOUND",
            ShopError::LiveNotFound => "LIVE_NOT_FOUND",
            ShopError::LiveNotOnAir => "LIVE_NOT_ON_AIR",
            ShopError::CreatorCodeUnknown => "CREATOR_CODE_UNKNOWN",
        }
    }

    /// The command field at fault, as named on the API.
    pub fn field(&self) -> Option<String> {
        match self {
            ShopError::Text { field, .. } | ShopError::StockOutOfRange { field, .. } => {
                Some((*field).to_owned())
            }
            ShopError::PriceNotPositive => Some("price".into()),
            ShopError::LiveNotFound | ShopError::LiveNotOnAir => Some("liveId".into()),
            ShopError::CreatorCodeUnknown => Some("creatorCode".into()),
            ShopError::StockNegative => Some("stock".into()),
            ShopError::DeltaZero | ShopError::StockWouldGoNegative { .. } => Some("delta".into()),
            ShopError::NoLines | ShopError::TooManyLines { .. } | ShopError::AmountTooLarge => {
                Some("lines".into())
            }
            ShopError::QuantityNotPositive { line }
            | ShopError::QuantityOutOfRange { line, .. }
            | ShopError::InsufficientStock { line, .. }
            | ShopError::ReturnQuantityExceeded { line, .. } => {
                Some(format!("lines.{line}.quantity"))
            }
            ShopError::DuplicateLine { line }
            | ShopError::UnknownProduct { line }
            | ShopError::ProductNotPublished { line }
            | ShopError::OrderLineNotFound { line } => Some(format!("lines.{line}.productId")),
            _ => None,
        }
    }
}
