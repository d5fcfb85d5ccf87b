use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::app::codec::CreatorMediaEvent;
use crate::domain::commission::{Accrual, CommissionEvent, Line, Payout, Returned};

/// One sample of each commission event, in the codec's order.
pub fn samples(at: DateTime<Utc>, id: fn(u128) -> Uuid) -> Vec<CreatorMediaEvent> {
    let line = Line {
        product_id: id(20),
        sales: 30_000,
        bps: 1_000,
        commission: 3_000,
    };
    let returned = Returned {
        creator_id: id(1),
        order_id: id(21),
        return_id: id(22),
        lines: vec![Line {
            sales: 10_000,
            commission: 1_000,
            ..line
        }],
        amount: 1_000,
        at,
    };
    vec![
        CommissionEvent::Accrued(Accrual {
            creator_id: id(1),
            order_id: id(21),
            merchant_id: id(2),
            collaboration_id: id(23),
            live_id: Some(id(3)),
            lines: vec![line],
            amount: 3_000,
            payable_at: at + TimeDelta::days(14),
            at,
        })
        .into(),
        CommissionEvent::Payable {
            creator_id: id(1),
            order_id: id(21),
            amount: 3_000,
            at,
        }
        .into(),
        CommissionEvent::Reversed(returned.clone()).into(),
        CommissionEvent::ClawedBack(returned).into(),
        CommissionEvent::PaidOut(Payout {
            creator_id: id(1),
            payout_id: id(24),
            orders: vec![id(21)],
            payable: 3_000,
            clawed_back: 1_000,
            net: 2_000,
            at,
        })
        .into(),
    ]
}
