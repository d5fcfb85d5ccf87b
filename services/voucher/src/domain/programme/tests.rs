//! Given events, when a command, then events or an error.

use golmok_kernel::Decider;
use uuid::Uuid;

use super::*;
use crate::domain::fixtures::{at, date, terms};
use crate::domain::{Bps, Won};

const NOW: &str = "2026-06-01T03:00:00Z";

fn created() -> Vec<ProgrammeEvent> {
    vec![ProgrammeEvent::Created {
        terms: terms(),
        at: at(NOW),
    }]
}

fn when(
    given: &[ProgrammeEvent],
    command: ProgrammeCommand,
) -> Result<Vec<ProgrammeEvent>, ProgrammeError> {
    Programme::decide(&Programme::fold(given), &command)
}

fn commit(n: u128, amount: i64) -> ProgrammeCommand {
    ProgrammeCommand::CommitSubsidy {
        purchase_id: Uuid::from_u128(n),
        amount: Won(amount),
        at: at(NOW),
    }
}

#[test]
fn a_programme_is_created_once_with_trimmed_terms() {
    let mut padded = terms();
    padded.name = "  중구 사랑상품권 ".into();
    let events = when(
        &[],
        ProgrammeCommand::Create {
            terms: padded,
            at: at(NOW),
        },
    )
    .unwrap();
    assert_eq!(events, created());
    assert_eq!(
        when(
            &created(),
            ProgrammeCommand::Create {
                terms: terms(),
                at: at(NOW)
            }
        ),
        Err(ProgrammeError::AlreadyExists)
    );
}

#[test]
fn terms_that_make_no_sense_are_refused_with_their_field() {
    type Change = Box<dyn Fn(&mut Terms)>;
    let cases: Vec<(Change, Option<&str>)> = vec![
        (Box::new(|t| t.name = " ".into()), Some("name")),
        (Box::new(|t| t.districts.clear()), Some("districts")),
        (Box::new(|t| t.categories.clear()), Some("categories")),
        (Box::new(|t| t.face_values.clear()), Some("faceValues")),
        (
            Box::new(|t| {
                t.face_values.insert(Won(0));
            }),
            Some("faceValues"),
        ),
        (Box::new(|t| t.discount = Bps(5_001)), Some("discountBps")),
        (
            Box::new(|t| t.fees.medium = Bps(1_001)),
            Some("feeTiers.medium"),
        ),
        (Box::new(|t| t.monthly_cap = Won(0)), Some("monthlyCap")),
        (Box::new(|t| t.budget = Won(-1)), Some("budget")),
        (
            Box::new(|t| t.valid_until = date(2025, 12, 31)),
            Some("validUntil"),
        ),
    ];
    for (change, field) in cases {
        let mut bad = terms();
        change(&mut bad);
        let error = when(
            &[],
            ProgrammeCommand::Create {
                terms: bad,
                at: at(NOW),
            },
        )
        .unwrap_err();
        assert_eq!(error.field(), field, "{error}");
    }
}

#[test]
fn subsidy_commitments_never_exceed_the_budget() {
    let mut given = created();
    given.extend(when(&given, commit(1, 600_000)).unwrap());
    assert_eq!(
        when(&given, commit(2, 400_001)),
        Err(ProgrammeError::BudgetExhausted {
            remaining: Won(400_000)
        })
    );
    given.extend(when(&given, commit(2, 400_000)).unwrap());
    assert_eq!(Programme::fold(&given).remaining(), Won(0));
    // A released commitment frees its budget again.
    let release = ProgrammeCommand::ReleaseSubsidy {
        purchase_id: Uuid::from_u128(1),
        at: at(NOW),
    };
    given.extend(when(&given, release).unwrap());
    assert_eq!(Programme::fold(&given).remaining(), Won(600_000));
}

#[test]
fn committing_or_releasing_twice_changes_nothing() {
    let mut given = created();
    given.extend(when(&given, commit(1, 1_000)).unwrap());
    assert_eq!(when(&given, commit(1, 1_000)), Ok(Vec::new()));
    let release = || ProgrammeCommand::ReleaseSubsidy {
        purchase_id: Uuid::from_u128(1),
        at: at(NOW),
    };
    given.extend(when(&given, release()).unwrap());
    assert_eq!(when(&given, release()), Ok(Vec::new()));
    assert_eq!(when(&[], commit(1, 1_000)), Err(ProgrammeError::NotFound));
}

#[test]
fn merchants_outside_region_or_category_or_suspended_are_not_admitted() {
    use crate::domain::fixtures::merchant;
    let terms = terms();
    assert_eq!(terms.admits(&merchant(1)), Ok(()));
    let mut far = merchant(1);
    far.district = "강남".into();
    assert_eq!(terms.admits(&far), Err(Ineligible::OutsideRegion));
    let mut bar = merchant(1);
    bar.category = "nightlife".into();
    assert_eq!(terms.admits(&bar), Err(Ineligible::CategoryNotEligible));
    let mut suspended = merchant(1);
    suspended.voucher_suspended = true;
    assert_eq!(terms.admits(&suspended), Err(Ineligible::Suspended));
}
