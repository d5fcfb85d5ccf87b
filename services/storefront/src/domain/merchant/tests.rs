//! Given events, when a command, then events or an error.

use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::*;
use crate::domain::TextProblem;
use crate::domain::business_number::BusinessNumber;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const NOW: &str = "2024-06-01T03:00:00Z";

fn id() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)
}

fn registration(kind: MerchantKind, founded_on: NaiveDate) -> Registration {
    Registration {
        merchant_id: id(),
        business_number: BusinessNumber::parse("1234567891").unwrap(),
        name: "  을지로 노가리  ".into(),
        kind,
        category: "food".into(),
        district: "을지로".into(),
        founded_on,
        revenue_tier: RevenueTier::Micro,
        at: at(NOW),
    }
}

fn registered(kind: MerchantKind, founded_on: NaiveDate) -> MerchantEvent {
    Merchant::decide(
        &MerchantState::Unregistered,
        &MerchantCommand::Register(registration(kind, founded_on)),
    )
    .unwrap()
    .remove(0)
}

fn retailer() -> MerchantEvent {
    registered(MerchantKind::Retailer, date(1990, 1, 1))
}

fn given(events: &[MerchantEvent]) -> MerchantState {
    Merchant::fold(events)
}

fn when(
    events: &[MerchantEvent],
    command: MerchantCommand,
) -> Result<Vec<MerchantEvent>, MerchantError> {
    Merchant::decide(&given(events), &command)
}

fn then(events: &[MerchantEvent], command: MerchantCommand) -> MerchantProfile {
    let mut all = events.to_vec();
    all.extend(when(events, command).unwrap());
    given(&all).profile().unwrap().clone()
}

fn policy() -> DiagnosisPolicy {
    DiagnosisPolicy {
        marketability_min: 60,
        online_capability_min: 50,
    }
}

fn diagnosis(marketability: i64, online_capability: i64) -> MerchantCommand {
    MerchantCommand::RecordDiagnosis(DiagnosisInput {
        marketability,
        online_capability,
        notes: "좋은 제품".into(),
        expert: "expert-1".into(),
        policy: policy(),
        at: at(NOW),
    })
}

#[test]
fn given_nothing_when_registered_then_an_active_merchant_with_trimmed_fields() {
    let merchant = then(
        &[],
        MerchantCommand::Register(registration(MerchantKind::Retailer, date(1990, 1, 1))),
    );
    assert_eq!(merchant.id, id());
    assert_eq!(merchant.name, "을지로 노가리");
    assert_eq!(merchant.business_number.as_str(), "123-45-67891");
    assert_eq!(merchant.status, MerchantStatus::Active);
    assert_eq!(merchant.registered_at, at(NOW));
    assert!(merchant.heritage.is_none() && merchant.diagnosis.is_none());
}

#[test]
fn registration_refuses_blank_and_overlong_fields_naming_the_field() {
    let mut blank_name = registration(MerchantKind::Retailer, date(1990, 1, 1));
    blank_name.name = "   ".into();
    let error = when(&[], MerchantCommand::Register(blank_name)).unwrap_err();
    assert_eq!(
        (error.code(), error.field()),
        ("FIELD_REQUIRED", Some("name"))
    );

    let mut blank_district = registration(MerchantKind::Retailer, date(1990, 1, 1));
    blank_district.district = String::new();
    let error = when(&[], MerchantCommand::Register(blank_district)).unwrap_err();
    assert_eq!(error.field(), Some("district"));

    let mut long_category = registration(MerchantKind::Retailer, date(1990, 1, 1));
    long_category.category = "가".repeat(51);
    let error = when(&[], MerchantCommand::Register(long_category)).unwrap_err();
    assert_eq!(
        error,
        MerchantError::Text {
            field: "category",
            problem: TextProblem::TooLong { max: 50 }
        }
    );
    assert_eq!(error.code(), "FIELD_TOO_LONG");
}

#[test]
fn registration_refuses_a_founding_date_after_today_in_seoul() {
    // 2024-06-01T15:30Z is already 2024-06-02 in Seoul.
    let mut r = registration(MerchantKind::Retailer, date(2024, 6, 2));
    r.at = at("2024-06-01T15:30:00Z");
    assert!(when(&[], MerchantCommand::Register(r.clone())).is_ok());
    r.at = at("2024-06-01T14:30:00Z");
    assert_eq!(
        when(&[], MerchantCommand::Register(r)),
        Err(MerchantError::FoundedInFuture)
    );
}

#[test]
fn registration_refuses_a_founding_date_before_1900() {
    let mut r = registration(MerchantKind::Retailer, EARLIEST_FOUNDING);
    assert!(when(&[], MerchantCommand::Register(r.clone())).is_ok());
    for founded_on in [date(1899, 12, 31), date(1, 1, 1), NaiveDate::MIN] {
        r.founded_on = founded_on;
        let error = when(&[], MerchantCommand::Register(r.clone())).unwrap_err();
        assert_eq!(
            error,
            MerchantError::FoundedTooEarly {
                earliest: date(1900, 1, 1)
            }
        );
        assert_eq!(
            (error.code(), error.field()),
            ("FOUNDED_ON_OUT_OF_RANGE", Some("foundedOn"))
        );
    }
    r.founded_on = NaiveDate::MAX;
    assert_eq!(
        when(&[], MerchantCommand::Register(r)),
        Err(MerchantError::FoundedInFuture)
    );
}

#[test]
fn free_text_with_control_characters_is_refused_naming_the_field() {
    let mut r = registration(MerchantKind::Retailer, date(1990, 1, 1));
    r.name = "을지로\0노가리".into();
    let error = when(&[], MerchantCommand::Register(r)).unwrap_err();
    assert_eq!(
        error,
        MerchantError::Text {
            field: "name",
            problem: TextProblem::ControlCharacter
        }
    );
    assert_eq!(error.code(), "INVALID_TEXT");
    let mut r = registration(MerchantKind::Retailer, date(1990, 1, 1));
    r.district = "을지로\u{7}".into();
    assert_eq!(
        when(&[], MerchantCommand::Register(r)).unwrap_err().field(),
        Some("district")
    );
    let suspend = MerchantCommand::Suspend {
        reason: "사기\u{85}의심".into(),
        at: at(NOW),
    };
    assert_eq!(
        when(&[retailer()], suspend).unwrap_err().code(),
        "INVALID_TEXT"
    );
}

#[test]
fn given_a_merchant_when_registered_again_then_already_registered() {
    let error = when(
        &[retailer()],
        MerchantCommand::Register(registration(MerchantKind::Retailer, date(1990, 1, 1))),
    )
    .unwrap_err();
    assert_eq!(error.code(), "MERCHANT_ALREADY_REGISTERED");
}

#[test]
fn given_nothing_when_any_other_command_then_not_found() {
    let error = when(&[], MerchantCommand::Reinstate { at: at(NOW) }).unwrap_err();
    assert_eq!(error.code(), "MERCHANT_NOT_FOUND");
}

#[test]
fn an_abandoned_registration_can_never_complete() {
    let abandoned = when(&[], MerchantCommand::AbandonRegistration { at: at(NOW) }).unwrap();
    assert_eq!(given(&abandoned), MerchantState::Abandoned);
    let register =
        MerchantCommand::Register(registration(MerchantKind::Retailer, date(1990, 1, 1)));
    assert_eq!(
        when(&abandoned, register),
        Err(MerchantError::RegistrationAbandoned)
    );
    assert_eq!(
        when(
            &abandoned,
            MerchantCommand::AbandonRegistration { at: at(NOW) }
        ),
        Ok(vec![])
    );
    assert_eq!(
        when(
            &[retailer()],
            MerchantCommand::AbandonRegistration { at: at(NOW) }
        ),
        Err(MerchantError::AlreadyRegistered)
    );
}

#[test]
fn profile_updates_record_only_what_changed() {
    let events = when(
        &[retailer()],
        MerchantCommand::UpdateProfile(ProfileChanges {
            name: Some("을지로 노가리".into()),
            category: None,
            district: Some(" 성수 ".into()),
            revenue_tier: Some(RevenueTier::Small),
            at: at(NOW),
        }),
    )
    .unwrap();
    assert_eq!(
        events,
        vec![MerchantEvent::ProfileUpdated {
            name: None,
            category: None,
            district: Some("성수".into()),
            revenue_tier: Some(RevenueTier::Small),
            at: at(NOW),
        }]
    );
    let merchant = given(&[retailer(), events[0].clone()]);
    let merchant = merchant.profile().unwrap();
    assert_eq!(
        (merchant.district.as_str(), merchant.revenue_tier),
        ("성수", RevenueTier::Small)
    );

    let unchanged = ProfileChanges {
        name: Some("을지로 노가리".into()),
        category: None,
        district: None,
        revenue_tier: Some(RevenueTier::Micro),
        at: at(NOW),
    };
    assert_eq!(
        when(&[retailer()], MerchantCommand::UpdateProfile(unchanged)),
        Ok(vec![])
    );

    let blank = ProfileChanges {
        name: Some(" ".into()),
        category: None,
        district: None,
        revenue_tier: None,
        at: at(NOW),
    };
    assert_eq!(
        when(&[retailer()], MerchantCommand::UpdateProfile(blank))
            .unwrap_err()
            .field(),
        Some("name")
    );
}

#[test]
fn suspension_and_reinstatement_follow_the_status() {
    let suspend = || MerchantCommand::Suspend {
        reason: "깡 의심".into(),
        at: at(NOW),
    };
    let suspended = when(&[retailer()], suspend()).unwrap();
    let history = [retailer(), suspended[0].clone()];
    assert_eq!(given(&history).standing(), MerchantStanding::Suspended);
    assert_eq!(
        given(&history).profile().unwrap().status,
        MerchantStatus::Suspended {
            reason: "깡 의심".into()
        }
    );
    assert_eq!(
        when(&history, suspend()),
        Err(MerchantError::AlreadySuspended)
    );
    assert_eq!(
        when(&[retailer()], MerchantCommand::Reinstate { at: at(NOW) }),
        Err(MerchantError::NotSuspended)
    );
    let merchant = then(&history, MerchantCommand::Reinstate { at: at(NOW) });
    assert_eq!(merchant.status, MerchantStatus::Active);
    assert_eq!(
        when(
            &[retailer()],
            MerchantCommand::Suspend {
                reason: "".into(),
                at: at(NOW)
            }
        )
        .unwrap_err()
        .field(),
        Some("reason")
    );
}

#[test]
fn standing_tells_other_aggregates_whether_the_merchant_trades() {
    assert_eq!(
        MerchantState::Unregistered.standing(),
        MerchantStanding::Unregistered
    );
    assert_eq!(
        MerchantState::Abandoned.standing(),
        MerchantStanding::Unregistered
    );
    assert_eq!(given(&[retailer()]).standing(), MerchantStanding::Active);
}

fn apply(badge: HeritageBadge, on: &str) -> MerchantCommand {
    MerchantCommand::ApplyForHeritage { badge, at: at(on) }
}

#[test]
fn century_store_needs_thirty_full_years_counted_in_seoul() {
    let founded = [registered(MerchantKind::Retailer, date(1994, 6, 2))];
    // 2024-06-01T14:59Z is still June 1st in Seoul: 29 years.
    let error = when(
        &founded,
        apply(HeritageBadge::CenturyStore, "2024-06-01T14:59:00Z"),
    )
    .unwrap_err();
    assert_eq!(
        error,
        MerchantError::HeritageTooYoung {
            badge: HeritageBadge::CenturyStore,
            years: 29,
            required: 30
        }
    );
    assert_eq!(error.code(), "HERITAGE_TOO_YOUNG");
    // 15:00Z is June 2nd in Seoul: the 30th anniversary.
    let events = when(
        &founded,
        apply(HeritageBadge::CenturyStore, "2024-06-01T15:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        events,
        vec![MerchantEvent::HeritageApplied {
            badge: HeritageBadge::CenturyStore,
            at: at("2024-06-01T15:00:00Z")
        }]
    );
}

#[test]
fn master_artisan_needs_a_manufacturer_of_fifteen_years() {
    let retailer = [registered(MerchantKind::Retailer, date(1950, 1, 1))];
    assert_eq!(
        when(&retailer, apply(HeritageBadge::MasterArtisan, NOW)),
        Err(MerchantError::HeritageRequiresManufacturer)
    );
    let young = [registered(MerchantKind::Manufacturer, date(2010, 1, 1))];
    assert!(matches!(
        when(&young, apply(HeritageBadge::MasterArtisan, NOW)),
        Err(MerchantError::HeritageTooYoung {
            years: 14,
            required: 15,
            ..
        })
    ));
    let old_enough = [registered(MerchantKind::Manufacturer, date(2009, 6, 1))];
    assert!(when(&old_enough, apply(HeritageBadge::MasterArtisan, NOW)).is_ok());
}

#[test]
fn heritage_is_decided_once_by_an_official() {
    let applied = MerchantEvent::HeritageApplied {
        badge: HeritageBadge::CenturyStore,
        at: at(NOW),
    };
    let history = [retailer(), applied.clone()];
    assert_eq!(
        when(&history, apply(HeritageBadge::CenturyStore, NOW)),
        Err(MerchantError::HeritagePending)
    );
    let approve = || MerchantCommand::ApproveHeritage {
        official: "official-7".into(),
        at: at(NOW),
    };
    assert_eq!(
        when(&[retailer()], approve()),
        Err(MerchantError::NoPendingHeritage)
    );
    let merchant = then(&history, approve());
    assert_eq!(merchant.approved_badge(), Some(HeritageBadge::CenturyStore));
    assert_eq!(
        merchant.heritage.as_ref().unwrap().decision,
        HeritageDecision::Approved {
            official: "official-7".into(),
            at: at(NOW)
        }
    );
    let approved = [
        retailer(),
        applied.clone(),
        when(&history, approve()).unwrap().remove(0),
    ];
    assert_eq!(
        when(&approved, approve()),
        Err(MerchantError::NoPendingHeritage)
    );
    assert_eq!(
        when(&approved, apply(HeritageBadge::CenturyStore, NOW)),
        Err(MerchantError::HeritageAlreadyApproved)
    );
}

#[test]
fn a_rejected_heritage_application_keeps_the_reason_and_may_be_filed_again() {
    let applied = MerchantEvent::HeritageApplied {
        badge: HeritageBadge::CenturyStore,
        at: at(NOW),
    };
    let reject = |reason: &str| MerchantCommand::RejectHeritage {
        official: "official-7".into(),
        reason: reason.into(),
        at: at(NOW),
    };
    assert_eq!(
        when(&[retailer(), applied.clone()], reject(" "))
            .unwrap_err()
            .field(),
        Some("reason")
    );
    let rejected = when(&[retailer(), applied.clone()], reject("서류 미비")).unwrap();
    let history = [retailer(), applied, rejected[0].clone()];
    let merchant = given(&history);
    assert!(matches!(
        &merchant.profile().unwrap().heritage.as_ref().unwrap().decision,
        HeritageDecision::Rejected { reason, .. } if reason == "서류 미비"
    ));
    assert_eq!(merchant.profile().unwrap().approved_badge(), None);
    assert!(when(&history, apply(HeritageBadge::CenturyStore, NOW)).is_ok());
}

#[test]
fn a_suspended_merchant_cannot_apply_for_heritage_or_onboarding() {
    let history = [
        retailer(),
        MerchantEvent::Suspended {
            reason: "x".into(),
            at: at(NOW),
        },
    ];
    assert_eq!(
        when(&history, apply(HeritageBadge::CenturyStore, NOW)),
        Err(MerchantError::Suspended)
    );
    let request = MerchantCommand::RequestChannelOnboarding {
        request_id: Uuid::now_v7(),
        channel: "Coupang".into(),
        market: Market::Domestic,
        at: at(NOW),
    };
    assert_eq!(when(&history, request), Err(MerchantError::Suspended));
}

#[test]
fn diagnosis_routes_by_the_policy_thresholds() {
    let route = |m, o| match &when(&[retailer()], diagnosis(m, o)).unwrap()[0] {
        MerchantEvent::DiagnosisRecorded(d) => d.route,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(route(60, 50), Route::ChannelListing);
    assert_eq!(route(100, 100), Route::ChannelListing);
    assert_eq!(route(60, 49), Route::DedicatedSeller);
    assert_eq!(route(59, 100), Route::Education);
    assert_eq!(route(0, 0), Route::Education);
    let merchant = then(&[retailer()], diagnosis(80, 20));
    let recorded = merchant.diagnosis.unwrap();
    assert_eq!(
        (
            recorded.marketability,
            recorded.online_capability,
            recorded.expert.as_str()
        ),
        (80, 20, "expert-1")
    );
}

#[test]
fn diagnosis_scores_outside_0_to_100_are_refused_with_the_field() {
    for (m, o, field) in [
        (101, 50, "marketability"),
        (-1, 50, "marketability"),
        (50, 101, "onlineCapability"),
        (50, -5, "onlineCapability"),
    ] {
        let error = when(&[retailer()], diagnosis(m, o)).unwrap_err();
        assert_eq!(
            (error.code(), error.field()),
            ("SCORE_OUT_OF_RANGE", Some(field))
        );
    }
}

#[test]
fn channel_onboarding_moves_through_review_to_live_or_rejected() {
    let request_id = Uuid::now_v7();
    let request = |channel: &str| MerchantCommand::RequestChannelOnboarding {
        request_id,
        channel: channel.into(),
        market: Market::Global,
        at: at(NOW),
    };
    assert_eq!(
        when(&[retailer()], request("")).unwrap_err().field(),
        Some("channel")
    );
    let requested = when(&[retailer()], request("Shopee")).unwrap();
    let mut history = vec![retailer(), requested[0].clone()];
    assert_eq!(
        when(&history, request("Shopee")),
        Err(MerchantError::OnboardingAlreadyOpen)
    );

    let change = |status| MerchantCommand::ChangeChannelOnboarding {
        request_id,
        status,
        at: at(NOW),
    };
    assert_eq!(
        when(&history, change(OnboardingStatus::Live)),
        Err(MerchantError::OnboardingTransition {
            from: OnboardingStatus::Requested,
            to: OnboardingStatus::Live
        })
    );
    assert_eq!(
        when(&history, change(OnboardingStatus::Requested)),
        Ok(vec![])
    );
    history.extend(when(&history, change(OnboardingStatus::InReview)).unwrap());
    history.extend(when(&history, change(OnboardingStatus::Live)).unwrap());
    let merchant = given(&history);
    assert_eq!(
        merchant.profile().unwrap().channel_onboardings[0].status,
        OnboardingStatus::Live
    );
    assert!(when(&history, change(OnboardingStatus::Rejected)).is_err());
    let unknown = MerchantCommand::ChangeChannelOnboarding {
        request_id: Uuid::now_v7(),
        status: OnboardingStatus::InReview,
        at: at(NOW),
    };
    assert_eq!(
        when(&history, unknown),
        Err(MerchantError::OnboardingNotFound)
    );
}

#[test]
fn a_rejected_onboarding_may_be_requested_again() {
    let first = Uuid::now_v7();
    let history = [
        retailer(),
        MerchantEvent::ChannelOnboardingRequested {
            request_id: first,
            channel: "Qoo10".into(),
            market: Market::Global,
            at: at(NOW),
        },
        MerchantEvent::ChannelOnboardingStatusChanged {
            request_id: first,
            status: OnboardingStatus::Rejected,
            at: at(NOW),
        },
    ];
    let again = MerchantCommand::RequestChannelOnboarding {
        request_id: Uuid::now_v7(),
        channel: "Qoo10".into(),
        market: Market::Global,
        at: at(NOW),
    };
    assert!(when(&history, again).is_ok());
}
