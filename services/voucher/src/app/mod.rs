//! Command handling, projections, read-model queries and the wire format of
//! events: the I/O around the pure domain.

mod cases;
pub mod codec;
mod error;
mod order_payments;
mod order_refunds;
mod programmes;
pub mod projections;
mod queries;
mod samples;
mod settlements;
pub use cases::CaseDecision;
pub use settlements::Housekeeping;
pub use wallets::RedeemMode;
pub mod views;
pub mod vocabulary;
mod voucher;
mod wallets;

pub use error::AppError;
pub use golmok_kernel::Committed;
pub use order_payments::OrderPaymentProcess;
pub use voucher::{
    CASE, ORDER_PAYMENT, PROGRAMME, Policy, Voucher, WALLET, case_stream, order_payment_stream,
    programme_stream, settlement_stream, wallet_id_of, wallet_stream,
};
