use chrono::{DateTime, TimeDelta, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::number::check_digit;
use super::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn number() -> BusinessNumber {
    BusinessNumber::parse("123-45-67891").unwrap()
}

/// The number claimed by `holder` at `at`.
fn claimed(holder: Uuid, at: DateTime<Utc>) -> ClaimEvent {
    ClaimEvent::BusinessNumberClaimed {
        number: number(),
        merchant_id: holder,
        at,
    }
}

#[test]
fn a_known_valid_number_parses_with_or_without_dashes() {
    // 1·1+2·3+3·7+4·1+5·3+6·7+7·1+8·3+9·5 = 165, + ⌊9·5/10⌋ = 169 → check digit 1.
    assert_eq!(
        BusinessNumber::parse("1234567891").unwrap().as_str(),
        "123-45-67891"
    );
    assert_eq!(
        BusinessNumber::parse(" 123-45-67891 ").unwrap().as_str(),
        "123-45-67891"
    );
    assert_eq!(number().digits(), "1234567891");
}

#[test]
fn a_wrong_check_digit_is_refused() {
    assert_eq!(
        BusinessNumber::parse("123-45-67890"),
        Err(BusinessNumberError::ChecksumMismatch)
    );
}

#[test]
fn placeholder_numbers_that_pass_the_checksum_are_refused() {
    for raw in ["000-00-00000", "0000000000", "444-44-44444", "888-88-88888"] {
        let refused = BusinessNumber::parse(raw);
        assert_eq!(refused, Err(BusinessNumberError::NotIssued), "{raw:?}");
        assert_eq!(refused.unwrap_err().code(), "BUSINESS_NUMBER_MALFORMED");
    }
}

#[test]
fn malformed_numbers_are_refused() {
    for raw in [
        "",
        "123456789",
        "12345678911",
        "12-345-67891",
        "123-4567891",
        "12345678a1",
        "123 45 67891",
        "１２３４５６７８９１",
    ] {
        assert_eq!(
            BusinessNumber::parse(raw),
            Err(BusinessNumberError::Malformed),
            "{raw:?}"
        );
    }
}

fn with_check(first_nine: [u32; 9], check: u32) -> String {
    let mut s: String = first_nine
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap())
        .collect();
    s.push(char::from_digit(check, 10).unwrap());
    s
}

proptest! {
    #[test]
    fn exactly_one_check_digit_is_accepted(first_nine in prop::array::uniform9(0u32..10)) {
        // Ten equal digits are refused whatever the check digit.
        prop_assume!(first_nine.iter().any(|d| *d != first_nine[0]));
        let accepted: Vec<u32> = (0..10)
            .filter(|c| BusinessNumber::parse(&with_check(first_nine, *c)).is_ok())
            .collect();
        prop_assert_eq!(accepted, vec![check_digit(first_nine)]);
    }

    #[test]
    fn dashed_and_plain_forms_are_the_same_number(first_nine in prop::array::uniform9(0u32..10)) {
        prop_assume!(first_nine.iter().any(|d| *d != first_nine[0]));
        let plain = with_check(first_nine, check_digit(first_nine));
        let dashed = format!("{}-{}-{}", &plain[..3], &plain[3..5], &plain[5..]);
        let parsed = BusinessNumber::parse(&plain).unwrap();
        prop_assert_eq!(parsed.as_str(), dashed.as_str());
        prop_assert_eq!(BusinessNumber::parse(&dashed).unwrap(), parsed);
    }

    #[test]
    fn any_single_digit_typo_is_caught(
        first_nine in prop::array::uniform9(0u32..10),
        position in 0usize..10,
        shift in 1u32..10,
    ) {
        let valid = with_check(first_nine, check_digit(first_nine));
        let mut digits: Vec<u32> = valid.chars().map(|c| c.to_digit(10).unwrap()).collect();
        digits[position] = (digits[position] + shift) % 10;
        let typo: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
        prop_assert_eq!(
            BusinessNumber::parse(&typo),
            Err(BusinessNumberError::ChecksumMismatch)
        );
    }
}

#[test]
fn given_no_claim_when_claimed_then_the_merchant_holds_it() {
    let merchant_id = Uuid::now_v7();
    let when = at("2024-05-01T00:00:00Z");
    let events = Claim::given_nothing()
        .when(ClaimCommand::Claim {
            number: number(),
            merchant_id,
            at: when,
        })
        .events();
    assert_eq!(
        events,
        vec![ClaimEvent::BusinessNumberClaimed {
            number: number(),
            merchant_id,
            at: when
        }]
    );
    assert_eq!(
        Claim::fold(&events),
        ClaimState::Claimed {
            holder: merchant_id,
            at: when
        }
    );
}

#[test]
fn given_a_claim_when_another_merchant_claims_then_it_is_taken() {
    let holder = Uuid::now_v7();
    let error = Claim::given([claimed(holder, at("2024-05-01T00:00:00Z"))])
        .when(ClaimCommand::Claim {
            number: number(),
            merchant_id: Uuid::now_v7(),
            at: at("2030-05-01T00:00:00Z"),
        })
        .error();
    assert_eq!(error.code(), "BUSINESS_NUMBER_TAKEN");
    assert!(matches!(error, ClaimError::Taken { holder: h, .. } if h == holder));
}

#[test]
fn given_a_claim_when_its_holder_claims_again_then_nothing_changes() {
    let holder = Uuid::now_v7();
    let command = ClaimCommand::Claim {
        number: number(),
        merchant_id: holder,
        at: at("2024-05-01T00:00:01Z"),
    };
    Claim::given([claimed(holder, at("2024-05-01T00:00:00Z"))])
        .when(command)
        .then_nothing();
}

#[test]
fn a_stale_claim_of_an_abandoned_registration_can_be_taken_over_after_the_grace() {
    let abandoned = Uuid::now_v7();
    let claimed_at = at("2024-05-01T00:00:00Z");
    let given = Claim::given([claimed(abandoned, claimed_at)]);
    let newcomer = Uuid::now_v7();
    let take_over = |when: DateTime<Utc>| ClaimCommand::TakeOver {
        number: number(),
        merchant_id: newcomer,
        abandoned,
        at: when,
    };
    let too_early = claimed_at + CLAIM_GRACE - TimeDelta::seconds(1);
    assert!(given.when(take_over(too_early)).result().is_err());
    let taken = given.when(take_over(claimed_at + CLAIM_GRACE));
    assert!(matches!(
        taken.state(),
        ClaimState::Claimed { holder, .. } if holder == newcomer
    ));
    let wrong_holder = ClaimCommand::TakeOver {
        number: number(),
        merchant_id: newcomer,
        abandoned: Uuid::now_v7(),
        at: claimed_at + CLAIM_GRACE * 10,
    };
    assert!(given.when(wrong_holder).result().is_err());
}
