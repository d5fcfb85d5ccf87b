use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use crate::domain::{Bps, BusinessCalendar, Rounding, Won, seoul_date};

/// A captured redemption awaiting settlement, net of the merchant's refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedRedemption {
    pub redemption_id: Uuid,
    pub wallet_id: Uuid,
    pub captured_on: NaiveDate,
    pub amount: Won,
}

/// One day's batch: what the merchant is paid for its captured redemptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub programme_id: Uuid,
    pub merchant_id: Uuid,
    pub business_date: NaiveDate,
    pub lines: Vec<CapturedRedemption>,
    /// Sum of the lines.
    pub gross: Won,
    pub fee_rate: Bps,
    /// `gross × fee_rate`, rounded half up.
    pub fee: Won,
    /// `gross − fee`, paid to the merchant.
    pub net: Won,
    pub payout_on: NaiveDate,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum SettlementCommand {
    /// Settle every candidate captured on or before `business_date` and not
    /// yet settled. Only a closed day (before today in Asia/Seoul) settles.
    Settle {
        programme_id: Uuid,
        merchant_id: Uuid,
        business_date: NaiveDate,
        candidates: Vec<CapturedRedemption>,
        fee_rate: Bps,
        calendar: BusinessCalendar,
        payout_lag_days: u32,
        at: DateTime<Utc>,
    },
    PayOut {
        business_date: NaiveDate,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettlementEvent {
    Settled(Batch),
    PaidOut {
        business_date: NaiveDate,
        amount: Won,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettlementState {
    pub batches: BTreeMap<NaiveDate, Batch>,
    pub paid: BTreeSet<NaiveDate>,
    pub settled: BTreeSet<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    #[error("the business day {0} is not closed yet")]
    DayNotClosed(NaiveDate),
    #[error("no batch for this business day")]
    BatchNotFound,
    #[error("the batch is due on {0}")]
    NotDue(NaiveDate),
    #[error("the batch amounts overflow")]
    Overflow,
}

impl SettlementError {
    /// Stable code for partners.
    pub fn code(&self) -> &'static str {
        match self {
            SettlementError::DayNotClosed(_) => "BUSINESS_DAY_NOT_CLOSED",
            SettlementError::BatchNotFound => "SETTLEMENT_NOT_FOUND",
            SettlementError::NotDue(_) => "PAYOUT_NOT_DUE",
            SettlementError::Overflow => "AMOUNT_TOO_LARGE",
        }
    }
}

/// The settlement aggregate.
pub struct Settlement;

impl Decider for Settlement {
    type State = SettlementState;
    type Command = SettlementCommand;
    type Event = SettlementEvent;
    type Error = SettlementError;

    fn decide(
        state: &SettlementState,
        command: &SettlementCommand,
    ) -> Result<Vec<SettlementEvent>, SettlementError> {
        match command {
            SettlementCommand::Settle {
                programme_id,
                merchant_id,
                business_date,
                candidates,
                fee_rate,
                calendar,
                payout_lag_days,
                at,
            } => {
                if *business_date >= seoul_date(*at) {
                    return Err(SettlementError::DayNotClosed(*business_date));
                }
                if state.batches.contains_key(business_date) {
                    return Ok(Vec::new());
                }
                let mut seen = BTreeSet::new();
                let lines: Vec<CapturedRedemption> = candidates
                    .iter()
                    .filter(|c| {
                        c.captured_on <= *business_date
                            && c.amount.is_positive()
                            && !state.settled.contains(&c.redemption_id)
                            && seen.insert(c.redemption_id)
                    })
                    .cloned()
                    .collect();
                if lines.is_empty() {
                    return Ok(Vec::new());
                }
                let gross =
                    Won::sum(lines.iter().map(|l| l.amount)).ok_or(SettlementError::Overflow)?;
                let fee = fee_rate
                    .of(gross, Rounding::HalfUp)
                    .ok_or(SettlementError::Overflow)?;
                let net = gross.minus(fee).ok_or(SettlementError::Overflow)?;
                Ok(vec![SettlementEvent::Settled(Batch {
                    programme_id: *programme_id,
                    merchant_id: *merchant_id,
                    business_date: *business_date,
                    lines,
                    gross,
                    fee_rate: *fee_rate,
                    fee,
                    net,
                    payout_on: calendar.add_business_days(*business_date, *payout_lag_days),
                    at: *at,
                })])
            }
            SettlementCommand::PayOut { business_date, at } => {
                let batch = state
                    .batches
                    .get(business_date)
                    .ok_or(SettlementError::BatchNotFound)?;
                if state.paid.contains(business_date) {
                    return Ok(Vec::new());
                }
                if seoul_date(*at) < batch.payout_on {
                    return Err(SettlementError::NotDue(batch.payout_on));
                }
                Ok(vec![SettlementEvent::PaidOut {
                    business_date: *business_date,
                    amount: batch.net,
                    at: *at,
                }])
            }
        }
    }

    fn evolve(mut state: SettlementState, event: &SettlementEvent) -> SettlementState {
        match event {
            SettlementEvent::Settled(batch) => {
                state
                    .settled
                    .extend(batch.lines.iter().map(|l| l.redemption_id));
                state.batches.insert(batch.business_date, batch.clone());
            }
            SettlementEvent::PaidOut { business_date, .. } => {
                state.paid.insert(*business_date);
            }
        }
        state
    }
}
