//! Given events, when a command, then events or an error.

use golmok_kernel::Decider;
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

fn when(given: &[CaseEvent], command: CaseCommand) -> Result<Vec<CaseEvent>, CaseError> {
    Case::decide(&Case::fold(given), &command)
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
    assert_eq!(when(&[], CaseCommand::Open { info: info() }), Ok(opened()));
    assert_eq!(
        when(&opened(), CaseCommand::Open { info: info() }),
        Ok(Vec::new())
    );
}

#[test]
fn an_official_suspends_then_reinstates() {
    let mut given = opened();
    given.extend(when(&given, suspend()).unwrap());
    assert_eq!(
        Case::fold(&given).status,
        Some(CaseStatus::MerchantSuspended)
    );
    assert_eq!(
        when(&given, suspend()),
        Err(CaseError::Transition {
            from: CaseStatus::MerchantSuspended,
            to: CaseStatus::MerchantSuspended
        })
    );
    given.extend(
        when(
            &given,
            CaseCommand::Reinstate {
                official: "official-jung-gu".into(),
                at: at(NOW),
            },
        )
        .unwrap(),
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
    assert_eq!(when(&opened(), dismiss("  ")), Err(CaseError::Reason));
    let mut given = opened();
    given.extend(when(&given, dismiss("정상 거래")).unwrap());
    assert!(matches!(
        when(&given, suspend()),
        Err(CaseError::Transition { .. })
    ));
    assert_eq!(when(&[], suspend()), Err(CaseError::NotFound));
}
