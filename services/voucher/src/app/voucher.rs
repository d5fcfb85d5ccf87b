use std::sync::Arc;

use chrono::TimeDelta;
use golmok_kernel::{
    CommandError, CommandHandler, CommandMeta, Committed, Decider, EventCodec, EventLog, Executed,
    Projections, Tables,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AppError;
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
    projections: Arc<Projections>,
    pub(super) policy: Policy,
}

pub fn programme_stream(programme_id: Uuid) -> String {
    format!("programme-{programme_id}")
}

pub fn wallet_stream(wallet_id: Uuid) -> String {
    format!("wallet-{wallet_id}")
}

pub fn settlement_stream(programme_id: Uuid, merchant_id: Uuid) -> String {
    format!("settlement-{programme_id}-{merchant_id}")
}

pub fn case_stream(case_id: Uuid) -> String {
    format!("case-{case_id}")
}

/// The voucher's record of paying one storefront order.
pub fn order_payment_stream(order_id: Uuid) -> String {
    format!("order-payment-{order_id}")
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

    /// Waits for the read models to reach `position` (read-your-writes).
    pub(super) async fn committed<T>(&self, value: T, position: u64) -> Committed<T> {
        let consistent = self.projections.settle(position).await;
        if !consistent {
            tracing::warn!(position, "read models lag behind a command's events");
        }
        Committed { value, consistent }
    }

    /// Waits for the read models to apply everything in the log so far.
    pub(super) async fn caught_up(&self) -> bool {
        let head = *self.log.head().borrow();
        self.projections.settle(head).await
    }

    /// True when `meta` carries an idempotency key that already has an outcome.
    pub(super) async fn already_done(&self, meta: &CommandMeta) -> Result<bool, AppError> {
        Ok(match &meta.idempotency {
            Some(idempotency) => self.log.idempotency(&idempotency.key).await?.is_some(),
            None => false,
        })
    }

    /// Executes `command`. When two requests with one idempotency key race,
    /// the loser may be refused by the state the winner left; it then answers
    /// the winner's outcome instead (RELIABILITY 17: one executes).
    pub(super) async fn execute<D, C>(
        &self,
        handler: &CommandHandler<D, C>,
        stream: &str,
        command: &D::Command,
        meta: &CommandMeta,
    ) -> Result<Executed<D::State>, AppError>
    where
        D: Decider,
        C: EventCodec<Event = D::Event>,
        D::Error: Into<AppError>,
    {
        match handler.execute(stream, command, meta).await {
            Err(CommandError::Rejected(rejection)) => {
                if self.already_done(meta).await? {
                    Ok(handler.execute(stream, command, meta).await?)
                } else {
                    Err(rejection.into())
                }
            }
            other => Ok(other?),
        }
    }

    /// The events of `stream` up to `version`, decoded.
    pub(super) async fn events_until<C: EventCodec>(
        &self,
        stream: &str,
        version: u64,
    ) -> Result<Vec<C::Event>, AppError> {
        let limit = usize::try_from(version).unwrap_or(usize::MAX);
        self.log
            .read_stream(stream, 1, limit)
            .await?
            .into_iter()
            .map(|r| C::decode_type(&r.envelope.event_type, r.envelope.data).map_err(Into::into))
            .collect()
    }

    /// The state `stream` had at `version`: what an earlier command left, so an
    /// idempotent replay answers exactly what the first call answered.
    pub(super) async fn state_at<D, C>(
        &self,
        stream: &str,
        version: u64,
    ) -> Result<D::State, AppError>
    where
        D: Decider,
        C: EventCodec<Event = D::Event>,
    {
        Ok(D::fold(&self.events_until::<C>(stream, version).await?))
    }
}
