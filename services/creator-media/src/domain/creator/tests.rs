use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use golmok_kernel::testing::Given;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn at() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn handle() -> Handle {
    Handle::parse("alley.cook").unwrap()
}

fn channel(url: &str, audience: i64) -> ChannelInput {
    ChannelInput {
        platform: Platform::Youtube,
        url: url.into(),
        audience,
    }
}

fn input() -> ProfileInput {
    ProfileInput {
        display_name: " 골목 요리사 ".into(),
        channels: vec![channel("https://youtube.com/@alley.cook", 12_000)],
        categories: vec!["food".into()],
        region: "Seoul Jung-gu".into(),
        languages: vec!["ko".into()],
    }
}

fn register(creator_id: Uuid, profile: ProfileInput) -> CreatorCommand {
    CreatorCommand::Register {
        creator_id,
        handle: handle(),
        owner: Some("creator-kim".into()),
        profile,
        at: at(),
    }
}

fn registered(creator_id: Uuid) -> CreatorEvent {
    Creator::given_nothing()
        .when(register(creator_id, input()))
        .events()
        .remove(0)
}

#[test]
fn handles_are_normalized_and_case_insensitive() {
    assert_eq!(Handle::parse("@Alley.Cook").unwrap(), handle());
    assert_eq!(
        Handle::parse(" alley.cook ").unwrap().as_str(),
        "alley.cook"
    );
    for bad in [
        "ab",
        "",
        "_cook",
        ".cook",
        "alley..cook",
        "골목",
        "alley cook",
        &"a".repeat(31),
    ] {
        let refused = Handle::parse(bad);
        assert_eq!(refused, Err(HandleMalformed), "{bad:?}");
    }
    assert_eq!(HandleMalformed.code(), "HANDLE_MALFORMED");
}

proptest! {
    #[test]
    fn a_parsed_handle_parses_to_itself(raw in "@?[A-Za-z0-9][A-Za-z0-9_.]{2,29}") {
        if let Ok(handle) = Handle::parse(&raw) {
            prop_assert_eq!(Handle::parse(handle.as_str()), Ok(handle.clone()));
            prop_assert_eq!(Handle::parse(&handle.as_str().to_uppercase()), Ok(handle));
        } else {
            prop_assert!(raw.contains(".."));
        }
    }

    #[test]
    fn an_audience_outside_its_range_is_refused_and_inside_kept(audience in any::<i64>()) {
        let mut profile = input();
        profile.channels = vec![channel("https://x.example/c", audience)];
        let decided = Creator::given_nothing().when(register(Uuid::nil(), profile)).result();
        if (0..=AUDIENCE_MAX).contains(&audience) {
            let events = decided.unwrap();
            let CreatorEvent::Registered(profile) = &events[0] else { panic!("registered") };
            prop_assert_eq!(profile.channels[0].audience, audience as u64);
        } else {
            let error = decided.unwrap_err();
            prop_assert_eq!(error.code(), "AUDIENCE_OUT_OF_RANGE");
            prop_assert_eq!(error.field(), Some("channels[0].audience".to_owned()));
        }
    }
}

#[test]
fn given_nothing_when_registered_then_the_profile_is_trimmed_and_kept() {
    let id = Uuid::now_v7();
    let event = registered(id);
    let CreatorEvent::Registered(profile) = &event else {
        panic!("registered");
    };
    assert_eq!(profile.display_name, "골목 요리사");
    assert_eq!(profile.channels[0].audience, 12_000);
    assert_eq!(
        Creator::fold([&event]).profile().map(|p| p.creator_id),
        Some(id)
    );
}

/// A change that makes a good profile bad.
type Spoil = fn(&mut ProfileInput);

#[test]
fn bad_profiles_are_refused_with_a_code_and_a_field() {
    let cases: Vec<(Spoil, &str, Option<&str>)> = vec![
        (
            |p| p.display_name = "  ".into(),
            "FIELD_REQUIRED",
            Some("displayName"),
        ),
        (
            |p| p.display_name = "a\u{0}b".into(),
            "INVALID_TEXT",
            Some("displayName"),
        ),
        (
            |p| p.display_name = "가".repeat(61),
            "FIELD_TOO_LONG",
            Some("displayName"),
        ),
        (|p| p.channels.clear(), "LIST_EMPTY", Some("channels")),
        (
            |p| {
                p.channels = (0..11)
                    .map(|i| channel(&format!("https://x.example/{i}"), 1))
                    .collect()
            },
            "LIST_TOO_LONG",
            Some("channels"),
        ),
        (
            |p| p.channels[0].url = "ftp://x".into(),
            "CHANNEL_URL_INVALID",
            Some("channels[0].url"),
        ),
        (
            |p| p.channels[0].url = "https://a b".into(),
            "CHANNEL_URL_INVALID",
            Some("channels[0].url"),
        ),
        (
            |p| {
                p.channels
                    .push(channel("https://youtube.com/@alley.cook", 3))
            },
            "DUPLICATE_ENTRY",
            Some("channels[1].url"),
        ),
        (
            |p| p.categories = vec!["food".into(), " food".into()],
            "DUPLICATE_ENTRY",
            Some("categories[1]"),
        ),
        (
            |p| p.categories = vec![String::new()],
            "FIELD_REQUIRED",
            Some("categories[0]"),
        ),
        (
            |p| p.region = String::new(),
            "FIELD_REQUIRED",
            Some("region"),
        ),
        (
            |p| p.languages = vec!["KO".into()],
            "LANGUAGE_INVALID",
            Some("languages[0]"),
        ),
        (|p| p.languages.clear(), "LIST_EMPTY", Some("languages")),
    ];
    for (spoil, code, field) in cases {
        let mut profile = input();
        spoil(&mut profile);
        let error = Creator::given_nothing()
            .when(register(Uuid::nil(), profile.clone()))
            .error();
        assert_eq!(
            (error.code(), error.field().as_deref()),
            (code, field),
            "{profile:?}"
        );
    }
}

#[test]
fn given_a_creator_when_registered_again_then_it_is_refused() {
    let id = Uuid::now_v7();
    Creator::given([registered(id)])
        .when(register(id, input()))
        .then_error(CreatorError::AlreadyRegistered);
}

#[test]
fn given_a_creator_when_its_profile_changes_then_only_what_differs_is_recorded() {
    let id = Uuid::now_v7();
    let update = |changes: ProfileChanges| CreatorCommand::UpdateProfile { changes, at: at() };
    let given = Creator::given([registered(id)]);
    given
        .when(update(ProfileChanges {
            region: Some("Seoul Mapo-gu".into()),
            display_name: Some("골목 요리사".into()),
            ..ProfileChanges::default()
        }))
        .then([CreatorEvent::ProfileUpdated(ProfileUpdated {
            display_name: None,
            channels: None,
            categories: None,
            region: Some("Seoul Mapo-gu".into()),
            languages: None,
            at: at(),
        })]);
    given
        .when(update(ProfileChanges {
            categories: Some(vec!["food".into()]),
            ..ProfileChanges::default()
        }))
        .then_nothing();
    given
        .when(update(ProfileChanges::default()))
        .then_error(CreatorError::NothingToChange);
    let error = given
        .when(update(ProfileChanges {
            languages: Some(vec!["english".into()]),
            ..ProfileChanges::default()
        }))
        .error();
    assert_eq!(error.code(), "LANGUAGE_INVALID");
    Creator::given_nothing()
        .when(update(ProfileChanges::default()))
        .then_error(CreatorError::NotFound);
}

#[test]
fn a_handle_is_claimed_once_and_its_holder_may_claim_again() {
    let holder = Uuid::now_v7();
    let claim = |creator_id| Claim {
        handle: handle(),
        creator_id,
        at: at(),
    };
    let given = HandleClaim::given_nothing().and([claim(holder)]);
    assert_eq!(given.state(), ClaimState::Claimed { holder });
    given.when(claim(holder)).then_nothing();
    let taken = given.when(claim(Uuid::now_v7())).error();
    assert_eq!(taken, HandleTaken { holder });
    assert_eq!(taken.code(), "HANDLE_TAKEN");
}
