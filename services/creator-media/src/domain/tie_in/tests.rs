use chrono::{DateTime, Utc};
use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn mama() -> TieInCreated {
    TieInCreated {
        tie_in_id: Uuid::from_u128(1),
        name: " MAMA 2026 ".into(),
        partner: "mama".into(),
        starts: at("2026-11-01T00:00:00Z"),
        ends: at("2026-12-31T00:00:00Z"),
        tags: vec!["K-Pop".into(), "kpop".into(), "k-pop".into()],
        categories: vec![],
        regions: vec!["Seoul-Mapo".into()],
        at: at("2026-10-01T00:00:00Z"),
    }
}

#[test]
fn given_nothing_when_created_then_the_filter_is_normalised() {
    TieIn::given_nothing()
        .when(TieInCommand::Create(mama()))
        .then([TieInEvent::Created(TieInCreated {
            name: "MAMA 2026".into(),
            tags: vec!["k-pop".into(), "kpop".into()],
            regions: vec!["seoul-mapo".into()],
            ..mama()
        })]);
}

#[test]
fn given_a_tie_in_the_same_creation_is_a_no_op_and_another_is_refused() {
    let given = TieIn::given_nothing().and([TieInCommand::Create(mama())]);
    given.when(TieInCommand::Create(mama())).then_nothing();
    given
        .when(TieInCommand::Create(TieInCreated {
            partner: "someone-else".into(),
            ..mama()
        }))
        .then_error(TieInError::AlreadyExists);
}

#[test]
fn bad_input_is_refused_with_its_code_and_field() {
    let cases = [
        (
            TieInCreated {
                name: " ".into(),
                ..mama()
            },
            "FIELD_REQUIRED",
            "name",
        ),
        (
            TieInCreated {
                partner: "".into(),
                ..mama()
            },
            "FIELD_REQUIRED",
            "partner",
        ),
        (
            TieInCreated {
                ends: mama().starts,
                ..mama()
            },
            "PERIOD_INVALID",
            "ends",
        ),
        (
            TieInCreated {
                categories: vec!["food".into(), "\u{7}".into()],
                ..mama()
            },
            "INVALID_TEXT",
            "categories[1]",
        ),
        (
            TieInCreated {
                regions: (0..21).map(|i| format!("r{i}")).collect(),
                ..mama()
            },
            "LIST_TOO_LONG",
            "regions",
        ),
    ];
    for (input, code, field) in cases {
        let error = TieIn::given_nothing()
            .when(TieInCommand::Create(input))
            .error();
        assert_eq!(
            (error.code(), error.field().as_deref()),
            (code, Some(field))
        );
    }
}
