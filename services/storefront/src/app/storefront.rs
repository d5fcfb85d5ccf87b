use std::sync::Arc;

use golmok_kernel::{
    CommandHandler, CommandMeta, Committed, Decider, EventCodec, EventLog, Projections, Tables,
};
use uuid::Uuid;

use super::AppError;
use super::codec::{ClaimCodec, MerchantCodec, ShopCodec};
use crate::domain::business_number::Claim;
use crate::domain::merchant::{DiagnosisPolicy, Merchant};
use crate::domain::shop::Shop;

const READ_PAGE: u64 = 1_000;

/// The storefront's application service: command handlers over the event log,
/// queries over the read models.
pub struct Storefront {
    pub(super) log: Arc<dyn EventLog>,
    pub(super) tables: Arc<dyn Tables>,
    pub(super) merchants: CommandHandler<Merchant, MerchantCodec>,
    pub(super) claims: CommandHandler<Claim, ClaimCodec>,
    pub(super) shops: CommandHandler<Shop, ShopCodec>,
    projections: Arc<Projections>,
    policy: DiagnosisPolicy,
}

pub fn merchant_stream(merchant_id: Uuid) -> String {
    format!("merchant-{merchant_id}")
}

pub fn shop_stream(merchant_id: Uuid) -> String {
    format!("shop-{merchant_id}")
}

impl Storefront {
    pub fn new(
        log: Arc<dyn EventLog>,
        tables: Arc<dyn Tables>,
        projections: Arc<Projections>,
        policy: DiagnosisPolicy,
    ) -> Self {
        Self {
            merchants: CommandHandler::new(Arc::clone(&log)),
            claims: CommandHandler::new(Arc::clone(&log)),
            shops: CommandHandler::new(Arc::clone(&log)),
            log,
            tables,
            projections,
            policy,
        }
    }

    /// The thresholds that route expert diagnoses.
    pub fn diagnosis_policy(&self) -> DiagnosisPolicy {
        self.policy
    }

    /// Waits for the read models to reach `position` (read-your-writes).
    pub(super) async fn committed<T>(&self, value: T, position: u64) -> Committed<T> {
        let consistent = self.projections.settle(position).await;
        if !consistent {
            tracing::warn!(position, "read models lag behind a command's events");
        }
        Committed { value, consistent }
    }

    /// True when `meta` carries an idempotency key that already has an outcome.
    pub(super) async fn already_done(&self, meta: &CommandMeta) -> Result<bool, AppError> {
        match &meta.idempotency {
            Some(idempotency) => Ok(self.log.idempotency(&idempotency.key).await?.is_some()),
            None => Ok(false),
        }
    }

    /// Folds `stream` up to `version`: the state an earlier command left, so
    /// an idempotent replay answers exactly what the first call answered.
    pub(super) async fn state_at<D, C>(
        &self,
        stream: &str,
        version: u64,
    ) -> Result<D::State, AppError>
    where
        D: Decider,
        C: EventCodec<Event = D::Event>,
    {
        let mut state = D::State::default();
        let mut next = 1;
        while next <= version {
            let limit = (version - next + 1).min(READ_PAGE) as usize;
            let page = self.log.read_stream(stream, next, limit).await?;
            if page.is_empty() {
                break;
            }
            for recorded in page {
                let event = C::decode_type(&recorded.envelope.event_type, recorded.envelope.data)?;
                state = D::evolve(state, &event);
                next = recorded.envelope.stream_version + 1;
            }
        }
        Ok(state)
    }
}
