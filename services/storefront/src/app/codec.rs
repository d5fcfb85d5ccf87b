//! The codec of storefront events: maps the domain events onto their
//! published wire structs (`golmok_contracts::storefront`, schemas in
//! `schemas/events/storefront/`). Domain events never derive `Serialize`;
//! this module is the only place in the service that knows the wire.

use golmok_contracts::storefront::*;
use golmok_kernel::{
    AggregateCodec, CodecError, EncodedEvent, EventCodec, encoded, from_wire, schema,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::Won;
use crate::domain::business_number::{BusinessNumber, ClaimEvent};
use crate::domain::merchant::{Diagnosis, MerchantEvent, Registered};
use crate::domain::shop::{
    OrderLine, OrderPlaced, ProductAdded, ShopEvent, VoucherPaymentRequested,
};

/// Every event the storefront writes.
#[derive(Debug, Clone, PartialEq)]
pub enum StorefrontEvent {
    Merchant(MerchantEvent),
    Claim(ClaimEvent),
    Shop(ShopEvent),
}

impl From<MerchantEvent> for StorefrontEvent {
    fn from(event: MerchantEvent) -> Self {
        StorefrontEvent::Merchant(event)
    }
}

impl From<ClaimEvent> for StorefrontEvent {
    fn from(event: ClaimEvent) -> Self {
        StorefrontEvent::Claim(event)
    }
}

impl From<ShopEvent> for StorefrontEvent {
    fn from(event: ShopEvent) -> Self {
        StorefrontEvent::Shop(event)
    }
}

impl TryFrom<StorefrontEvent> for MerchantEvent {
    type Error = StorefrontEvent;
    fn try_from(event: StorefrontEvent) -> Result<Self, StorefrontEvent> {
        match event {
            StorefrontEvent::Merchant(event) => Ok(event),
            other => Err(other),
        }
    }
}

impl TryFrom<StorefrontEvent> for ClaimEvent {
    type Error = StorefrontEvent;
    fn try_from(event: StorefrontEvent) -> Result<Self, StorefrontEvent> {
        match event {
            StorefrontEvent::Claim(event) => Ok(event),
            other => Err(other),
        }
    }
}

impl TryFrom<StorefrontEvent> for ShopEvent {
    type Error = StorefrontEvent;
    fn try_from(event: StorefrontEvent) -> Result<Self, StorefrontEvent> {
        match event {
            StorefrontEvent::Shop(event) => Ok(event),
            other => Err(other),
        }
    }
}

// ---- codec ---------------------------------------------------------------------

/// The codec of every storefront event.
pub struct StorefrontCodec;

fn malformed(name: &str, version: u32, reason: impl std::fmt::Display) -> CodecError {
    CodecError::Malformed {
        name: name.to_owned(),
        version,
        reason: reason.to_string(),
    }
}

fn business_number(name: &str, version: u32, raw: &str) -> Result<BusinessNumber, CodecError> {
    BusinessNumber::stored(raw).map_err(|e| malformed(name, version, e))
}

fn encode_merchant(event: &MerchantEvent) -> EncodedEvent {
    match event {
        MerchantEvent::Registered(r) => encoded(
            "MerchantRegistered",
            MerchantRegisteredV1 {
                merchant_id: r.merchant_id,
                business_number: r.business_number.as_str().to_owned(),
                name: r.name.clone(),
                kind: r.kind.into(),
                category: r.category.clone(),
                district: r.district.clone(),
                founded_on: r.founded_on,
                revenue_tier: r.revenue_tier.into(),
                at: r.at,
            },
        ),
        MerchantEvent::ProfileUpdated {
            name,
            category,
            district,
            revenue_tier,
            at,
        } => encoded(
            "MerchantProfileUpdated",
            MerchantProfileUpdatedV1 {
                name: name.clone(),
                category: category.clone(),
                district: district.clone(),
                revenue_tier: revenue_tier.map(Into::into),
                at: *at,
            },
        ),
        MerchantEvent::Suspended { reason, at } => encoded(
            "MerchantSuspended",
            ReasonV1 {
                reason: reason.clone(),
                at: *at,
            },
        ),
        MerchantEvent::Reinstated { at } => encoded("MerchantReinstated", InstantV1 { at: *at }),
        MerchantEvent::HeritageApplied { badge, at } => encoded(
            "HeritageApplied",
            HeritageAppliedV1 {
                badge: (*badge).into(),
                at: *at,
            },
        ),
        MerchantEvent::HeritageApproved { official, at } => encoded(
            "HeritageApproved",
            HeritageApprovedV1 {
                official: official.clone(),
                at: *at,
            },
        ),
        MerchantEvent::HeritageRejected {
            official,
            reason,
            at,
        } => encoded(
            "HeritageRejected",
            HeritageRejectedV1 {
                official: official.clone(),
                reason: reason.clone(),
                at: *at,
            },
        ),
        MerchantEvent::DiagnosisRecorded(d) => encoded(
            "DiagnosisRecorded",
            DiagnosisRecordedV1 {
                marketability: d.marketability,
                online_capability: d.online_capability,
                notes: d.notes.clone(),
                route: d.route.into(),
                expert: d.expert.clone(),
                at: d.at,
            },
        ),
        MerchantEvent::ChannelOnboardingRequested {
            request_id,
            channel,
            market,
            at,
        } => encoded(
            "ChannelOnboardingRequested",
            ChannelOnboardingRequestedV1 {
                request_id: *request_id,
                channel: channel.clone(),
                market: (*market).into(),
                at: *at,
            },
        ),
        MerchantEvent::ChannelOnboardingStatusChanged {
            request_id,
            status,
            at,
        } => encoded(
            "ChannelOnboardingStatusChanged",
            ChannelOnboardingStatusChangedV1 {
                request_id: *request_id,
                status: (*status).into(),
                at: *at,
            },
        ),
        MerchantEvent::RegistrationAbandoned { at } => {
            encoded("MerchantRegistrationAbandoned", InstantV1 { at: *at })
        }
    }
}

fn encode_shop(event: &ShopEvent) -> EncodedEvent {
    match event {
        ShopEvent::ProductAdded(p) => encoded(
            "ProductAdded",
            ProductAddedV1 {
                product_id: p.product_id,
                merchant_id: p.merchant_id,
                name: p.name.clone(),
                description: p.description.clone(),
                price: p.price.0,
                stock: p.stock,
                at: p.at,
            },
        ),
        ShopEvent::ProductEdited {
            product_id,
            name,
            description,
            at,
        } => encoded(
            "ProductEdited",
            ProductEditedV1 {
                product_id: *product_id,
                name: name.clone(),
                description: description.clone(),
                at: *at,
            },
        ),
        ShopEvent::PriceChanged {
            product_id,
            price,
            at,
        } => encoded(
            "ProductPriceChanged",
            ProductPriceChangedV1 {
                product_id: *product_id,
                price: price.0,
                at: *at,
            },
        ),
        ShopEvent::StockAdjusted {
            product_id,
            delta,
            reason,
            at,
        } => encoded(
            "StockAdjusted",
            StockAdjustedV1 {
                product_id: *product_id,
                delta: *delta,
                reason: reason.clone(),
                at: *at,
            },
        ),
        ShopEvent::ProductPublished { product_id, at } => encoded(
            "ProductPublished",
            ProductInstantV1 {
                product_id: *product_id,
                at: *at,
            },
        ),
        ShopEvent::ProductUnpublished { product_id, at } => encoded(
            "ProductUnpublished",
            ProductInstantV1 {
                product_id: *product_id,
                at: *at,
            },
        ),
        ShopEvent::OrderPlaced(o) => encoded(
            "OrderPlaced",
            OrderPlacedV1 {
                order_id: o.order_id,
                merchant_id: o.merchant_id,
                buyer: o.buyer.clone(),
                lines: o
                    .lines
                    .iter()
                    .map(|l| OrderLineV1 {
                        product_id: l.product_id,
                        name: l.name.clone(),
                        unit_price: l.unit_price.0,
                        quantity: l.quantity,
                    })
                    .collect(),
                total: o.total.0,
                payment: o.payment.into(),
                at: o.at,
            },
        ),
        ShopEvent::OrderCancelled {
            order_id,
            reason,
            at,
        } => encoded(
            "OrderCancelled",
            OrderReasonV1 {
                order_id: *order_id,
                reason: reason.clone(),
                at: *at,
            },
        ),
        ShopEvent::PaymentAuthorized { order_id, at } => encoded(
            "PaymentAuthorized",
            OrderInstantV1 {
                order_id: *order_id,
                at: *at,
            },
        ),
        ShopEvent::PaymentCaptured { order_id, at } => encoded(
            "PaymentCaptured",
            OrderInstantV1 {
                order_id: *order_id,
                at: *at,
            },
        ),
        ShopEvent::PaymentVoided { order_id, at } => encoded(
            "PaymentVoided",
            OrderInstantV1 {
                order_id: *order_id,
                at: *at,
            },
        ),
        ShopEvent::PaymentFailed {
            order_id,
            reason,
            at,
        } => encoded(
            "PaymentFailed",
            OrderReasonV1 {
                order_id: *order_id,
                reason: reason.clone(),
                at: *at,
            },
        ),
        ShopEvent::VoucherPaymentRequested(r) => encoded(
            "VoucherPaymentRequested",
            VoucherPaymentRequestedV1 {
                order_id: r.order_id,
                merchant_id: r.merchant_id,
                buyer: r.buyer.clone(),
                programme_id: r.programme_id,
                payment_id: r.payment_id,
                amount: r.amount.0,
                at: r.at,
            },
        ),
        ShopEvent::PaymentDeclined {
            order_id,
            code,
            reason,
            at,
        } => encoded(
            "PaymentDeclined",
            PaymentDeclinedV1 {
                order_id: *order_id,
                code: code.clone(),
                reason: reason.clone(),
                at: *at,
            },
        ),
        ShopEvent::OrderConfirmed { order_id, at } => encoded(
            "OrderConfirmed",
            OrderInstantV1 {
                order_id: *order_id,
                at: *at,
            },
        ),
    }
}

fn wire<T: DeserializeOwned>(name: &str, version: u32, data: Value) -> Result<T, CodecError> {
    from_wire(name, version, data)
}

fn decode_v1(name: &str, data: Value) -> Result<StorefrontEvent, CodecError> {
    let v = 1;
    let event: StorefrontEvent = match name {
        "MerchantRegistered" => {
            let w: MerchantRegisteredV1 = wire(name, v, data)?;
            MerchantEvent::Registered(Registered {
                merchant_id: w.merchant_id,
                business_number: business_number(name, v, &w.business_number)?,
                name: w.name,
                kind: w.kind.into(),
                category: w.category,
                district: w.district,
                founded_on: w.founded_on,
                revenue_tier: w.revenue_tier.into(),
                at: w.at,
            })
            .into()
        }
        "MerchantProfileUpdated" => {
            let w: MerchantProfileUpdatedV1 = wire(name, v, data)?;
            MerchantEvent::ProfileUpdated {
                name: w.name,
                category: w.category,
                district: w.district,
                revenue_tier: w.revenue_tier.map(Into::into),
                at: w.at,
            }
            .into()
        }
        "MerchantSuspended" => {
            let w: ReasonV1 = wire(name, v, data)?;
            MerchantEvent::Suspended {
                reason: w.reason,
                at: w.at,
            }
            .into()
        }
        "MerchantReinstated" => {
            let w: InstantV1 = wire(name, v, data)?;
            MerchantEvent::Reinstated { at: w.at }.into()
        }
        "HeritageApplied" => {
            let w: HeritageAppliedV1 = wire(name, v, data)?;
            MerchantEvent::HeritageApplied {
                badge: w.badge.into(),
                at: w.at,
            }
            .into()
        }
        "HeritageApproved" => {
            let w: HeritageApprovedV1 = wire(name, v, data)?;
            MerchantEvent::HeritageApproved {
                official: w.official,
                at: w.at,
            }
            .into()
        }
        "HeritageRejected" => {
            let w: HeritageRejectedV1 = wire(name, v, data)?;
            MerchantEvent::HeritageRejected {
                official: w.official,
                reason: w.reason,
                at: w.at,
            }
            .into()
        }
        "DiagnosisRecorded" => {
            let w: DiagnosisRecordedV1 = wire(name, v, data)?;
            if w.marketability > 100 || w.online_capability > 100 {
                return Err(malformed(name, v, "score above 100"));
            }
            MerchantEvent::DiagnosisRecorded(Diagnosis {
                marketability: w.marketability,
                online_capability: w.online_capability,
                notes: w.notes,
                route: w.route.into(),
                expert: w.expert,
                at: w.at,
            })
            .into()
        }
        "ChannelOnboardingRequested" => {
            let w: ChannelOnboardingRequestedV1 = wire(name, v, data)?;
            MerchantEvent::ChannelOnboardingRequested {
                request_id: w.request_id,
                channel: w.channel,
                market: w.market.into(),
                at: w.at,
            }
            .into()
        }
        "ChannelOnboardingStatusChanged" => {
            let w: ChannelOnboardingStatusChangedV1 = wire(name, v, data)?;
            MerchantEvent::ChannelOnboardingStatusChanged {
                request_id: w.request_id,
                status: w.status.into(),
                at: w.at,
            }
            .into()
        }
        "MerchantRegistrationAbandoned" => {
            let w: InstantV1 = wire(name, v, data)?;
            MerchantEvent::RegistrationAbandoned { at: w.at }.into()
        }
        "BusinessNumberClaimed" => {
            let w: BusinessNumberClaimedV1 = wire(name, v, data)?;
            ClaimEvent::BusinessNumberClaimed {
                number: business_number(name, v, &w.business_number)?,
                merchant_id: w.merchant_id,
                at: w.at,
            }
            .into()
        }
        "ProductAdded" => {
            let w: ProductAddedV1 = wire(name, v, data)?;
            ShopEvent::ProductAdded(ProductAdded {
                product_id: w.product_id,
                merchant_id: w.merchant_id,
                name: w.name,
                description: w.description,
                price: Won(w.price),
                stock: w.stock,
                at: w.at,
            })
            .into()
        }
        "ProductEdited" => {
            let w: ProductEditedV1 = wire(name, v, data)?;
            ShopEvent::ProductEdited {
                product_id: w.product_id,
                name: w.name,
                description: w.description,
                at: w.at,
            }
            .into()
        }
        "ProductPriceChanged" => {
            let w: ProductPriceChangedV1 = wire(name, v, data)?;
            ShopEvent::PriceChanged {
                product_id: w.product_id,
                price: Won(w.price),
                at: w.at,
            }
            .into()
        }
        "StockAdjusted" => {
            let w: StockAdjustedV1 = wire(name, v, data)?;
            ShopEvent::StockAdjusted {
                product_id: w.product_id,
                delta: w.delta,
                reason: w.reason,
                at: w.at,
            }
            .into()
        }
        "ProductPublished" => {
            let w: ProductInstantV1 = wire(name, v, data)?;
            ShopEvent::ProductPublished {
                product_id: w.product_id,
                at: w.at,
            }
            .into()
        }
        "ProductUnpublished" => {
            let w: ProductInstantV1 = wire(name, v, data)?;
            ShopEvent::ProductUnpublished {
                product_id: w.product_id,
                at: w.at,
            }
            .into()
        }
        "OrderPlaced" => {
            let w: OrderPlacedV1 = wire(name, v, data)?;
            ShopEvent::OrderPlaced(OrderPlaced {
                order_id: w.order_id,
                merchant_id: w.merchant_id,
                buyer: w.buyer,
                lines: w
                    .lines
                    .into_iter()
                    .map(|l| OrderLine {
                        product_id: l.product_id,
                        name: l.name,
                        unit_price: Won(l.unit_price),
                        quantity: l.quantity,
                    })
                    .collect(),
                total: Won(w.total),
                payment: w.payment.into(),
                at: w.at,
            })
            .into()
        }
        "OrderCancelled" => {
            let w: OrderReasonV1 = wire(name, v, data)?;
            ShopEvent::OrderCancelled {
                order_id: w.order_id,
                reason: w.reason,
                at: w.at,
            }
            .into()
        }
        "PaymentAuthorized" => {
            let w: OrderInstantV1 = wire(name, v, data)?;
            ShopEvent::PaymentAuthorized {
                order_id: w.order_id,
                at: w.at,
            }
            .into()
        }
        "PaymentCaptured" => {
            let w: OrderInstantV1 = wire(name, v, data)?;
            ShopEvent::PaymentCaptured {
                order_id: w.order_id,
                at: w.at,
            }
            .into()
        }
        "PaymentVoided" => {
            let w: OrderInstantV1 = wire(name, v, data)?;
            ShopEvent::PaymentVoided {
                order_id: w.order_id,
                at: w.at,
            }
            .into()
        }
        "PaymentFailed" => {
            let w: OrderReasonV1 = wire(name, v, data)?;
            ShopEvent::PaymentFailed {
                order_id: w.order_id,
                reason: w.reason,
                at: w.at,
            }
            .into()
        }
        "VoucherPaymentRequested" => {
            let w: VoucherPaymentRequestedV1 = wire(name, v, data)?;
            ShopEvent::VoucherPaymentRequested(VoucherPaymentRequested {
                order_id: w.order_id,
                merchant_id: w.merchant_id,
                buyer: w.buyer,
                programme_id: w.programme_id,
                payment_id: w.payment_id,
                amount: Won(w.amount),
                at: w.at,
            })
            .into()
        }
        "PaymentDeclined" => {
            let w: PaymentDeclinedV1 = wire(name, v, data)?;
            ShopEvent::PaymentDeclined {
                order_id: w.order_id,
                code: w.code,
                reason: w.reason,
                at: w.at,
            }
            .into()
        }
        "OrderConfirmed" => {
            let w: OrderInstantV1 = wire(name, v, data)?;
            ShopEvent::OrderConfirmed {
                order_id: w.order_id,
                at: w.at,
            }
            .into()
        }
        _ => {
            return Err(CodecError::UnknownType {
                name: name.to_owned(),
                version: v,
            });
        }
    };
    Ok(event)
}

impl EventCodec for StorefrontCodec {
    type Event = StorefrontEvent;
    const SERVICE: &'static str = SERVICE;

    fn encode(event: &StorefrontEvent) -> EncodedEvent {
        match event {
            StorefrontEvent::Merchant(event) => encode_merchant(event),
            StorefrontEvent::Shop(event) => encode_shop(event),
            StorefrontEvent::Claim(ClaimEvent::BusinessNumberClaimed {
                number,
                merchant_id,
                at,
            }) => encoded(
                "BusinessNumberClaimed",
                BusinessNumberClaimedV1 {
                    business_number: number.as_str().to_owned(),
                    merchant_id: *merchant_id,
                    at: *at,
                },
            ),
        }
    }

    fn decode(name: &str, version: u32, data: Value) -> Result<StorefrontEvent, CodecError> {
        match version {
            1 => decode_v1(name, data),
            _ => Err(CodecError::UnknownType {
                name: name.to_owned(),
                version,
            }),
        }
    }

    fn schemas() -> Vec<(&'static str, u32, Value)> {
        let [
            registered,
            profile_updated,
            suspended,
            reinstated,
            heritage_applied,
            heritage_approved,
            heritage_rejected,
            diagnosis_recorded,
            onboarding_requested,
            onboarding_changed,
            abandoned,
            claimed,
            product_added,
            product_edited,
            price_changed,
            stock_adjusted,
            published,
            unpublished,
            order_placed,
            order_cancelled,
            authorized,
            captured,
            voided,
            failed,
            payment_requested,
            payment_declined,
            order_confirmed,
        ] = NAMES;
        vec![
            schema::<MerchantRegisteredV1>(registered),
            schema::<MerchantProfileUpdatedV1>(profile_updated),
            schema::<ReasonV1>(suspended),
            schema::<InstantV1>(reinstated),
            schema::<HeritageAppliedV1>(heritage_applied),
            schema::<HeritageApprovedV1>(heritage_approved),
            schema::<HeritageRejectedV1>(heritage_rejected),
            schema::<DiagnosisRecordedV1>(diagnosis_recorded),
            schema::<ChannelOnboardingRequestedV1>(onboarding_requested),
            schema::<ChannelOnboardingStatusChangedV1>(onboarding_changed),
            schema::<InstantV1>(abandoned),
            schema::<BusinessNumberClaimedV1>(claimed),
            schema::<ProductAddedV1>(product_added),
            schema::<ProductEditedV1>(product_edited),
            schema::<ProductPriceChangedV1>(price_changed),
            schema::<StockAdjustedV1>(stock_adjusted),
            schema::<ProductInstantV1>(published),
            schema::<ProductInstantV1>(unpublished),
            schema::<OrderPlacedV1>(order_placed),
            schema::<OrderReasonV1>(order_cancelled),
            schema::<OrderInstantV1>(authorized),
            schema::<OrderInstantV1>(captured),
            schema::<OrderInstantV1>(voided),
            schema::<OrderReasonV1>(failed),
            schema::<VoucherPaymentRequestedV1>(payment_requested),
            schema::<PaymentDeclinedV1>(payment_declined),
            schema::<OrderInstantV1>(order_confirmed),
        ]
    }

    fn samples() -> Vec<StorefrontEvent> {
        super::samples::all()
    }
}

pub type MerchantCodec = AggregateCodec<StorefrontCodec, MerchantEvent>;
pub type ClaimCodec = AggregateCodec<StorefrontCodec, ClaimEvent>;
pub type ShopCodec = AggregateCodec<StorefrontCodec, ShopEvent>;

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn every_sample_round_trips_through_the_wire() {
        let samples = StorefrontCodec::samples();
        let names: Vec<&str> = samples
            .iter()
            .map(|e| StorefrontCodec::encode(e).name)
            .collect();
        assert_eq!(names, NAMES.to_vec(), "one sample per event type, in order");
        for event in samples {
            let encoded = StorefrontCodec::encode(&event);
            let decoded =
                StorefrontCodec::decode(encoded.name, encoded.version, encoded.data).unwrap();
            assert_eq!(decoded, event);
        }
    }

    #[test]
    fn aggregate_codecs_see_only_their_events() {
        assert_eq!(MerchantCodec::samples().len(), 11);
        assert_eq!(ClaimCodec::samples().len(), 1);
        assert_eq!(ShopCodec::samples().len(), 15);
        assert_eq!(ShopCodec::schemas().len(), 15);
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
