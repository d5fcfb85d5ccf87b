use std::sync::Arc;

use golmok_kernel::{CommandHandler, EventLog, Projections, StreamName, Tables};
use uuid::Uuid;

use super::codec::{ClaimCodec, MerchantCodec, ShopCodec};
use crate::domain::business_number::Claim;
use crate::domain::merchant::{DiagnosisPolicy, Merchant};
use crate::domain::shop::Shop;

/// The storefront's application service: command handlers over the event log,
/// queries over the read models.
pub struct Storefront {
    pub(super) tables: Arc<dyn Tables>,
    pub(super) merchants: CommandHandler<Merchant, MerchantCodec>,
    pub(super) claims: CommandHandler<Claim, ClaimCodec>,
    pub(super) shops: CommandHandler<Shop, ShopCodec>,
    pub(super) projections: Arc<Projections>,
    policy: DiagnosisPolicy,
    /// How long after its confirmation an order's lines may be returned.
    pub(super) return_window: chrono::TimeDelta,
}

/// `merchant-<merchant id>`: one merchant's profile and standing.
pub const MERCHANT: StreamName = StreamName::new("merchant");
/// `shop-<merchant id>`: one merchant's products and orders.
pub const SHOP: StreamName = StreamName::new("shop");

pub fn merchant_stream(merchant_id: Uuid) -> String {
    MERCHANT.of(merchant_id)
}

pub fn shop_stream(merchant_id: Uuid) -> String {
    SHOP.of(merchant_id)
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
            shops: CommandHandler::new(log),
            tables,
            projections,
            policy,
            return_window: chrono::TimeDelta::days(14),
        }
    }

    /// Lines may be returned until `window` after an order's confirmation.
    pub fn with_return_window(mut self, window: chrono::TimeDelta) -> Self {
        self.return_window = window;
        self
    }

    /// The thresholds that route expert diagnoses.
    pub fn diagnosis_policy(&self) -> DiagnosisPolicy {
        self.policy
    }
}
