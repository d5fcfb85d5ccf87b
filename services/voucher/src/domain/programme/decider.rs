use golmok_kernel::Decider;

use super::{ProgrammeCommand, ProgrammeError, ProgrammeEvent, ProgrammeState, Terms};
use crate::domain::{Bps, Won};

/// The longest name, issuer or region.
pub const MAX_TEXT: usize = 200;
/// The largest face value, monthly cap or budget a programme may set:
/// 10조 won, far above any real voucher, and small enough that the ledger's
/// sums over a programme's purchases stay well inside `i64`.
pub const MAX_AMOUNT: Won = Won(10_000_000_000_000);

fn amount(value: Won, field: &'static str) -> Result<(), ProgrammeError> {
    if value > MAX_AMOUNT {
        return Err(ProgrammeError::AmountTooLarge {
            field,
            max: MAX_AMOUNT,
        });
    }
    Ok(())
}

/// The programme aggregate.
pub struct Programme;

fn text(value: &str, field: &'static str) -> Result<String, ProgrammeError> {
    let trimmed = value.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > MAX_TEXT
        || trimmed.chars().any(char::is_control)
    {
        return Err(ProgrammeError::Text {
            field,
            max: MAX_TEXT,
        });
    }
    Ok(trimmed.to_owned())
}

fn rate(value: Bps, field: &'static str, max: u32) -> Result<(), ProgrammeError> {
    if value.0 > max {
        return Err(ProgrammeError::RateOutOfRange { field, max });
    }
    Ok(())
}

/// The terms, trimmed, or why they are not acceptable.
fn checked(terms: &Terms) -> Result<Terms, ProgrammeError> {
    let mut terms = terms.clone();
    terms.issuer = text(&terms.issuer, "issuer")?;
    terms.name = text(&terms.name, "name")?;
    terms.region = text(&terms.region, "region")?;
    for (set, field) in [
        (&mut terms.districts, "districts"),
        (&mut terms.categories, "categories"),
    ] {
        let trimmed = set
            .iter()
            .map(|entry| text(entry, field))
            .collect::<Result<_, _>>()?;
        *set = trimmed;
        if set.is_empty() {
            return Err(ProgrammeError::Empty { field });
        }
    }
    if terms.face_values.is_empty() {
        return Err(ProgrammeError::Empty {
            field: "faceValues",
        });
    }
    if terms.face_values.iter().any(|face| !face.is_positive()) {
        return Err(ProgrammeError::FaceValueNotPositive);
    }
    for face in &terms.face_values {
        amount(*face, "faceValues")?;
    }
    // A discount of 100 % would make the voucher free; keep it below half.
    rate(terms.discount, "discountBps", 5_000)?;
    for (fee, field) in [
        (terms.fees.micro, "feeTiers.micro"),
        (terms.fees.small, "feeTiers.small"),
        (terms.fees.medium, "feeTiers.medium"),
    ] {
        rate(fee, field, 1_000)?;
    }
    if !terms.monthly_cap.is_positive() {
        return Err(ProgrammeError::CapNotPositive);
    }
    amount(terms.monthly_cap, "monthlyCap")?;
    if !terms.budget.is_positive() {
        return Err(ProgrammeError::BudgetNotPositive);
    }
    amount(terms.budget, "budget")?;
    if terms.valid_until < terms.valid_from {
        return Err(ProgrammeError::ValidityReversed);
    }
    Ok(terms)
}

impl Decider for Programme {
    type State = ProgrammeState;
    type Command = ProgrammeCommand;
    type Event = ProgrammeEvent;
    type Error = ProgrammeError;

    fn decide(
        state: &ProgrammeState,
        command: &ProgrammeCommand,
    ) -> Result<Vec<ProgrammeEvent>, ProgrammeError> {
        let created = || state.terms.as_ref().ok_or(ProgrammeError::NotFound);
        match command {
            ProgrammeCommand::Create { terms, at } => {
                let terms = checked(terms)?;
                if state.terms.is_some() {
                    return Err(ProgrammeError::AlreadyExists);
                }
                Ok(vec![ProgrammeEvent::Created { terms, at: *at }])
            }
            ProgrammeCommand::CommitSubsidy {
                purchase_id,
                amount,
                at,
            } => {
                created()?;
                if state.commitments.contains_key(purchase_id) || *amount == Won::ZERO {
                    return Ok(Vec::new());
                }
                let remaining = state.remaining();
                if amount.0 > remaining.0 || amount.0 < 0 {
                    return Err(ProgrammeError::BudgetExhausted { remaining });
                }
                Ok(vec![ProgrammeEvent::SubsidyCommitted {
                    purchase_id: *purchase_id,
                    amount: *amount,
                    at: *at,
                }])
            }
            ProgrammeCommand::ReleaseSubsidy { purchase_id, at } => {
                created()?;
                Ok(match state.commitments.get(purchase_id) {
                    Some(amount) => vec![ProgrammeEvent::SubsidyReleased {
                        purchase_id: *purchase_id,
                        amount: *amount,
                        at: *at,
                    }],
                    None => Vec::new(),
                })
            }
        }
    }

    fn evolve(mut state: ProgrammeState, event: &ProgrammeEvent) -> ProgrammeState {
        match event {
            ProgrammeEvent::Created { terms, .. } => state.terms = Some(terms.clone()),
            ProgrammeEvent::SubsidyCommitted {
                purchase_id,
                amount,
                ..
            } => {
                state.commitments.insert(*purchase_id, *amount);
                // The decider keeps `committed` within the budget.
                state.committed = Won(state.committed.0.saturating_add(amount.0));
            }
            ProgrammeEvent::SubsidyReleased {
                purchase_id,
                amount,
                ..
            } => {
                state.commitments.remove(purchase_id);
                state.committed = Won(state.committed.0.saturating_sub(amount.0));
            }
        }
        state
    }
}
