use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::{
    Decline, Purchase, PurchaseRequest, Redemption, RedemptionRequest, RedemptionStatus,
    WalletCommand, WalletError, WalletEvent, WalletInfo, WalletState,
};
use crate::domain::{Won, YearMonth, seoul_date};

/// The wallet aggregate.
pub struct Wallet;

type Decision = Result<Vec<WalletEvent>, WalletError>;

fn opened(state: &WalletState) -> Result<&WalletInfo, WalletError> {
    state.wallet.as_ref().ok_or(WalletError::NotFound)
}

fn redemption(state: &WalletState, id: Uuid) -> Result<&Redemption, WalletError> {
    opened(state)?;
    state
        .redemptions
        .get(&id)
        .ok_or(WalletError::RedemptionNotFound)
}

/// The open hold `id`.
fn held(state: &WalletState, id: Uuid) -> Result<&Redemption, WalletError> {
    let redemption = redemption(state, id)?;
    match redemption.status {
        RedemptionStatus::Held { .. } => Ok(redemption),
        _ => Err(WalletError::NotHeld),
    }
}

/// Releases of holds whose time is up at `at`.
fn timed_out(state: &WalletState, at: DateTime<Utc>) -> Vec<WalletEvent> {
    state
        .open_holds()
        .filter(|(_, r)| !r.holds_at(at))
        .map(|(id, r)| WalletEvent::HoldTimedOut {
            redemption_id: *id,
            merchant_id: r.merchant_id,
            amount: r.amount,
            at,
        })
        .collect()
}

fn purchase(state: &WalletState, request: &PurchaseRequest) -> Decision {
    let terms = &request.terms;
    if !terms.face_values.contains(&request.face) {
        return Err(WalletError::FaceValueNotOffered);
    }
    let today = seoul_date(request.at);
    if !terms.valid_on(today) {
        return Err(WalletError::ProgrammeNotValid);
    }
    if state.purchases.contains_key(&request.purchase_id) {
        return Err(WalletError::PurchaseExists);
    }
    let month = YearMonth::of(today);
    let bought = state.purchased_in.get(&month).copied().unwrap_or_default();
    let remaining = Won(terms.monthly_cap.0.saturating_sub(bought.0).max(0));
    if request.face > remaining {
        return Err(WalletError::MonthlyCapExceeded { remaining });
    }
    let too_large = WalletError::AmountTooLarge { field: "faceValue" };
    bought.plus(request.face).ok_or(too_large.clone())?;
    state.balance.plus(request.face).ok_or(too_large.clone())?;
    let discount = terms.discount_on(request.face).ok_or(too_large.clone())?;
    let paid = request.face.minus(discount).ok_or(too_large)?;
    let mut events = Vec::new();
    if state.wallet.is_none() {
        events.push(WalletEvent::Opened {
            wallet_id: request.wallet_id,
            programme_id: terms.programme_id,
            owner: request.owner.clone(),
            at: request.at,
        });
    }
    events.push(WalletEvent::Purchased {
        purchase_id: request.purchase_id,
        face: request.face,
        discount,
        paid,
        at: request.at,
    });
    Ok(events)
}

/// A hold or payment: declined (and recorded) when the merchant may not take
/// the vouchers, the programme is not valid today, or the balance is short.
fn redeem(
    state: &WalletState,
    request: &RedemptionRequest,
    accepted: impl FnOnce() -> WalletEvent,
) -> Decision {
    opened(state)?;
    if !request.amount.is_positive() {
        return Err(WalletError::AmountNotPositive);
    }
    if state.redemptions.contains_key(&request.redemption_id) {
        return Err(WalletError::RedemptionExists);
    }
    let mut events = timed_out(state, request.at);
    let available = state.available_at(request.at);
    let decline = if let Err(reason) = request.terms.admits(&request.merchant) {
        Some(Decline::MerchantIneligible(reason))
    } else if !request.terms.valid_on(seoul_date(request.at)) {
        Some(Decline::OutsideValidity)
    } else if request.amount > available {
        Some(Decline::InsufficientBalance { available })
    } else {
        None
    };
    events.push(match decline {
        Some(reason) => WalletEvent::RedemptionDeclined {
            redemption_id: request.redemption_id,
            merchant_id: request.merchant.merchant_id,
            amount: request.amount,
            reason,
            at: request.at,
        },
        None => accepted(),
    });
    Ok(events)
}

impl Decider for Wallet {
    type State = WalletState;
    type Command = WalletCommand;
    type Event = WalletEvent;
    type Error = WalletError;

    fn decide(state: &WalletState, command: &WalletCommand) -> Decision {
        match command {
            WalletCommand::Purchase(request) => purchase(state, request),
            WalletCommand::RefundPurchase {
                purchase_id,
                terms,
                at,
            } => {
                opened(state)?;
                let bought = state
                    .purchases
                    .get(purchase_id)
                    .ok_or(WalletError::PurchaseNotFound)?;
                if bought.refunded {
                    return Err(WalletError::PurchaseAlreadyRefunded);
                }
                if seoul_date(*at) > terms.valid_until {
                    return Err(WalletError::ProgrammeNotValid);
                }
                let available = state.available_at(*at);
                if available < bought.face {
                    return Err(WalletError::PurchaseUsed { available });
                }
                let mut events = timed_out(state, *at);
                events.push(WalletEvent::PurchaseRefunded {
                    purchase_id: *purchase_id,
                    face: bought.face,
                    discount: bought.discount,
                    paid: bought.paid,
                    at: *at,
                });
                Ok(events)
            }
            WalletCommand::Hold {
                request,
                expires_at,
            } => redeem(state, request, || WalletEvent::HoldPlaced {
                redemption_id: request.redemption_id,
                merchant_id: request.merchant.merchant_id,
                amount: request.amount,
                expires_at: *expires_at,
                at: request.at,
            }),
            WalletCommand::Pay(request) => redeem(state, request, || WalletEvent::Paid {
                redemption_id: request.redemption_id,
                merchant_id: request.merchant.merchant_id,
                amount: request.amount,
                at: request.at,
            }),
            WalletCommand::Capture { redemption_id, at } => {
                let held = held(state, *redemption_id)?;
                if !held.holds_at(*at) {
                    return Err(WalletError::HoldExpired);
                }
                Ok(vec![WalletEvent::HoldCaptured {
                    redemption_id: *redemption_id,
                    merchant_id: held.merchant_id,
                    amount: held.amount,
                    at: *at,
                }])
            }
            WalletCommand::Void { redemption_id, at } => {
                let held = held(state, *redemption_id)?;
                Ok(vec![WalletEvent::HoldVoided {
                    redemption_id: *redemption_id,
                    merchant_id: held.merchant_id,
                    amount: held.amount,
                    at: *at,
                }])
            }
            WalletCommand::RefundRedemption {
                redemption_id,
                amount,
                at,
            } => {
                let captured = redemption(state, *redemption_id)?;
                let RedemptionStatus::Captured { at: captured_at } = captured.status else {
                    return Err(WalletError::NotCaptured);
                };
                if !amount.is_positive() {
                    return Err(WalletError::AmountNotPositive);
                }
                let refundable = captured
                    .amount
                    .minus(captured.refunded)
                    .ok_or(WalletError::AmountTooLarge { field: "amount" })?;
                if *amount > refundable {
                    return Err(WalletError::RefundTooLarge { refundable });
                }
                if seoul_date(*at) != seoul_date(captured_at) {
                    return Err(WalletError::RefundWindowClosed);
                }
                state
                    .balance
                    .plus(*amount)
                    .ok_or(WalletError::AmountTooLarge { field: "amount" })?;
                Ok(vec![WalletEvent::RedemptionRefunded {
                    redemption_id: *redemption_id,
                    merchant_id: captured.merchant_id,
                    amount: *amount,
                    at: *at,
                }])
            }
            WalletCommand::Recalled {
                redemption_id,
                redemption,
                command,
            } => {
                if state.redemptions.contains_key(redemption_id) {
                    return Self::decide(state, command);
                }
                let mut recalled = state.clone();
                recalled.file(*redemption_id, redemption.clone());
                Self::decide(&recalled, command)
            }
            WalletCommand::ReleaseTimedOutHolds { at } => {
                opened(state)?;
                Ok(timed_out(state, *at))
            }
            WalletCommand::Expire { terms, at } => {
                opened(state)?;
                if seoul_date(*at) <= terms.valid_until {
                    return Err(WalletError::NotYetExpired(terms.valid_until));
                }
                let mut events: Vec<WalletEvent> = state
                    .open_holds()
                    .map(|(id, r)| WalletEvent::HoldTimedOut {
                        redemption_id: *id,
                        merchant_id: r.merchant_id,
                        amount: r.amount,
                        at: *at,
                    })
                    .collect();
                if state.balance.is_positive() {
                    events.push(WalletEvent::BalanceExpired {
                        amount: state.balance,
                        at: *at,
                    });
                }
                Ok(events)
            }
        }
    }

    fn evolve(mut state: WalletState, event: &WalletEvent) -> WalletState {
        state.move_to(seoul_date(event.at()));
        // The decider checked every sum; saturate rather than wrap if a
        // recorded event says otherwise.
        let add = |won: &mut Won, amount: Won| won.0 = won.0.saturating_add(amount.0);
        let sub = |won: &mut Won, amount: Won| won.0 = won.0.saturating_sub(amount.0);
        match event {
            WalletEvent::Opened {
                wallet_id,
                programme_id,
                owner,
                ..
            } => {
                state.wallet = Some(WalletInfo {
                    wallet_id: *wallet_id,
                    programme_id: *programme_id,
                    owner: owner.clone(),
                });
            }
            WalletEvent::Purchased {
                purchase_id,
                face,
                discount,
                paid,
                at,
            } => {
                add(&mut state.balance, *face);
                let month = YearMonth::of(seoul_date(*at));
                add(state.purchased_in.entry(month).or_default(), *face);
                state.purchases.insert(
                    *purchase_id,
                    Purchase {
                        face: *face,
                        discount: *discount,
                        paid: *paid,
                        at: *at,
                        refunded: false,
                    },
                );
            }
            WalletEvent::PurchaseRefunded {
                purchase_id, face, ..
            } => {
                sub(&mut state.balance, *face);
                if let Some(bought) = state.purchases.get_mut(purchase_id) {
                    bought.refunded = true;
                }
            }
            WalletEvent::HoldPlaced {
                redemption_id,
                merchant_id,
                amount,
                expires_at,
                at,
            } => {
                state.file(
                    *redemption_id,
                    Redemption {
                        merchant_id: *merchant_id,
                        amount: *amount,
                        status: RedemptionStatus::Held {
                            expires_at: *expires_at,
                        },
                        refunded: Won::ZERO,
                        at: *at,
                    },
                );
            }
            WalletEvent::HoldCaptured {
                redemption_id,
                amount,
                at,
                ..
            } => {
                sub(&mut state.balance, *amount);
                state.settle(*redemption_id, RedemptionStatus::Captured { at: *at });
            }
            WalletEvent::HoldVoided { redemption_id, .. } => {
                state.settle(*redemption_id, RedemptionStatus::Voided);
            }
            WalletEvent::HoldTimedOut { redemption_id, .. } => {
                state.settle(*redemption_id, RedemptionStatus::TimedOut);
            }
            WalletEvent::Paid {
                redemption_id,
                merchant_id,
                amount,
                at,
            } => {
                sub(&mut state.balance, *amount);
                state.file(
                    *redemption_id,
                    Redemption {
                        merchant_id: *merchant_id,
                        amount: *amount,
                        status: RedemptionStatus::Captured { at: *at },
                        refunded: Won::ZERO,
                        at: *at,
                    },
                );
            }
            WalletEvent::RedemptionDeclined {
                redemption_id,
                merchant_id,
                amount,
                reason,
                at,
            } => {
                state.file(
                    *redemption_id,
                    Redemption {
                        merchant_id: *merchant_id,
                        amount: *amount,
                        status: RedemptionStatus::Declined(*reason),
                        refunded: Won::ZERO,
                        at: *at,
                    },
                );
            }
            WalletEvent::RedemptionRefunded {
                redemption_id,
                amount,
                ..
            } => {
                add(&mut state.balance, *amount);
                if let Some(r) = state.redemptions.get_mut(redemption_id) {
                    add(&mut r.refunded, *amount);
                }
            }
            WalletEvent::BalanceExpired { amount, .. } => {
                sub(&mut state.balance, *amount);
                add(&mut state.expired, *amount);
            }
        }
        state
    }
}
