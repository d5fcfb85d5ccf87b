use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

/// A creator's commissions: stream `commissions-<creator id>`.
pub struct Commissions;

/// A whole: 100 % in basis points.
const FULL_BPS: u32 = 10_000;

/// An order line as sold, with the collaboration's rate for its product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    pub product_id: Uuid,
    /// Whole won the buyer paid for the line.
    pub sales: i64,
    pub bps: u32,
}

/// An order line's share of a commission (or, in a return, the returned
/// amount and the share taken back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub product_id: Uuid,
    pub sales: i64,
    pub bps: u32,
    pub commission: i64,
}

/// Units of an order line that came back: `amount` whole won of its sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnedSale {
    pub product_id: Uuid,
    pub amount: i64,
}

/// The commission of a paid order, as accrued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accrual {
    pub creator_id: Uuid,
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub collaboration_id: Uuid,
    pub live_id: Option<Uuid>,
    pub lines: Vec<Line>,
    pub amount: i64,
    /// When the order's return window ends.
    pub payable_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// A return's share of an order's commission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub creator_id: Uuid,
    pub order_id: Uuid,
    pub return_id: Uuid,
    /// The returned lines that earned a commission, each with its share.
    pub lines: Vec<Line>,
    pub amount: i64,
    pub at: DateTime<Utc>,
}

/// A payout of everything payable, less what was owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    pub creator_id: Uuid,
    pub payout_id: Uuid,
    pub orders: Vec<Uuid>,
    pub payable: i64,
    pub clawed_back: i64,
    pub net: i64,
    pub at: DateTime<Utc>,
}

/// A paid order credited to the creator: its covered lines, each with the
/// collaboration's rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    pub creator_id: Uuid,
    pub order_id: Uuid,
    pub merchant_id: Uuid,
    pub collaboration_id: Uuid,
    pub live_id: Option<Uuid>,
    pub lines: Vec<Sale>,
    /// When the order's return window ends.
    pub payable_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommissionCommand {
    /// The order was paid: accrue its commission, held until `payable_at`
    /// (a no-op for an order accrued before).
    Accrue(Box<Attributed>),
    /// The order's return window ended by `at`: a no-op once it is payable
    /// or paid out.
    MakePayable { order_id: Uuid, at: DateTime<Utc> },
    /// Lines of the order came back: a no-op for a return taken before.
    Return {
        order_id: Uuid,
        return_id: Uuid,
        lines: Vec<ReturnedSale>,
        at: DateTime<Utc>,
    },
    /// Pays out every payable commission, less what is owed.
    PayOut { payout_id: Uuid, at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommissionEvent {
    Accrued(Accrual),
    Payable {
        creator_id: Uuid,
        order_id: Uuid,
        amount: i64,
        at: DateTime<Utc>,
    },
    /// Taken back while held.
    Reversed(Returned),
    /// Taken back once payable or paid out: owed, deducted from the next payout.
    ClawedBack(Returned),
    PaidOut(Payout),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommissionStatus {
    Held,
    Payable,
    PaidOut(Uuid),
}

/// One order's commission and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCommission {
    pub accrual: Accrual,
    pub status: CommissionStatus,
    /// Whole won taken back while held.
    pub reversed: i64,
    /// Whole won taken back once payable or paid out.
    pub clawed_back: i64,
    /// What each line (in the accrual's order) has given back so far.
    pub line_taken: Vec<i64>,
}

impl OrderCommission {
    /// What is left to pay of it: the accrued amount less what was reversed
    /// while held (a clawback is owed separately).
    pub fn due(&self) -> i64 {
        self.accrual.amount - self.reversed
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommissionsState {
    /// The creator, once something accrued.
    pub creator_id: Option<Uuid>,
    pub orders: BTreeMap<Uuid, OrderCommission>,
    /// The orders in accrual order.
    pub accrued_order: Vec<Uuid>,
    pub returns: BTreeSet<Uuid>,
    pub payouts: BTreeMap<Uuid, Payout>,
    /// Clawed back and not yet deducted from a payout.
    pub owed: i64,
    /// The net of every payout.
    pub paid_out: i64,
}

impl CommissionsState {
    /// The sum of `due()` over the orders in `status`.
    fn sum(&self, status: fn(&CommissionStatus) -> bool) -> i64 {
        self.orders
            .values()
            .filter(|o| status(&o.status))
            .map(OrderCommission::due)
            .sum()
    }

    pub fn held(&self) -> i64 {
        self.sum(|s| *s == CommissionStatus::Held)
    }

    pub fn payable(&self) -> i64 {
        self.sum(|s| *s == CommissionStatus::Payable)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommissionError {
    #[error("no commission for that order")]
    NotFound,
    #[error("a commission needs at least one order line")]
    LinesEmpty,
    #[error("a commission rate is 0 to 10,000 basis points")]
    RateInvalid,
    #[error("an amount is zero or more won")]
    AmountInvalid,
    #[error("the amount is too large")]
    AmountTooLarge,
    #[error("the order's return window has not ended yet")]
    NotDue,
    #[error("nothing is payable")]
    NothingToPayOut,
    #[error("the payout exists already")]
    PayoutExists,
}

impl CommissionError {
    pub fn code(&self) -> &'static str {
        match self {
            CommissionError::NotFound => "COMMISSION_NOT_FOUND",
            CommissionError::LinesEmpty => "LIST_EMPTY",
            CommissionError::RateInvalid => "COMMISSION_OUT_OF_RANGE",
            CommissionError::AmountInvalid => "AMOUNT_INVALID",
            CommissionError::AmountTooLarge => "AMOUNT_TOO_LARGE",
            CommissionError::NotDue => "COMMISSION_NOT_DUE",
            CommissionError::NothingToPayOut => "NOTHING_TO_PAY_OUT",
            CommissionError::PayoutExists => "PAYOUT_EXISTS",
        }
    }
}

/// `amount × bps / 10000`, rounded down.
fn share(amount: i64, bps: u32) -> Result<i64, CommissionError> {
    if amount < 0 {
        return Err(CommissionError::AmountInvalid);
    }
    if bps > FULL_BPS {
        return Err(CommissionError::RateInvalid);
    }
    amount
        .checked_mul(i64::from(bps))
        .map(|product| product / i64::from(FULL_BPS))
        .ok_or(CommissionError::AmountTooLarge)
}

fn accrue(order: &Attributed) -> Result<Vec<CommissionEvent>, CommissionError> {
    if order.lines.is_empty() {
        return Err(CommissionError::LinesEmpty);
    }
    let lines = order
        .lines
        .iter()
        .map(|sale| {
            Ok(Line {
                product_id: sale.product_id,
                sales: sale.sales,
                bps: sale.bps,
                commission: share(sale.sales, sale.bps)?,
            })
        })
        .collect::<Result<Vec<Line>, CommissionError>>()?;
    let amount = lines
        .iter()
        .try_fold(0i64, |sum, line| sum.checked_add(line.commission))
        .ok_or(CommissionError::AmountTooLarge)?;
    Ok(vec![CommissionEvent::Accrued(Accrual {
        creator_id: order.creator_id,
        order_id: order.order_id,
        merchant_id: order.merchant_id,
        collaboration_id: order.collaboration_id,
        live_id: order.live_id,
        lines,
        amount,
        payable_at: order.payable_at,
        at: order.at,
    })])
}

/// The share of each returned line (counted against the order's first line
/// of its product), capped so that no line gives back more than its
/// commission; returned products the order did not earn on are left out.
fn take_back(
    order: &OrderCommission,
    returned: &[ReturnedSale],
) -> Result<Vec<Line>, CommissionError> {
    let mut taken = order.line_taken.clone();
    let mut lines = Vec::new();
    for sale in returned {
        if sale.amount < 0 {
            return Err(CommissionError::AmountInvalid);
        }
        let Some(index) = order
            .accrual
            .lines
            .iter()
            .position(|line| line.product_id == sale.product_id)
        else {
            continue;
        };
        let line = &order.accrual.lines[index];
        let left = line.commission - taken[index];
        // Beyond what a share can count, the cap holds all the same.
        let commission = share(sale.amount, line.bps).map_or(left, |share| share.min(left));
        taken[index] += commission;
        lines.push(Line {
            product_id: sale.product_id,
            sales: sale.amount,
            bps: line.bps,
            commission,
        });
    }
    Ok(lines)
}

impl Decider for Commissions {
    type State = CommissionsState;
    type Command = CommissionCommand;
    type Event = CommissionEvent;
    type Error = CommissionError;

    fn decide(
        state: &CommissionsState,
        command: &CommissionCommand,
    ) -> Result<Vec<CommissionEvent>, CommissionError> {
        match command {
            CommissionCommand::Accrue(order) => {
                if state.orders.contains_key(&order.order_id) {
                    return Ok(Vec::new());
                }
                accrue(order)
            }
            CommissionCommand::MakePayable { order_id, at } => {
                let order = state
                    .orders
                    .get(order_id)
                    .ok_or(CommissionError::NotFound)?;
                if order.status != CommissionStatus::Held {
                    return Ok(Vec::new());
                }
                if *at < order.accrual.payable_at {
                    return Err(CommissionError::NotDue);
                }
                Ok(vec![CommissionEvent::Payable {
                    creator_id: order.accrual.creator_id,
                    order_id: *order_id,
                    amount: order.due(),
                    at: *at,
                }])
            }
            CommissionCommand::Return {
                order_id,
                return_id,
                lines,
                at,
            } => {
                let order = state
                    .orders
                    .get(order_id)
                    .ok_or(CommissionError::NotFound)?;
                if state.returns.contains(return_id) {
                    return Ok(Vec::new());
                }
                let lines = take_back(order, lines)?;
                let amount: i64 = lines.iter().map(|line| line.commission).sum();
                if amount == 0 {
                    return Ok(Vec::new());
                }
                let returned = Returned {
                    creator_id: order.accrual.creator_id,
                    order_id: *order_id,
                    return_id: *return_id,
                    lines,
                    amount,
                    at: *at,
                };
                Ok(vec![match order.status {
                    CommissionStatus::Held => CommissionEvent::Reversed(returned),
                    _ => CommissionEvent::ClawedBack(returned),
                }])
            }
            CommissionCommand::PayOut { payout_id, at } => {
                if state.payouts.contains_key(payout_id) {
                    return Err(CommissionError::PayoutExists);
                }
                let orders: Vec<Uuid> = state
                    .accrued_order
                    .iter()
                    .filter(|id| {
                        state
                            .orders
                            .get(*id)
                            .is_some_and(|o| o.status == CommissionStatus::Payable)
                    })
                    .copied()
                    .collect();
                let (Some(creator_id), false) = (state.creator_id, orders.is_empty()) else {
                    return Err(CommissionError::NothingToPayOut);
                };
                let payable = orders
                    .iter()
                    .filter_map(|id| state.orders.get(id))
                    .try_fold(0i64, |sum, order| sum.checked_add(order.due()))
                    .ok_or(CommissionError::AmountTooLarge)?;
                let clawed_back = state.owed.min(payable);
                Ok(vec![CommissionEvent::PaidOut(Payout {
                    creator_id,
                    payout_id: *payout_id,
                    orders,
                    payable,
                    clawed_back,
                    net: payable - clawed_back,
                    at: *at,
                })])
            }
        }
    }

    fn evolve(mut state: CommissionsState, event: &CommissionEvent) -> CommissionsState {
        match event {
            CommissionEvent::Accrued(accrual) => {
                state.creator_id = Some(accrual.creator_id);
                state.accrued_order.push(accrual.order_id);
                state.orders.insert(
                    accrual.order_id,
                    OrderCommission {
                        accrual: accrual.clone(),
                        status: CommissionStatus::Held,
                        reversed: 0,
                        clawed_back: 0,
                        line_taken: vec![0; accrual.lines.len()],
                    },
                );
            }
            CommissionEvent::Payable { order_id, .. } => {
                if let Some(order) = state.orders.get_mut(order_id) {
                    order.status = CommissionStatus::Payable;
                }
            }
            CommissionEvent::Reversed(returned) | CommissionEvent::ClawedBack(returned) => {
                state.returns.insert(returned.return_id);
                if let Some(order) = state.orders.get_mut(&returned.order_id) {
                    for line in &returned.lines {
                        let at = order
                            .accrual
                            .lines
                            .iter()
                            .position(|accrued| accrued.product_id == line.product_id);
                        if let Some(at) = at {
                            order.line_taken[at] += line.commission;
                        }
                    }
                    if matches!(event, CommissionEvent::Reversed(_)) {
                        order.reversed += returned.amount;
                    } else {
                        order.clawed_back += returned.amount;
                        state.owed += returned.amount;
                    }
                }
            }
            CommissionEvent::PaidOut(payout) => {
                state.payouts.insert(payout.payout_id, payout.clone());
                for id in &payout.orders {
                    if let Some(order) = state.orders.get_mut(id) {
                        order.status = CommissionStatus::PaidOut(payout.payout_id);
                    }
                }
                state.owed -= payout.clawed_back;
                state.paid_out += payout.net;
            }
        }
        state
    }
}
