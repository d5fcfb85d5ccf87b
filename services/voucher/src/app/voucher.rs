use std::sync::Arc;

use chrono::TimeDelta;
use golmok_kernel::{CommandHandler, EventLog, Projections, StreamName, Tables};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::codec::{CaseCodec, PaymentCodec, ProgrammeCodec, SettlementCodec, WalletCodec};
use crate::domain::BusinessCalendar;
use crate::domain::case::Case;
use crate::domain::fraud::FraudPolicy;
use crate::domain::order_payment::OrderPayment;
use crate::domain::programme::Programme;
use crate::domain::settlement::Settlement;
use crate::domain::wallet::Wallet;

/// What the deployment decides for every programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub hold_timeout: TimeDelta,
    pub calendar: BusinessCalendar,
    pub payout_lag_days: u32,
    pub fraud: FraudPolicy,
}

/// The voucher service: command handlers over the event log, queries over
/// the read models.
pub struct Voucher {
    pub(super) log: Arc<dyn EventLog>,
    pub(super) tables: Arc<dyn Tables>,
    pub(super) programmes: CommandHandler<Programme, ProgrammeCodec>,
    pub(super) wallets: CommandHandler<Wallet, WalletCodec>,
    pub(super) settlements: CommandHandler<Settlement, SettlementCodec>,
    pub(super) cases: Arc<CommandHandler<Case, CaseCodec>>,
    pub(super) payments: CommandHandler<OrderPayment, PaymentCodec>,
    pub(super) projections: Arc<Projections>,
    pub(super) policy: Policy,
}

/// `programme-<programme id>`: a programme's terms and subsidy budget.
pub const PROGRAMME: StreamName = StreamName::new("programme");
/// `wallet-<wallet id>`: a citizen's wallet in one programme.
pub const WALLET: StreamName = StreamName::new("wallet");
/// `case-<case id>`: a fraud case.
pub const CASE: StreamName = StreamName::new("case");
/// `order-payment-<order id>`: the voucher's record of paying one storefront order.
pub const ORDER_PAYMENT: StreamName = StreamName::new("order-payment");

pub fn programme_stream(programme_id: Uuid) -> String {
    PROGRAMME.of(programme_id)
}

pub fn wallet_stream(wallet_id: Uuid) -> String {
    WALLET.of(wallet_id)
}

pub fn settlement_stream(programme_id: Uuid, merchant_id: Uuid) -> String {
    format!("settlement-{programme_id}-{merchant_id}")
}

pub fn case_stream(case_id: Uuid) -> String {
    CASE.of(case_id)
}

/// The voucher's record of paying one storefront order.
pub fn order_payment_stream(order_id: Uuid) -> String {
    ORDER_PAYMENT.of(order_id)
}

/// A stable id derived from `parts` (a custom, version 8 UUID).
pub(super) fn derived_id(parts: &[&str]) -> Uuid {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part.len().to_be_bytes());
        digest.update(part.as_bytes());
    }
    let bytes: [u8; 16] = digest.finalize()[..16]
        .try_into()
        .expect("a SHA-256 digest has 32 bytes");
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A citizen's wallet in a programme: one per person and programme, so the
/// monthly cap is decided in one stream.
pub fn wallet_id_of(programme_id: Uuid, owner: &str) -> Uuid {
    derived_id(&["wallet", &programme_id.to_string(), owner])
}

impl Voucher {
    pub fn new(
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
        cases: Arc<CommandHandler<Case, CaseCodec>>,
        projections: Arc<Projections>,
        policy: Policy,
    ) -> Self {
        Self {
            programmes: CommandHandler::new(Arc::clone(&log)),
            wallets: CommandHandler::new(Arc::clone(&log)),
            settlements: CommandHandler::new(Arc::clone(&log)),
            payments: CommandHandler::new(Arc::clone(&log)),
            cases,
            log,
            tables,
            projections,
            policy,
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Waits for the read models to apply everything in the log so far.
    pub(super) async fn caught_up(&self) -> bool {
        let head = *self.log.head().borrow();
        self.projections.settle(head).await
    }
}
