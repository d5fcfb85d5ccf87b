//! One fixed sample of every current event type, in the order of the codec's
//! schemas; written to `schemas/events/storefront/<Event>.v<N>.sample.json`.
//! Test data: compiled for tests and with the `samples` feature only.
#![cfg(any(test, feature = "samples"))]

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::codec::StorefrontEvent;
use crate::domain::Won;
use crate::domain::business_number::{BusinessNumber, ClaimEvent};
use crate::domain::merchant::{
    Diagnosis, HeritageBadge, Market, MerchantEvent, MerchantKind, OnboardingStatus, Registered,
    RevenueTier, Route,
};
use crate::domain::shop::{
    Attribution, OrderLine, OrderLinesReturned, OrderPlaced, PaymentMethod, ProductAdded,
    ReturnedLine, ShopEvent, VoucherPaymentRequested,
};

fn at() -> DateTime<Utc> {
    "2024-06-01T03:00:00Z".parse().expect("fixed instant")
}

fn merchant_id() -> Uuid {
    Uuid::from_u128(0x0190_0c3e_8d4a_7b2e_9f10_0000_0000_0001)
}

fn product_id() -> Uuid {
    Uuid::from_u128(0x0190_0c3e_8d4a_7b2e_9f10_0000_0000_0002)
}

fn order_id() -> Uuid {
    Uuid::from_u128(0x0190_0c3e_8d4a_7b2e_9f10_0000_0000_0003)
}

fn request_id() -> Uuid {
    Uuid::from_u128(0x0190_0c3e_8d4a_7b2e_9f10_0000_0000_0004)
}

fn return_id() -> Uuid {
    Uuid::from_u128(0x0190_0c3e_8d4a_7b2e_9f10_0000_0000_0005)
}

fn number() -> BusinessNumber {
    BusinessNumber::parse("123-45-67891").expect("valid sample number")
}

pub(crate) fn all() -> Vec<StorefrontEvent> {
    let merchant = [
        MerchantEvent::Registered(Registered {
            merchant_id: merchant_id(),
            business_number: number(),
            name: "을지로 노가리".into(),
            kind: MerchantKind::Manufacturer,
            category: "food".into(),
            district: "을지로".into(),
            founded_on: NaiveDate::from_ymd_opt(1980, 3, 15).expect("date"),
            revenue_tier: RevenueTier::Micro,
            at: at(),
        }),
        MerchantEvent::ProfileUpdated {
            name: None,
            category: None,
            district: Some("성수".into()),
            revenue_tier: Some(RevenueTier::Small),
            at: at(),
        },
        MerchantEvent::Suspended {
            reason: "상품권 깡 의심".into(),
            at: at(),
        },
        MerchantEvent::Reinstated { at: at() },
        MerchantEvent::HeritageApplied {
            badge: HeritageBadge::CenturyStore,
            at: at(),
        },
        MerchantEvent::HeritageApproved {
            official: "official-jung-gu".into(),
            at: at(),
        },
        MerchantEvent::HeritageRejected {
            official: "official-jung-gu".into(),
            reason: "업력 증빙 부족".into(),
            at: at(),
        },
        MerchantEvent::DiagnosisRecorded(Diagnosis {
            marketability: 72,
            online_capability: 35,
            notes: "상품성 우수, 온라인 역량 보완 필요".into(),
            route: Route::DedicatedSeller,
            expert: "expert-kim".into(),
            at: at(),
        }),
        MerchantEvent::ChannelOnboardingRequested {
            request_id: request_id(),
            channel: "Shopee".into(),
            market: Market::Global,
            at: at(),
        },
        MerchantEvent::ChannelOnboardingStatusChanged {
            request_id: request_id(),
            status: OnboardingStatus::InReview,
            at: at(),
        },
        MerchantEvent::RegistrationAbandoned { at: at() },
    ];
    let claim = ClaimEvent::BusinessNumberClaimed {
        number: number(),
        merchant_id: merchant_id(),
        at: at(),
    };
    let shop = [
        ShopEvent::ProductAdded(ProductAdded {
            product_id: product_id(),
            merchant_id: merchant_id(),
            name: "노가리 한 접시".into(),
            description: "연탄불에 구운 노가리".into(),
            price: Won(5_000),
            stock: 40,
            at: at(),
        }),
        ShopEvent::ProductEdited {
            product_id: product_id(),
            name: None,
            description: Some("연탄불에 구운 노가리와 고추장".into()),
            at: at(),
        },
        ShopEvent::PriceChanged {
            product_id: product_id(),
            price: Won(5_500),
            at: at(),
        },
        ShopEvent::StockAdjusted {
            product_id: product_id(),
            delta: -3,
            reason: "파손".into(),
            at: at(),
        },
        ShopEvent::ProductPublished {
            product_id: product_id(),
            at: at(),
        },
        ShopEvent::ProductUnpublished {
            product_id: product_id(),
            at: at(),
        },
        ShopEvent::OrderPlaced(OrderPlaced {
            order_id: order_id(),
            merchant_id: merchant_id(),
            buyer: "citizen-lee".into(),
            lines: vec![OrderLine {
                product_id: product_id(),
                name: "노가리 한 접시".into(),
                unit_price: Won(5_500),
                quantity: 2,
            }],
            total: Won(11_000),
            payment: PaymentMethod::Voucher,
            attribution: Some(Attribution {
                creator_id: Some(Uuid::from_u128(7)),
                code: Some("minji.eats".into()),
                live_id: Some(Uuid::from_u128(8)),
            }),
            at: at(),
        }),
        ShopEvent::OrderCancelled {
            order_id: order_id(),
            reason: "단순 변심".into(),
            at: at(),
        },
        ShopEvent::PaymentAuthorized {
            order_id: order_id(),
            at: at(),
        },
        ShopEvent::PaymentCaptured {
            order_id: order_id(),
            at: at(),
        },
        ShopEvent::PaymentVoided {
            order_id: order_id(),
            at: at(),
        },
        ShopEvent::PaymentFailed {
            order_id: order_id(),
            reason: "잔액 부족".into(),
            at: at(),
        },
        ShopEvent::VoucherPaymentRequested(VoucherPaymentRequested {
            order_id: order_id(),
            merchant_id: merchant_id(),
            buyer: "citizen-lee".into(),
            programme_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0009),
            payment_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_000a),
            amount: Won(11_000),
            at: at(),
        }),
        ShopEvent::PaymentDeclined {
            order_id: order_id(),
            code: "INSUFFICIENT_BALANCE".into(),
            reason: "the wallet has 5000 won available".into(),
            at: at(),
        },
        ShopEvent::OrderConfirmed {
            order_id: order_id(),
            at: at(),
        },
        ShopEvent::OrderLinesReturned(OrderLinesReturned {
            order_id: order_id(),
            return_id: return_id(),
            lines: vec![ReturnedLine {
                product_id: product_id(),
                quantity: 1,
                amount: Won(5_500),
            }],
            amount: Won(5_500),
            reason: "포장 파손".into(),
            at: at(),
        }),
        ShopEvent::RefundRecorded {
            order_id: order_id(),
            return_id: return_id(),
            amount: Won(5_500),
            at: at(),
        },
        ShopEvent::RefundDeclined {
            order_id: order_id(),
            return_id: return_id(),
            code: "REFUND_WINDOW_CLOSED".into(),
            reason: "a redemption can be refunded only on the business day of its capture".into(),
            at: at(),
        },
    ];
    merchant
        .into_iter()
        .map(StorefrontEvent::from)
        .chain([claim.into()])
        .chain(shop.into_iter().map(StorefrontEvent::from))
        .collect()
}
