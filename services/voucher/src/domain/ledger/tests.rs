use uuid::Uuid;

use super::*;
use crate::domain::Won;
use crate::domain::fixtures::programme_id;

fn account(kind: AccountKind) -> AccountId {
    AccountId::new(programme_id(), kind)
}

fn wallet() -> AccountId {
    account(AccountKind::Wallet(Uuid::from_u128(1)))
}

fn merchant() -> AccountId {
    account(AccountKind::MerchantReceivable(Uuid::from_u128(2)))
}

fn transfer(id: &str, debit: AccountId, credit: AccountId, amount: i64, mode: Mode) -> Transfer {
    Transfer {
        id: id.into(),
        debit,
        credit,
        amount: Won(amount),
        mode,
    }
}

/// A ledger whose wallet holds 10,000 won from the issuer float.
fn funded() -> Ledger {
    let mut ledger = Ledger::default();
    ledger
        .apply(&transfer(
            "fund",
            account(AccountKind::IssuerFloat),
            wallet(),
            10_000,
            Mode::Posted,
        ))
        .unwrap();
    ledger
}

#[test]
fn a_transfer_id_is_applied_once() {
    let mut ledger = funded();
    let again = transfer(
        "fund",
        account(AccountKind::IssuerFloat),
        wallet(),
        10_000,
        Mode::Posted,
    );
    assert_eq!(
        ledger.apply(&again),
        Err(LedgerError::Duplicate("fund".into()))
    );
    assert_eq!(ledger.balance(&wallet()).posted(), Won(10_000));
    let (debits, credits) = ledger.totals().expect("the totals fit");
    assert_eq!(debits, credits);
}

#[test]
fn a_constrained_account_is_never_overdrawn_but_the_float_may_be() {
    let mut ledger = funded();
    assert_eq!(
        ledger.balance(&account(AccountKind::IssuerFloat)).posted(),
        Won(-10_000)
    );
    let too_much = transfer("pay", wallet(), merchant(), 10_001, Mode::Posted);
    assert!(matches!(
        ledger.apply(&too_much),
        Err(LedgerError::Overdrawn { .. })
    ));
    assert_eq!(ledger, funded(), "a refused transfer changes nothing");
}

#[test]
fn pending_transfers_reserve_until_posted_or_voided() {
    let mut ledger = funded();
    ledger
        .apply(&transfer(
            "hold:a",
            wallet(),
            merchant(),
            6_000,
            Mode::Pending,
        ))
        .unwrap();
    assert_eq!(ledger.balance(&wallet()).available(), Won(4_000));
    let second = transfer("hold:b", wallet(), merchant(), 4_001, Mode::Pending);
    assert!(matches!(
        ledger.apply(&second),
        Err(LedgerError::Overdrawn { .. })
    ));
    let post = |id: &str, pending: &str| {
        transfer(
            id,
            wallet(),
            merchant(),
            0,
            Mode::PostPending {
                pending_id: pending.into(),
            },
        )
    };
    ledger.apply(&post("capture:a", "hold:a")).unwrap();
    assert_eq!(ledger.balance(&wallet()).posted(), Won(4_000));
    assert_eq!(ledger.balance(&merchant()).posted(), Won(6_000));
    assert_eq!(
        ledger.apply(&post("capture:a2", "hold:a")),
        Err(LedgerError::UnknownPending {
            id: "capture:a2".into(),
            pending_id: "hold:a".into()
        })
    );
    ledger
        .apply(&transfer(
            "hold:c",
            wallet(),
            merchant(),
            4_000,
            Mode::Pending,
        ))
        .unwrap();
    ledger
        .apply(&transfer(
            "void:c",
            wallet(),
            merchant(),
            0,
            Mode::VoidPending {
                pending_id: "hold:c".into(),
            },
        ))
        .unwrap();
    assert_eq!(ledger.balance(&wallet()).available(), Won(4_000));
    assert_eq!(ledger.balance(&merchant()).credits_pending, Won(0));
}

#[test]
fn account_codes_round_trip() {
    for kind in [
        AccountKind::IssuerFloat,
        AccountKind::SubsidyBudget,
        AccountKind::Wallet(Uuid::from_u128(5)),
        AccountKind::MerchantReceivable(Uuid::from_u128(6)),
        AccountKind::Fees,
        AccountKind::Clearing,
        AccountKind::Expired,
    ] {
        let id = account(kind);
        assert_eq!(AccountId::parse(programme_id(), &id.code()), Some(id));
    }
    assert_eq!(AccountId::parse(programme_id(), "wallet:nope"), None);
}

#[test]
fn a_transfer_whose_totals_would_overflow_is_refused_and_changes_nothing() {
    let mut ledger = Ledger::default();
    let float = account(AccountKind::IssuerFloat);
    ledger
        .apply(&transfer("big", float, wallet(), i64::MAX, Mode::Posted))
        .unwrap();
    let before = ledger.clone();
    // The wallet's posted credits would pass i64::MAX.
    assert_eq!(
        ledger.apply(&transfer("more", float, wallet(), 1, Mode::Posted)),
        Err(LedgerError::Overflow("more".into()))
    );
    assert_eq!(ledger, before);
    assert_eq!(ledger.balance(&wallet()).posted(), Won(i64::MAX));
    assert_eq!(ledger.totals(), Some((Won(i64::MAX), Won(i64::MAX))));
    // The float's available amount reaches i64::MIN exactly, then would pass it.
    ledger
        .apply(&transfer("held", float, merchant(), 1, Mode::Pending))
        .unwrap();
    let before = ledger.clone();
    assert_eq!(
        ledger.apply(&transfer("held-2", float, merchant(), 1, Mode::Pending)),
        Err(LedgerError::Overflow("held-2".into()))
    );
    assert_eq!(ledger, before);
    assert_eq!(ledger.totals(), None, "i64::MAX + 1 of debits does not fit");
}
