//! Given events, when a command, then events or an error.

use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use uuid::Uuid;

use super::*;
use crate::domain::fixtures::{at, programme_id};
use crate::domain::fraud::Rule;

const NOW: &str = "2026-06-01T03:00:00Z";

fn info() -> CaseInfo {
    CaseInfo {
        case_id: Uuid::from_u128(7),
        programme_id: programme_id(),
        merchant_id: Uuid::from_u128(0x101),
        rule: Rule::RoundAmountBurst,
        evidence: "5 round amounts in 10 minutes".into(),
        opened_at: at(NOW),
    }
}

fn opened() -> Vec<CaseEvent> {
    vec![CaseEvent::Opened(info())]
}

fn suspend() -> CaseCommand {
    CaseCommand::Suspend {
        official: "official-jung-gu".into(),
        reason: "깡 확인".into(),
        at: at(NOW),
    }
}

#[test]
fn a_rule_hitting_twice_opens_one_case() {
    Case::given_nothing()
        .when(CaseCommand::Open { info: info() })
        .then(opened());
    Case::given(opened())
        .when(CaseCommand::Open { info: info() })
        .then_nothing();
}

#[test]
fn an_official_suspends_then_reinstates() {
    let mut given = opened();
    given.extend(Case::given(&given).when(suspend()).events());
    assert_eq!(
        Case::fold(&given).status,
        Some(CaseStatus::MerchantSuspended)
    );
    Case::given(&given)
        .when(suspend())
        .then_error(CaseError::Transition {
            from: CaseStatus::MerchantSuspended,
            to: CaseStatus::MerchantSuspended,
        });
    given.extend(
        Case::given(&given)
            .when(CaseCommand::Reinstate {
                official: "official-jung-gu".into(),
                at: at(NOW),
            })
            .events(),
    );
    assert_eq!(
        Case::fold(&given).status,
        Some(CaseStatus::MerchantReinstated)
    );
}

#[test]
fn a_dismissed_case_cannot_suspend_and_a_reason_is_required() {
    let dismiss = |reason: &str| CaseCommand::Dismiss {
        official: "o".into(),
        reason: reason.into(),
        at: at(NOW),
    };
    Case::given(opened())
        .when(dismiss("  "))
        .then_error(CaseError::Reason);
    let mut given = opened();
    given.extend(Case::given(&given).when(dismiss("정상 거래")).events());
    assert!(matches!(
        Case::given(&given).when(suspend()).result(),
        Err(CaseError::Transition { .. })
    ));
    Case::given_nothing()
        .when(suspend())
        .then_error(CaseError::NotFound);
}
