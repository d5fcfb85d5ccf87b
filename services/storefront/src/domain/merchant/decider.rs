use chrono::NaiveDate;
use golmok_kernel::Decider;

use super::{
    ChannelOnboarding, Diagnosis, DiagnosisInput, Heritage, HeritageBadge, HeritageDecision,
    MerchantCommand, MerchantError, MerchantEvent, MerchantKind, MerchantProfile, MerchantState,
    MerchantStatus, ProfileChanges, Registered, Registration,
};
use crate::domain::text::{Lines, optional, required};
use crate::domain::{full_years, seoul_date};

pub(crate) const NAME_MAX: usize = 100;
pub(crate) const LABEL_MAX: usize = 50;
/// The longest reason a suspension or rejection may give.
pub const REASON_MAX: usize = 500;
pub(crate) const NOTES_MAX: usize = 2_000;
pub(crate) const CHANNEL_MAX: usize = 100;
/// The earliest founding date a registration may give; anything earlier is a
/// typo or a placeholder such as `0001-01-01`.
pub const EARLIEST_FOUNDING: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// The merchant aggregate.
pub struct Merchant;

type Decision = Result<Vec<MerchantEvent>, MerchantError>;

fn text(value: &str, field: &'static str, max: usize) -> Result<String, MerchantError> {
    required(value, max).map_err(|problem| MerchantError::Text { field, problem })
}

fn score(value: i64, field: &'static str) -> Result<u8, MerchantError> {
    u8::try_from(value)
        .ok()
        .filter(|s| *s <= 100)
        .ok_or(MerchantError::ScoreOutOfRange { field })
}

impl Decider for Merchant {
    type State = MerchantState;
    type Command = MerchantCommand;
    type Event = MerchantEvent;
    type Error = MerchantError;

    fn decide(state: &MerchantState, command: &MerchantCommand) -> Decision {
        let merchant = match (state, command) {
            (MerchantState::Unregistered, MerchantCommand::Register(registration)) => {
                return register(registration);
            }
            (MerchantState::Unregistered, MerchantCommand::AbandonRegistration { at }) => {
                return Ok(vec![MerchantEvent::RegistrationAbandoned { at: *at }]);
            }
            (MerchantState::Abandoned, MerchantCommand::AbandonRegistration { .. }) => {
                return Ok(Vec::new());
            }
            (MerchantState::Abandoned, MerchantCommand::Register(_)) => {
                return Err(MerchantError::RegistrationAbandoned);
            }
            (MerchantState::Unregistered | MerchantState::Abandoned, _) => {
                return Err(MerchantError::NotFound);
            }
            (MerchantState::Registered(merchant), _) => merchant,
        };
        match command {
            MerchantCommand::Register(_) | MerchantCommand::AbandonRegistration { .. } => {
                Err(MerchantError::AlreadyRegistered)
            }
            MerchantCommand::UpdateProfile(changes) => update_profile(merchant, changes),
            MerchantCommand::Suspend { reason, at } => {
                let reason = text(reason, "reason", REASON_MAX)?;
                match merchant.status {
                    MerchantStatus::Suspended { .. } => Err(MerchantError::AlreadySuspended),
                    MerchantStatus::Active => {
                        Ok(vec![MerchantEvent::Suspended { reason, at: *at }])
                    }
                }
            }
            MerchantCommand::Reinstate { at } => match merchant.status {
                MerchantStatus::Active => Err(MerchantError::NotSuspended),
                MerchantStatus::Suspended { .. } => Ok(vec![MerchantEvent::Reinstated { at: *at }]),
            },
            MerchantCommand::ApplyForHeritage { badge, at } => {
                apply_for_heritage(merchant, *badge, *at)
            }
            MerchantCommand::ApproveHeritage { official, at } => {
                let official = text(official, "official", NAME_MAX)?;
                pending_heritage(merchant)?;
                Ok(vec![MerchantEvent::HeritageApproved { official, at: *at }])
            }
            MerchantCommand::RejectHeritage {
                official,
                reason,
                at,
            } => {
                let official = text(official, "official", NAME_MAX)?;
                let reason = text(reason, "reason", REASON_MAX)?;
                pending_heritage(merchant)?;
                Ok(vec![MerchantEvent::HeritageRejected {
                    official,
                    reason,
                    at: *at,
                }])
            }
            MerchantCommand::RecordDiagnosis(input) => record_diagnosis(input),
            MerchantCommand::RequestChannelOnboarding {
                request_id,
                channel,
                market,
                at,
            } => {
                let channel = text(channel, "channel", CHANNEL_MAX)?;
                active(merchant)?;
                let open = merchant
                    .channel_onboardings
                    .iter()
                    .any(|o| o.channel == channel && o.market == *market && o.status.is_open());
                if open {
                    return Err(MerchantError::OnboardingAlreadyOpen);
                }
                Ok(vec![MerchantEvent::ChannelOnboardingRequested {
                    request_id: *request_id,
                    channel,
                    market: *market,
                    at: *at,
                }])
            }
            MerchantCommand::ChangeChannelOnboarding {
                request_id,
                status,
                at,
            } => {
                let onboarding = merchant
                    .channel_onboardings
                    .iter()
                    .find(|o| o.id == *request_id)
                    .ok_or(MerchantError::OnboardingNotFound)?;
                if onboarding.status == *status {
                    return Ok(Vec::new());
                }
                if !onboarding.status.can_become(*status) {
                    return Err(MerchantError::OnboardingTransition {
                        from: onboarding.status,
                        to: *status,
                    });
                }
                Ok(vec![MerchantEvent::ChannelOnboardingStatusChanged {
                    request_id: *request_id,
                    status: *status,
                    at: *at,
                }])
            }
        }
    }

    fn evolve(state: MerchantState, event: &MerchantEvent) -> MerchantState {
        let mut merchant = match (state, event) {
            (_, MerchantEvent::Registered(registered)) => {
                return MerchantState::Registered(Box::new(MerchantProfile {
                    id: registered.merchant_id,
                    business_number: registered.business_number.clone(),
                    name: registered.name.clone(),
                    kind: registered.kind,
                    category: registered.category.clone(),
                    district: registered.district.clone(),
                    founded_on: registered.founded_on,
                    revenue_tier: registered.revenue_tier,
                    status: MerchantStatus::Active,
                    heritage: None,
                    diagnosis: None,
                    channel_onboardings: Vec::new(),
                    registered_at: registered.at,
                }));
            }
            (MerchantState::Unregistered, MerchantEvent::RegistrationAbandoned { .. }) => {
                return MerchantState::Abandoned;
            }
            (MerchantState::Registered(merchant), _) => merchant,
            (state, _) => return state,
        };
        match event {
            MerchantEvent::Registered(_) | MerchantEvent::RegistrationAbandoned { .. } => {}
            MerchantEvent::ProfileUpdated {
                name,
                category,
                district,
                revenue_tier,
                ..
            } => {
                if let Some(name) = name {
                    merchant.name.clone_from(name);
                }
                if let Some(category) = category {
                    merchant.category.clone_from(category);
                }
                if let Some(district) = district {
                    merchant.district.clone_from(district);
                }
                if let Some(tier) = revenue_tier {
                    merchant.revenue_tier = *tier;
                }
            }
            MerchantEvent::Suspended { reason, .. } => {
                merchant.status = MerchantStatus::Suspended {
                    reason: reason.clone(),
                };
            }
            MerchantEvent::Reinstated { .. } => merchant.status = MerchantStatus::Active,
            MerchantEvent::HeritageApplied { badge, at } => {
                merchant.heritage = Some(Heritage {
                    badge: *badge,
                    applied_at: *at,
                    decision: HeritageDecision::Pending,
                });
            }
            MerchantEvent::HeritageApproved { official, at } => {
                if let Some(heritage) = merchant.heritage.as_mut() {
                    heritage.decision = HeritageDecision::Approved {
                        official: official.clone(),
                        at: *at,
                    };
                }
            }
            MerchantEvent::HeritageRejected {
                official,
                reason,
                at,
            } => {
                if let Some(heritage) = merchant.heritage.as_mut() {
                    heritage.decision = HeritageDecision::Rejected {
                        official: official.clone(),
                        reason: reason.clone(),
                        at: *at,
                    };
                }
            }
            MerchantEvent::DiagnosisRecorded(diagnosis) => {
                merchant.diagnosis = Some(diagnosis.clone());
            }
            MerchantEvent::ChannelOnboardingRequested {
                request_id,
                channel,
                market,
                at,
            } => merchant.channel_onboardings.push(ChannelOnboarding {
                id: *request_id,
                channel: channel.clone(),
                market: *market,
                status: super::OnboardingStatus::Requested,
                requested_at: *at,
                updated_at: *at,
            }),
            MerchantEvent::ChannelOnboardingStatusChanged {
                request_id,
                status,
                at,
            } => {
                if let Some(onboarding) = merchant
                    .channel_onboardings
                    .iter_mut()
                    .find(|o| o.id == *request_id)
                {
                    onboarding.status = *status;
                    onboarding.updated_at = *at;
                }
            }
        }
        MerchantState::Registered(merchant)
    }
}

fn register(r: &Registration) -> Decision {
    let name = text(&r.name, "name", NAME_MAX)?;
    let category = text(&r.category, "category", LABEL_MAX)?;
    let district = text(&r.district, "district", LABEL_MAX)?;
    if r.founded_on > seoul_date(r.at) {
        return Err(MerchantError::FoundedInFuture);
    }
    if r.founded_on < EARLIEST_FOUNDING {
        return Err(MerchantError::FoundedTooEarly {
            earliest: EARLIEST_FOUNDING,
        });
    }
    Ok(vec![MerchantEvent::Registered(Registered {
        merchant_id: r.merchant_id,
        business_number: r.business_number.clone(),
        name,
        kind: r.kind,
        category,
        district,
        founded_on: r.founded_on,
        revenue_tier: r.revenue_tier,
        at: r.at,
    })])
}

fn update_profile(merchant: &MerchantProfile, changes: &ProfileChanges) -> Decision {
    let changed = |new: Option<String>, old: &str| new.filter(|n| n != old);
    let name = changes
        .name
        .as_deref()
        .map(|n| text(n, "name", NAME_MAX))
        .transpose()?;
    let category = changes
        .category
        .as_deref()
        .map(|c| text(c, "category", LABEL_MAX))
        .transpose()?;
    let district = changes
        .district
        .as_deref()
        .map(|d| text(d, "district", LABEL_MAX))
        .transpose()?;
    let name = changed(name, &merchant.name);
    let category = changed(category, &merchant.category);
    let district = changed(district, &merchant.district);
    let revenue_tier = changes.revenue_tier.filter(|t| *t != merchant.revenue_tier);
    if name.is_none() && category.is_none() && district.is_none() && revenue_tier.is_none() {
        return Ok(Vec::new());
    }
    Ok(vec![MerchantEvent::ProfileUpdated {
        name,
        category,
        district,
        revenue_tier,
        at: changes.at,
    }])
}

fn active(merchant: &MerchantProfile) -> Result<(), MerchantError> {
    match merchant.status {
        MerchantStatus::Active => Ok(()),
        MerchantStatus::Suspended { .. } => Err(MerchantError::Suspended),
    }
}

fn apply_for_heritage(
    merchant: &MerchantProfile,
    badge: HeritageBadge,
    at: chrono::DateTime<chrono::Utc>,
) -> Decision {
    active(merchant)?;
    match merchant.heritage.as_ref().map(|h| &h.decision) {
        Some(HeritageDecision::Pending) => return Err(MerchantError::HeritagePending),
        Some(HeritageDecision::Approved { .. }) => {
            return Err(MerchantError::HeritageAlreadyApproved);
        }
        Some(HeritageDecision::Rejected { .. }) | None => {}
    }
    if badge == HeritageBadge::MasterArtisan && merchant.kind != MerchantKind::Manufacturer {
        return Err(MerchantError::HeritageRequiresManufacturer);
    }
    let years = full_years(merchant.founded_on, seoul_date(at));
    let required = badge.min_years();
    if years < required {
        return Err(MerchantError::HeritageTooYoung {
            badge,
            years,
            required,
        });
    }
    Ok(vec![MerchantEvent::HeritageApplied { badge, at }])
}

fn pending_heritage(merchant: &MerchantProfile) -> Result<(), MerchantError> {
    match merchant.heritage.as_ref().map(|h| &h.decision) {
        Some(HeritageDecision::Pending) => Ok(()),
        _ => Err(MerchantError::NoPendingHeritage),
    }
}

fn record_diagnosis(input: &DiagnosisInput) -> Decision {
    let marketability = score(input.marketability, "marketability")?;
    let online_capability = score(input.online_capability, "onlineCapability")?;
    let notes =
        optional(&input.notes, NOTES_MAX, Lines::Multi).map_err(|problem| MerchantError::Text {
            field: "notes",
            problem,
        })?;
    let expert = text(&input.expert, "expert", NAME_MAX)?;
    Ok(vec![MerchantEvent::DiagnosisRecorded(Diagnosis {
        marketability,
        online_capability,
        notes,
        route: input.policy.route(marketability, online_capability),
        expert,
        at: input.at,
    })])
}
