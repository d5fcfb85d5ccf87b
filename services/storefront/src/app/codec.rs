//! The codec of storefront events, as a table: each entry maps a domain event
//! onto its published wire struct (`golmok_contracts::storefront`, schemas in
//! `schemas/events/storefront/`). Domain events never derive `Serialize`;
//! this module is the only place in the service that knows the wire.

use golmok_contracts::storefront::*;
use golmok_kernel::{AggregateCodec, Wire, event_table, wire_struct};

use crate::domain::business_number::{BusinessNumber, ClaimEvent};
use crate::domain::merchant::{Diagnosis, MerchantEvent, Registered};
use crate::domain::shop::{
    Attribution, OrderLine, OrderLinesReturned, OrderPlaced, ProductAdded, ReturnedLine, ShopEvent,
    VoucherPaymentRequested,
};

event_table! {
    /// Every event the storefront writes.
    pub enum StorefrontEvent;
    /// The codec of every storefront event.
    pub struct StorefrontCodec for SERVICE;

    Merchant(MerchantEvent) {
        Registered(Registered {
            merchant_id, business_number, name, kind, category, district, founded_on,
            revenue_tier, at,
        }) => MerchantRegistered @ 1: MerchantRegisteredV1,
        ProfileUpdated { name, category, district, revenue_tier, at }
            => MerchantProfileUpdated @ 1: MerchantProfileUpdatedV1,
        Suspended { reason, at } => MerchantSuspended @ 1: ReasonV1,
        Reinstated { at } => MerchantReinstated @ 1: InstantV1,
        HeritageApplied { badge, at } => HeritageApplied @ 1: HeritageAppliedV1,
        HeritageApproved { official, at } => HeritageApproved @ 1: HeritageApprovedV1,
        HeritageRejected { official, reason, at } => HeritageRejected @ 1: HeritageRejectedV1,
        DiagnosisRecorded(Diagnosis {
            marketability, online_capability, notes, route, expert, at,
        }) => DiagnosisRecorded @ 1: DiagnosisRecordedV1 check scores_at_most_100,
        ChannelOnboardingRequested { request_id, channel, market, at }
            => ChannelOnboardingRequested @ 1: ChannelOnboardingRequestedV1,
        ChannelOnboardingStatusChanged { request_id, status, at }
            => ChannelOnboardingStatusChanged @ 1: ChannelOnboardingStatusChangedV1,
        RegistrationAbandoned { at } => MerchantRegistrationAbandoned @ 1: InstantV1,
    }
    Claim(ClaimEvent) {
        BusinessNumberClaimed { number: business_number, merchant_id, at }
            => BusinessNumberClaimed @ 1: BusinessNumberClaimedV1,
    }
    Shop(ShopEvent) {
        ProductAdded(ProductAdded {
            product_id, merchant_id, name, description, price, stock, at,
        }) => ProductAdded @ 1: ProductAddedV1,
        ProductEdited { product_id, name, description, at } => ProductEdited @ 1: ProductEditedV1,
        PriceChanged { product_id, price, at } => ProductPriceChanged @ 1: ProductPriceChangedV1,
        StockAdjusted { product_id, delta, reason, at } => StockAdjusted @ 1: StockAdjustedV1,
        ProductPublished { product_id, at } => ProductPublished @ 1: ProductInstantV1,
        ProductUnpublished { product_id, at } => ProductUnpublished @ 1: ProductInstantV1,
        OrderPlaced(OrderPlaced {
            order_id, merchant_id, buyer, lines, total, payment, attribution, at,
        }) => OrderPlaced @ 1: OrderPlacedV1,
        OrderCancelled { order_id, reason, at } => OrderCancelled @ 1: OrderReasonV1,
        PaymentAuthorized { order_id, at } => PaymentAuthorized @ 1: OrderInstantV1,
        PaymentCaptured { order_id, at } => PaymentCaptured @ 1: OrderInstantV1,
        PaymentVoided { order_id, at } => PaymentVoided @ 1: OrderInstantV1,
        PaymentFailed { order_id, reason, at } => PaymentFailed @ 1: OrderReasonV1,
        VoucherPaymentRequested(VoucherPaymentRequested {
            order_id, merchant_id, buyer, programme_id, payment_id, amount, at,
        }) => VoucherPaymentRequested @ 1: VoucherPaymentRequestedV1,
        PaymentDeclined { order_id, code, reason, at } => PaymentDeclined @ 1: PaymentDeclinedV1,
        OrderConfirmed { order_id, at } => OrderConfirmed @ 1: OrderInstantV1,
        OrderLinesReturned(OrderLinesReturned {
            order_id, return_id, lines, amount, reason, at,
        }) => OrderLinesReturned @ 1: OrderLinesReturnedV1,
        RefundRecorded { order_id, return_id, amount, at }
            => OrderRefundRecorded @ 1: OrderRefundRecordedV1,
        RefundDeclined { order_id, return_id, code, reason, at }
            => OrderRefundDeclined @ 1: OrderRefundDeclinedV1,
    }
}

wire_struct!(OrderLine { product_id, name, unit_price, quantity } <=> OrderLineV1);
wire_struct!(Attribution { creator_id, code, live_id } <=> AttributionV1);
wire_struct!(ReturnedLine { product_id, quantity, amount } <=> ReturnedLineV1);

/// A business number read back is checked for its form and check digit only
/// (`BusinessNumber::stored`), so that a number recorded before a newer rule
/// still reads.
impl Wire for BusinessNumber {
    type Wire = String;

    fn to_wire(&self) -> String {
        self.as_str().to_owned()
    }

    fn from_wire(wire: String) -> Result<Self, String> {
        BusinessNumber::stored(&wire).map_err(|e| e.to_string())
    }
}

/// The schema bounds the scores; the decoder enforces them.
fn scores_at_most_100(wire: &DiagnosisRecordedV1) -> Result<(), &'static str> {
    if wire.marketability > 100 || wire.online_capability > 100 {
        Err("score above 100")
    } else {
        Ok(())
    }
}

#[cfg(any(test, feature = "samples"))]
impl golmok_kernel::EventSamples for StorefrontCodec {
    fn samples() -> Vec<StorefrontEvent> {
        super::samples::all()
    }
}

pub type MerchantCodec = AggregateCodec<StorefrontCodec, MerchantEvent>;
pub type ClaimCodec = AggregateCodec<StorefrontCodec, ClaimEvent>;
pub type ShopCodec = AggregateCodec<StorefrontCodec, ShopEvent>;

#[cfg(test)]
mod tests {
    use golmok_kernel::{CodecError, EventCodec, EventSamples};
    use serde_json::Value;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn aggregate_codecs_see_only_their_events() {
        assert_eq!(MerchantCodec::samples().len(), 11);
        assert_eq!(ClaimCodec::samples().len(), 1);
        assert_eq!(ShopCodec::samples().len(), 18);
        assert_eq!(ShopCodec::schemas().len(), 18);
        let claimed = StorefrontCodec::encode(&ClaimCodec::samples()[0].clone().into());
        assert!(matches!(
            MerchantCodec::decode(claimed.name, 1, claimed.data),
            Err(CodecError::UnknownType { .. })
        ));
    }

    #[test]
    fn bad_payloads_are_malformed_not_panics() {
        let bad_number = serde_json::json!({
            "merchantId": Uuid::nil(), "businessNumber": "123-45-67890", "name": "n",
            "kind": "RETAILER", "category": "c", "district": "d", "foundedOn": "2000-01-01",
            "revenueTier": "MICRO", "at": "2024-01-01T00:00:00Z"
        });
        assert!(matches!(
            StorefrontCodec::decode("MerchantRegistered", 1, bad_number),
            Err(CodecError::Malformed { .. })
        ));
        assert!(matches!(
            StorefrontCodec::decode("OrderPlaced", 1, serde_json::json!({"orderId": 3})),
            Err(CodecError::Malformed { .. })
        ));
        assert!(matches!(
            StorefrontCodec::decode("Nope", 1, Value::Null),
            Err(CodecError::UnknownType { .. })
        ));
        assert!(matches!(
            StorefrontCodec::decode("OrderPlaced", 2, Value::Null),
            Err(CodecError::UnknownType { .. })
        ));
    }
}
