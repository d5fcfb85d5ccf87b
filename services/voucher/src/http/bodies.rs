//! Request bodies of docs/voucher-http.md, defined by the contract
//! (`golmok_contracts::voucher::http`).

pub use golmok_contracts::voucher::http::{
    Amount, Empty, Programme, Purchase, Reason, Redeem, Settle,
};
