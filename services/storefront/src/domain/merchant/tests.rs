//! Given events, when a command, then events or an error.

use chrono::{DateTime, NaiveDate, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
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
    let merchant = Merchant::given_nothing()
        .when(MerchantCommand::Register(registration(
            MerchantKind::Retailer,
            date(1990, 1, 1),
        )))
        .state()
        .profile()
        .unwrap()
        .clone();
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
    let error = Merchant::given_nothing()
        .when(MerchantCommand::Register(blank_name))
        .error();
    assert_eq!(
        (error.code(), error.field()),
        ("FIELD_REQUIRED", Some("name"))
    );

    let mut blank_district = registration(MerchantKind::Retailer, date(1990, 1, 1));
    blank_district.district = String::new();
    let error = Merchant::given_nothing()
        .when(MerchantCommand::Register(blank_district))
        .error();
    assert_eq!(error.field(), Some("district"));

    let mut long_category = registration(MerchantKind::Retailer, date(1990, 1, 1));
    long_category.category = "가".repeat(51);
    let error = Merchant::given_nothing()
        .when(MerchantCommand::Register(long_category))
        .error();
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
    assert!(
        Merchant::given_nothing()
            .when(MerchantCommand::Register(r.clone()))
            .result()
            .is_ok()
    );
    r.at = at("2024-06-01T14:30:00Z");
    Merchant::given_nothing()
        .when(MerchantCommand::Register(r))
        .then_error(MerchantError::FoundedInFuture);
}

#[test]
fn registration_refuses_a_founding_date_before_1900() {
    let mut r = registration(MerchantKind::Retailer, EARLIEST_FOUNDING);
    assert!(
        Merchant::given_nothing()
            .when(MerchantCommand::Register(r.clone()))
            .result()
            .is_ok()
    );
    for founded_on in [date(1899, 12, 31), date(1, 1, 1), NaiveDate::MIN] {
        r.founded_on = founded_on;
        let error = Merchant::given_nothing()
            .when(MerchantCommand::Register(r.clone()))
            .error();
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
    Merchant::given_nothing()
        .when(MerchantCommand::Register(r))
        .then_error(MerchantError::FoundedInFuture);
}

#[test]
fn free_text_with_control_characters_is_refused_naming_the_field() {
    let mut r = registration(MerchantKind::Retailer, date(1990, 1, 1));
    r.name = "을지로\0노가리".into();
    let error = Merchant::given_nothing()
        .when(MerchantCommand::Register(r))
        .error();
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
        Merchant::given_nothing()
            .when(MerchantCommand::Register(r))
            .error()
            .field(),
        Some("district")
    );
    let suspend = MerchantCommand::Suspend {
        reason: "사기\u{85}의심".into(),
        at: at(NOW),
    };
    assert_eq!(
        Merchant::given([retailer()]).when(suspend).error().code(),
        "INVALID_TEXT"
    );
}

#[test]
fn given_a_merchant_when_registered_again_then_already_registered() {
    let error = Merchant::given([retailer()])
        .when(MerchantCommand::Register(registration(
            MerchantKind::Retailer,
            date(1990, 1, 1),
        )))
        .error();
    assert_eq!(error.code(), "MERCHANT_ALREADY_REGISTERED");
}

#[test]
fn given_nothing_when_any_other_command_then_not_found() {
    let error = Merchant::given_nothing()
        .when(MerchantCommand::Reinstate { at: at(NOW) })
        .error();
    assert_eq!(error.code(), "MERCHANT_NOT_FOUND");
}

#[test]
fn an_abandoned_registration_can_never_complete() {
    let abandoned = Merchant::given_nothing()
        .when(MerchantCommand::AbandonRegistration { at: at(NOW) })
        .events();
    assert_eq!(
        Merchant::given(&abandoned).state(),
        MerchantState::Abandoned
    );
    let register =
        MerchantCommand::Register(registration(MerchantKind::Retailer, date(1990, 1, 1)));
    Merchant::given(&abandoned)
        .when(register)
        .then_error(MerchantError::RegistrationAbandoned);
    Merchant::given(&abandoned)
        .when(MerchantCommand::AbandonRegistration { at: at(NOW) })
        .then_nothing();
    Merchant::given([retailer()])
        .when(MerchantCommand::AbandonRegistration { at: at(NOW) })
        .then_error(MerchantError::AlreadyRegistered);
}

#[test]
fn profile_updates_record_only_what_changed() {
    let events = Merchant::given([retailer()])
        .when(MerchantCommand::UpdateProfile(ProfileChanges {
            name: Some("을지로 노가리".into()),
            category: None,
            district: Some(" 성수 ".into()),
            revenue_tier: Some(RevenueTier::Small),
            at: at(NOW),
        }))
        .events();
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
    let merchant = Merchant::given([retailer(), events[0].clone()]).state();
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
    Merchant::given([retailer()])
        .when(MerchantCommand::UpdateProfile(unchanged))
        .then_nothing();

    let blank = ProfileChanges {
        name: Some(" ".into()),
        category: None,
        district: None,
        revenue_tier: None,
        at: at(NOW),
    };
    assert_eq!(
        Merchant::given([retailer()])
            .when(MerchantCommand::UpdateProfile(blank))
            .error()
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
    let suspended = Merchant::given([retailer()]).when(suspend()).events();
    let history = [retailer(), suspended[0].clone()];
    assert_eq!(
        Merchant::given(&history).state().standing(),
        MerchantStanding::Suspended
    );
    assert_eq!(
        Merchant::given(&history).state().profile().unwrap().status,
        MerchantStatus::Suspended {
            reason: "깡 의심".into()
        }
    );
    Merchant::given(&history)
        .when(suspend())
        .then_error(MerchantError::AlreadySuspended);
    Merchant::given([retailer()])
        .when(MerchantCommand::Reinstate { at: at(NOW) })
        .then_error(MerchantError::NotSuspended);
    let merchant = Merchant::given(&history)
        .when(MerchantCommand::Reinstate { at: at(NOW) })
        .state()
        .profile()
        .unwrap()
        .clone();
    assert_eq!(merchant.status, MerchantStatus::Active);
    assert_eq!(
        Merchant::given([retailer()])
            .when(MerchantCommand::Suspend {
                reason: "".into(),
                at: at(NOW)
            })
            .error()
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
    assert_eq!(
        Merchant::given([retailer()]).state().standing(),
        MerchantStanding::Active
    );
}

fn apply(badge: HeritageBadge, on: &str) -> MerchantCommand {
    MerchantCommand::ApplyForHeritage { badge, at: at(on) }
}

#[test]
fn century_store_needs_thirty_full_years_counted_in_seoul() {
    let founded = [registered(MerchantKind::Retailer, date(1994, 6, 2))];
    // 2024-06-01T14:59Z is still June 1st in Seoul: 29 years.
    let error = Merchant::given(&founded)
        .when(apply(HeritageBadge::CenturyStore, "2024-06-01T14:59:00Z"))
        .error();
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
    let events = Merchant::given(&founded)
        .when(apply(HeritageBadge::CenturyStore, "2024-06-01T15:00:00Z"))
        .events();
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
    Merchant::given(&retailer)
        .when(apply(HeritageBadge::MasterArtisan, NOW))
        .then_error(MerchantError::HeritageRequiresManufacturer);
    let young = [registered(MerchantKind::Manufacturer, date(2010, 1, 1))];
    assert!(matches!(
        Merchant::given(&young)
            .when(apply(HeritageBadge::MasterArtisan, NOW))
            .result(),
        Err(MerchantError::HeritageTooYoung {
            years: 14,
            required: 15,
            ..
        })
    ));
    let old_enough = [registered(MerchantKind::Manufacturer, date(2009, 6, 1))];
    assert!(
        Merchant::given(&old_enough)
            .when(apply(HeritageBadge::MasterArtisan, NOW))
            .result()
            .is_ok()
    );
}

#[test]
fn heritage_is_decided_once_by_an_official() {
    let applied = MerchantEvent::HeritageApplied {
        badge: HeritageBadge::CenturyStore,
        at: at(NOW),
    };
    let history = [retailer(), applied.clone()];
    Merchant::given(&history)
        .when(apply(HeritageBadge::CenturyStore, NOW))
        .then_error(MerchantError::HeritagePending);
    let approve = || MerchantCommand::ApproveHeritage {
        official: "official-7".into(),
        at: at(NOW),
    };
    Merchant::given([retailer()])
        .when(approve())
        .then_error(MerchantError::NoPendingHeritage);
    let merchant = Merchant::given(&history)
        .when(approve())
        .state()
        .profile()
        .unwrap()
        .clone();
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
        Merchant::given(&history).when(approve()).events().remove(0),
    ];
    Merchant::given(&approved)
        .when(approve())
        .then_error(MerchantError::NoPendingHeritage);
    Merchant::given(&approved)
        .when(apply(HeritageBadge::CenturyStore, NOW))
        .then_error(MerchantError::HeritageAlreadyApproved);
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
        Merchant::given([retailer(), applied.clone()])
            .when(reject(" "))
            .error()
            .field(),
        Some("reason")
    );
    let rejected = Merchant::given([retailer(), applied.clone()])
        .when(reject("서류 미비"))
        .events();
    let history = [retailer(), applied, rejected[0].clone()];
    let merchant = Merchant::given(&history).state();
    assert!(matches!(
        &merchant.profile().unwrap().heritage.as_ref().unwrap().decision,
        HeritageDecision::Rejected { reason, .. } if reason == "서류 미비"
    ));
    assert_eq!(merchant.profile().unwrap().approved_badge(), None);
    assert!(
        Merchant::given(&history)
            .when(apply(HeritageBadge::CenturyStore, NOW))
            .result()
            .is_ok()
    );
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
    Merchant::given(&history)
        .when(apply(HeritageBadge::CenturyStore, NOW))
        .then_error(MerchantError::Suspended);
    let request = MerchantCommand::RequestChannelOnboarding {
        request_id: Uuid::now_v7(),
        channel: "Coupang".into(),
        market: Market::Domestic,
        at: at(NOW),
    };
    Merchant::given(&history)
        .when(request)
        .then_error(MerchantError::Suspended);
}

#[test]
fn diagnosis_routes_by_the_policy_thresholds() {
    let route = |m, o| match &Merchant::given([retailer()]).when(diagnosis(m, o)).events()[0] {
        MerchantEvent::DiagnosisRecorded(d) => d.route,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(route(60, 50), Route::ChannelListing);
    assert_eq!(route(100, 100), Route::ChannelListing);
    assert_eq!(route(60, 49), Route::DedicatedSeller);
    assert_eq!(route(59, 100), Route::Education);
    assert_eq!(route(0, 0), Route::Education);
    let merchant = Merchant::given([retailer()])
        .when(diagnosis(80, 20))
        .state()
        .profile()
        .unwrap()
        .clone();
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
        let error = Merchant::given([retailer()]).when(diagnosis(m, o)).error();
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
        Merchant::given([retailer()])
            .when(request(""))
            .error()
            .field(),
        Some("channel")
    );
    let requested = Merchant::given([retailer()])
        .when(request("Shopee"))
        .events();
    let mut history = vec![retailer(), requested[0].clone()];
    Merchant::given(&history)
        .when(request("Shopee"))
        .then_error(MerchantError::OnboardingAlreadyOpen);

    let change = |status| MerchantCommand::ChangeChannelOnboarding {
        request_id,
        status,
        at: at(NOW),
    };
    Merchant::given(&history)
        .when(change(OnboardingStatus::Live))
        .then_error(MerchantError::OnboardingTransition {
            from: OnboardingStatus::Requested,
            to: OnboardingStatus::Live,
        });
    Merchant::given(&history)
        .when(change(OnboardingStatus::Requested))
        .then_nothing();
    history.extend(
        Merchant::given(&history)
            .when(change(OnboardingStatus::InReview))
            .events(),
    );
    history.extend(
        Merchant::given(&history)
            .when(change(OnboardingStatus::Live))
            .events(),
    );
    let merchant = Merchant::given(&history).state();
    assert_eq!(
        merchant.profile().unwrap().channel_onboardings[0].status,
        OnboardingStatus::Live
    );
    assert!(
        Merchant::given(&history)
            .when(change(OnboardingStatus::Rejected))
            .result()
            .is_err()
    );
    let unknown = MerchantCommand::ChangeChannelOnboarding {
        request_id: Uuid::now_v7(),
        status: OnboardingStatus::InReview,
        at: at(NOW),
    };
    Merchant::given(&history)
        .when(unknown)
        .then_error(MerchantError::OnboardingNotFound);
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
    assert!(Merchant::given(&history).when(again).result().is_ok());
}
