//! The settlement aggregate (stream `settlement-<programme>-<merchant>`): the
//! daily batches of one merchant in one programme. A redemption is settled in
//! exactly one batch; a batch is paid out on its T+2 business day.

mod decider;
#[cfg(test)]
mod tests;

pub use decider::{
    Batch, CapturedRedemption, Settlement, SettlementCommand, SettlementError, SettlementEvent,
    SettlementState,
};
