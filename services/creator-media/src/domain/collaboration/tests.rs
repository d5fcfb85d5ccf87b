use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn now() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn later(days: i64) -> DateTime<Utc> {
    now() + TimeDelta::days(days)
}

fn delegated(scopes: &[Scope], floor: i64) -> Terms {
    Terms {
        products: Vec::new(),
        commission_bps: 1_000,
        product_commissions: BTreeMap::new(),
        starts: now(),
        ends: later(30),
        mode: Mode::DelegatedSelling,
        delegation: Some(Delegation {
            scopes: scopes.iter().copied().collect(),
            price_floor: floor,
            revenue_share_bps: 2_000,
        }),
    }
}

fn proposal(terms: Terms) -> Proposal {
    Proposal {
        collaboration_id: Uuid::nil(),
        merchant_id: Uuid::from_u128(1),
        creator_id: Uuid::from_u128(2),
        creator_owner: Some("creator-kim".into()),
        proposed_by: Party::Merchant,
        terms,
        respond_by: later(7),
        at: now(),
    }
}

fn proposed(terms: Terms) -> Vec<CollaborationEvent> {
    vec![CollaborationEvent::Proposed {
        proposal: proposal(terms),
    }]
}

fn active(terms: Terms) -> Vec<CollaborationEvent> {
    let mut events = proposed(terms);
    events.push(CollaborationEvent::Accepted {
        by: Party::Creator,
        at: later(1),
    });
    events
}

fn price_change(product: u128, price: i64) -> Action {
    Action {
        kind: ActionKind::ChangePrice,
        product_id: Some(Uuid::from_u128(product)),
        price: Some(price),
        summary: format!("price {price}"),
    }
}

fn request(entry: u128, action: Action) -> CollaborationCommand {
    CollaborationCommand::RequestAction {
        entry_id: Uuid::from_u128(entry),
        action,
        actor: "creator-kim".into(),
        at: later(2),
    }
}

#[test]
fn a_proposal_is_answered_by_the_other_party_only() {
    let terms = delegated(&[Scope::EditListings], 5_000);
    Collaboration::given_nothing()
        .when(CollaborationCommand::Propose(proposal(terms.clone())))
        .then(proposed(terms.clone()));
    Collaboration::given(proposed(terms.clone()))
        .when(CollaborationCommand::Accept {
            by: Party::Merchant,
            at: later(1),
        })
        .then_error(CollaborationError::NotTheCounterparty);
    Collaboration::given(proposed(terms.clone()))
        .when(CollaborationCommand::Decline {
            by: Party::Creator,
            at: later(1),
        })
        .then([CollaborationEvent::Declined {
            by: Party::Creator,
            at: later(1),
        }]);
    Collaboration::given(active(terms.clone()))
        .when(CollaborationCommand::Decline {
            by: Party::Creator,
            at: later(1),
        })
        .then_error(CollaborationError::NotProposed);
    // Too late to answer: it is due to expire instead.
    Collaboration::given(proposed(terms))
        .when(CollaborationCommand::Accept {
            by: Party::Creator,
            at: later(7),
        })
        .then_error(CollaborationError::NotProposed);
}

#[test]
fn terms_are_checked_with_a_code_each() {
    let base = delegated(&[Scope::ChangePrices], 5_000);
    let product = Uuid::from_u128(7);
    let cases: Vec<(Terms, &str)> = vec![
        (
            Terms {
                commission_bps: 10_001,
                ..base.clone()
            },
            "COMMISSION_OUT_OF_RANGE",
        ),
        (
            Terms {
                product_commissions: BTreeMap::from([(product, 20_000)]),
                ..base.clone()
            },
            "COMMISSION_OUT_OF_RANGE",
        ),
        (
            Terms {
                products: vec![Uuid::from_u128(8)],
                product_commissions: BTreeMap::from([(product, 500)]),
                ..base.clone()
            },
            "PRODUCT_NOT_LISTED",
        ),
        (
            Terms {
                ends: now(),
                ..base.clone()
            },
            "VALIDITY_INVALID",
        ),
        (
            Terms {
                products: vec![product, product],
                ..base.clone()
            },
            "DUPLICATE_ENTRY",
        ),
        (
            Terms {
                products: (0..101).map(Uuid::from_u128).collect(),
                ..base.clone()
            },
            "LIST_TOO_LONG",
        ),
        (
            Terms {
                mode: Mode::Promotion,
                ..base.clone()
            },
            "DELEGATION_UNEXPECTED",
        ),
        (
            Terms {
                delegation: None,
                ..base.clone()
            },
            "DELEGATION_REQUIRED",
        ),
        (delegated(&[], 5_000), "DELEGATION_REQUIRED"),
        (delegated(&[Scope::EditListings], -1), "PRICE_FLOOR_INVALID"),
        (
            Terms {
                delegation: Some(Delegation {
                    revenue_share_bps: 10_001,
                    ..base.delegation.clone().unwrap()
                }),
                ..base.clone()
            },
            "REVENUE_SHARE_OUT_OF_RANGE",
        ),
    ];
    for (terms, code) in cases {
        let error = Collaboration::given_nothing()
            .when(CollaborationCommand::Propose(proposal(terms)))
            .error();
        assert_eq!(error.code(), code, "{error}");
    }
    let late = Proposal {
        respond_by: later(31),
        ..proposal(base)
    };
    Collaboration::given_nothing()
        .when(CollaborationCommand::Propose(late))
        .then_error(CollaborationError::RespondByInvalid);
    assert_eq!(Scope::parse("PAYOUTS").unwrap_err().code(), "SCOPE_UNKNOWN");
}

#[test]
fn expiry_comes_when_due_and_only_once() {
    let terms = delegated(&[Scope::EditListings], 0);
    Collaboration::given(proposed(terms.clone()))
        .when(CollaborationCommand::Expire { at: later(6) })
        .then_error(CollaborationError::NotDue);
    let expired = CollaborationEvent::Expired { at: later(7) };
    Collaboration::given(proposed(terms.clone()))
        .when(CollaborationCommand::Expire { at: later(7) })
        .then([expired.clone()]);
    let mut events = proposed(terms.clone());
    events.push(expired);
    Collaboration::given(&events)
        .when(CollaborationCommand::Expire { at: later(8) })
        .then([]);
    Collaboration::given(active(terms.clone()))
        .when(CollaborationCommand::Expire { at: later(29) })
        .then_error(CollaborationError::NotDue);
    Collaboration::given(active(terms))
        .when(CollaborationCommand::Expire { at: later(30) })
        .then([CollaborationEvent::Expired { at: later(30) }]);
}

#[test]
fn a_delegated_action_is_recorded_within_scope_and_floor_then_its_outcome() {
    let terms = delegated(&[Scope::EditListings, Scope::ChangePrices], 5_000);
    let given = active(terms.clone());
    Collaboration::given(&given)
        .when(request(1, price_change(9, 6_000)))
        .then([CollaborationEvent::ActionRequested {
            entry_id: Uuid::from_u128(1),
            action: price_change(9, 6_000),
            actor: "creator-kim".into(),
            at: later(2),
        }]);
    Collaboration::given(&given)
        .when(request(1, price_change(9, 4_000)))
        .then_error(CollaborationError::PriceBelowFloor { floor: 5_000 });
    let stock = Action {
        kind: ActionKind::AdjustStock,
        product_id: Some(Uuid::from_u128(9)),
        price: None,
        summary: "stock -1".into(),
    };
    Collaboration::given(&given)
        .when(request(2, stock))
        .then_error(CollaborationError::ScopeMissing);
    let mut recorded = given.clone();
    recorded.extend(
        Collaboration::given(&given)
            .when(request(1, price_change(9, 6_000)))
            .events(),
    );
    let done = CollaborationCommand::CompleteAction {
        entry_id: Uuid::from_u128(1),
        error_code: None,
        at: later(2),
    };
    let completed = Collaboration::given(&recorded).when(done.clone()).events();
    assert_eq!(completed.len(), 1);
    recorded.extend(completed);
    Collaboration::given(&recorded).when(done).then([]);
    Collaboration::given(&recorded)
        .when(CollaborationCommand::CompleteAction {
            entry_id: Uuid::from_u128(1),
            error_code: Some("X".into()),
            at: later(2),
        })
        .then_error(CollaborationError::EntryCompleted);
    Collaboration::given(&recorded)
        .when(CollaborationCommand::CompleteAction {
            entry_id: Uuid::from_u128(5),
            error_code: None,
            at: later(2),
        })
        .then_error(CollaborationError::EntryNotFound);
    // The summary is one line of at most 200 characters.
    for (summary, code) in [
        (" ".to_owned(), "FIELD_REQUIRED"),
        ("a\nb".to_owned(), "INVALID_TEXT"),
        ("가".repeat(201), "FIELD_TOO_LONG"),
    ] {
        let action = Action {
            summary,
            ..price_change(9, 6_000)
        };
        let error = Collaboration::given(given.clone())
            .when(request(4, action))
            .error();
        assert_eq!((error.code(), error.field()), (code, Some("summary")));
    }
    // Ended: nothing more is done for the merchant.
    recorded.push(CollaborationEvent::Ended {
        by: Party::Merchant,
        at: later(3),
    });
    Collaboration::given(&recorded)
        .when(request(3, price_change(9, 7_000)))
        .then_error(CollaborationError::NotActive);
}

#[test]
fn listed_products_bound_what_the_creator_touches_and_creating_needs_all() {
    let listed = Uuid::from_u128(9);
    let terms = Terms {
        products: vec![listed],
        ..delegated(&[Scope::EditListings, Scope::ChangePrices], 0)
    };
    assert_eq!(terms.permits(&price_change(9, 10)), Ok(()));
    assert_eq!(
        terms.permits(&price_change(10, 10)),
        Err(CollaborationError::ProductNotCovered)
    );
    let create = Action {
        kind: ActionKind::CreateProduct,
        product_id: None,
        price: Some(10),
        summary: "new".into(),
    };
    assert_eq!(
        terms.permits(&create),
        Err(CollaborationError::ProductNotCovered)
    );
    let all = Terms {
        products: Vec::new(),
        ..terms
    };
    assert_eq!(all.permits(&create), Ok(()));
}

fn scopes() -> impl Strategy<Value = BTreeSet<Scope>> {
    proptest::collection::btree_set(
        prop_oneof![
            Just(Scope::EditListings),
            Just(Scope::ChangePrices),
            Just(Scope::AdjustStock),
            Just(Scope::PublishListings),
            Just(Scope::RunLives),
        ],
        0..5,
    )
}

/// 0 proposed, 1 active (most often), 2 declined, 3 ended, 4 expired.
fn statuses() -> impl Strategy<Value = usize> {
    prop_oneof![3 => Just(1usize), 2 => 0usize..5]
}

proptest! {
    // Many cases: an action is allowed only when every condition holds at once.
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// No action is recorded (so none is taken) outside an active delegated
    /// collaboration's scopes, products, floor and period.
    #[test]
    fn no_action_is_allowed_outside_an_active_delegations_terms(
        scopes in scopes(),
        delegated_mode in prop_oneof![3 => Just(true), 1 => Just(false)],
        status in statuses(),
        kind in 0usize..6,
        offset in proptest::option::of(prop_oneof![-2i64..=2, -20_000i64..20_000]),
        floor in 0i64..10_000,
        on_listed in any::<bool>(),
        listed_only in any::<bool>(),
        day in prop_oneof![-2i64..=2, 28i64..=32, -5i64..40],
    ) {
        let listed = Uuid::from_u128(9);
        let kind = ActionKind::ALL[kind];
        // Prices around the floor as often as far from it.
        let price = offset.map(|offset| floor + offset);
        let terms = Terms {
            products: if listed_only { vec![listed] } else { Vec::new() },
            mode: if delegated_mode { Mode::DelegatedSelling } else { Mode::Promotion },
            delegation: delegated_mode.then(|| Delegation {
                scopes: scopes.clone(),
                price_floor: floor,
                revenue_share_bps: 0,
            }),
            ..delegated(&[], 0)
        };
        let mut events = vec![CollaborationEvent::Proposed { proposal: proposal(terms.clone()) }];
        let by = Party::Creator;
        match status {
            0 => {}
            1 => events.push(CollaborationEvent::Accepted { by, at: later(1) }),
            2 => events.push(CollaborationEvent::Declined { by, at: later(1) }),
            3 => {
                events.push(CollaborationEvent::Accepted { by, at: later(1) });
                events.push(CollaborationEvent::Ended { by, at: later(1) });
            }
            _ => events.push(CollaborationEvent::Expired { at: later(7) }),
        }
        let product = match kind {
            ActionKind::CreateProduct => None,
            _ if on_listed => Some(listed),
            _ => Some(Uuid::from_u128(10)),
        };
        let action = Action { kind, product_id: product, price, summary: "x".into() };
        let at = later(day);
        let state = events.iter().fold(CollaborationState::default(), Collaboration::evolve);
        let decided = Collaboration::decide(
            &state,
            &CollaborationCommand::RequestAction {
                entry_id: Uuid::from_u128(1),
                action,
                actor: "creator-kim".into(),
                at,
            },
        );
        let allowed = delegated_mode
            && status == 1
            && at >= terms.starts
            && at < terms.ends
            && scopes.contains(&kind.scope())
            && match product {
                None => !listed_only,
                Some(p) => !listed_only || p == listed,
            }
            && price.is_none_or(|p| p >= floor);
        prop_assert_eq!(decided.is_ok(), allowed, "{:?}", decided);
    }
}
