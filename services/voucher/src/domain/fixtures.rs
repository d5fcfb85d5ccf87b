//! Shared givens of the domain tests: one programme of 중구 and its merchants.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::programme::{FeeTiers, MerchantFacts, RevenueTier, Terms};
use super::{Bps, Won};

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn programme_id() -> Uuid {
    Uuid::from_u128(0x10)
}

/// 중구 사랑상품권: 10,000 and 50,000 won at 10 % off, 200,000 won a month,
/// valid through 2026, food and retail in 을지로 and 명동, budget 1,000,000 won.
pub fn terms() -> Terms {
    Terms {
        programme_id: programme_id(),
        issuer: "서울특별시 중구".into(),
        name: "중구 사랑상품권".into(),
        region: "중구".into(),
        districts: ["을지로".to_owned(), "명동".to_owned()].into(),
        face_values: [Won(10_000), Won(50_000)].into(),
        discount: Bps(1_000),
        monthly_cap: Won(200_000),
        valid_from: date(2026, 1, 1),
        valid_until: date(2026, 12, 31),
        categories: ["food".to_owned(), "retail".to_owned()].into(),
        fees: FeeTiers {
            micro: Bps(0),
            small: Bps(30),
            medium: Bps(50),
        },
        budget: Won(1_000_000),
    }
}

pub fn merchant(n: u128) -> MerchantFacts {
    MerchantFacts {
        merchant_id: Uuid::from_u128(0x100 + n),
        district: "을지로".into(),
        category: "food".into(),
        revenue_tier: RevenueTier::Small,
        registered_on: date(2020, 5, 1),
        suspended: false,
        voucher_suspended: false,
    }
}
