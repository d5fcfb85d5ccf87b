//! Given events, when a command, then events or an error.

use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
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
    let events = Programme::given_nothing()
        .when(ProgrammeCommand::Create {
            terms: padded,
            at: at(NOW),
        })
        .events();
    assert_eq!(events, created());
    Programme::given(created())
        .when(ProgrammeCommand::Create {
            terms: terms(),
            at: at(NOW),
        })
        .then_error(ProgrammeError::AlreadyExists);
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
        let error = Programme::given_nothing()
            .when(ProgrammeCommand::Create {
                terms: bad,
                at: at(NOW),
            })
            .error();
        assert_eq!(error.field(), field, "{error}");
    }
}

#[test]
fn subsidy_commitments_never_exceed_the_budget() {
    let mut given = created();
    given.extend(Programme::given(&given).when(commit(1, 600_000)).events());
    Programme::given(&given)
        .when(commit(2, 400_001))
        .then_error(ProgrammeError::BudgetExhausted {
            remaining: Won(400_000),
        });
    given.extend(Programme::given(&given).when(commit(2, 400_000)).events());
    assert_eq!(Programme::fold(&given).remaining(), Won(0));
    // A released commitment frees its budget again.
    let release = ProgrammeCommand::ReleaseSubsidy {
        purchase_id: Uuid::from_u128(1),
        at: at(NOW),
    };
    given.extend(Programme::given(&given).when(release).events());
    assert_eq!(Programme::fold(&given).remaining(), Won(600_000));
}

#[test]
fn committing_or_releasing_twice_changes_nothing() {
    let mut given = created();
    given.extend(Programme::given(&given).when(commit(1, 1_000)).events());
    Programme::given(&given)
        .when(commit(1, 1_000))
        .then_nothing();
    let release = || ProgrammeCommand::ReleaseSubsidy {
        purchase_id: Uuid::from_u128(1),
        at: at(NOW),
    };
    given.extend(Programme::given(&given).when(release()).events());
    Programme::given(&given).when(release()).then_nothing();
    Programme::given_nothing()
        .when(commit(1, 1_000))
        .then_error(ProgrammeError::NotFound);
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

#[test]
fn amounts_above_the_bound_are_refused_naming_the_field() {
    let mut at_bound = terms();
    at_bound.face_values = [MAX_AMOUNT].into();
    at_bound.monthly_cap = MAX_AMOUNT;
    at_bound.budget = MAX_AMOUNT;
    assert!(
        Programme::given_nothing()
            .when(ProgrammeCommand::Create {
                terms: at_bound,
                at: at(NOW)
            })
            .result()
            .is_ok()
    );
    let over = Won(MAX_AMOUNT.0 + 1);
    for (field, change) in [
        (
            "faceValues",
            (|t: &mut Terms, v: Won| {
                t.face_values.insert(v);
            }) as fn(&mut Terms, Won),
        ),
        ("monthlyCap", |t, v| t.monthly_cap = v),
        ("budget", |t, v| t.budget = v),
    ] {
        for value in [over, Won(i64::MAX)] {
            let mut bad = terms();
            change(&mut bad, value);
            let error = Programme::given_nothing()
                .when(ProgrammeCommand::Create {
                    terms: bad,
                    at: at(NOW),
                })
                .error();
            assert_eq!(
                (error.code(), error.field()),
                ("AMOUNT_TOO_LARGE", Some(field))
            );
        }
    }
}

#[test]
fn names_with_control_characters_are_refused() {
    for (name, field) in [
        ("중구\0상품권", "name"),
        ("중구\u{1b}[2J", "name"),
        ("중\u{85}구", "name"),
    ] {
        let mut bad = terms();
        bad.name = name.into();
        let error = Programme::given_nothing()
            .when(ProgrammeCommand::Create {
                terms: bad,
                at: at(NOW),
            })
            .error();
        assert_eq!(
            (error.code(), error.field()),
            ("INVALID_TEXT", Some(field)),
            "{name:?}"
        );
    }
    let mut bad = terms();
    bad.districts.insert("을지로\u{7}".into());
    let error = Programme::given_nothing()
        .when(ProgrammeCommand::Create {
            terms: bad,
            at: at(NOW),
        })
        .error();
    assert_eq!(
        (error.code(), error.field()),
        ("INVALID_TEXT", Some("districts"))
    );
}

mod extremes {
    use proptest::prelude::*;

    use super::*;

    fn extreme() -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(0),
            Just(1),
            Just(-1),
            Just(i64::from(i32::MAX)),
            Just(i64::MAX),
            Just(i64::MIN),
            Just(999_999),
            Just(1_000_000),
            -10i64..10,
            any::<i64>(),
        ]
    }

    #[derive(Debug, Clone)]
    enum Step {
        Commit(u128, i64),
        Release(u128),
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Extreme subsidies never panic the programme; a rejection changes
        /// nothing; the committed total stays within 0..=budget and equals
        /// the exact sum of the open commitments.
        #[test]
        fn extreme_subsidies_never_pass_the_budget(
            budget in prop_oneof![Just(1i64), Just(1_000_000), Just(i64::MAX)],
            steps in prop::collection::vec(prop_oneof![
                (0u128..6, extreme()).prop_map(|(n, a)| Step::Commit(n, a)),
                (0u128..6).prop_map(Step::Release),
            ], 1..30),
        ) {
            let mut t = terms();
            t.budget = Won(budget);
            let mut events = vec![ProgrammeEvent::Created { terms: t, at: at(NOW) }];
            for step in steps {
                let command = match step {
                    Step::Commit(n, amount) => commit(n, amount),
                    Step::Release(n) => ProgrammeCommand::ReleaseSubsidy {
                        purchase_id: Uuid::from_u128(n),
                        at: at(NOW),
                    },
                };
                let before = Programme::fold(&events);
                match Programme::decide(&before, &command) {
                    Err(error) => {
                        prop_assert!(!error.code().is_empty());
                        prop_assert_eq!(Programme::fold(&events), before);
                    }
                    Ok(new) => events.extend(new),
                }
                let state = Programme::fold(&events);
                let exact: i128 = state.commitments.values().map(|a| i128::from(a.0)).sum();
                prop_assert_eq!(i128::from(state.committed.0), exact);
                prop_assert!(state.committed.0 >= 0 && state.committed.0 <= budget);
                prop_assert!(state.commitments.values().all(|a| a.is_positive()));
                prop_assert_eq!(state.remaining(), Won(budget - state.committed.0));
            }
        }
    }
}
