use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::profile::{self, Profile, ProfileUpdated};
use super::{CreatorError, Handle, ProfileChanges, ProfileInput};

/// A creator: stream `creator-<id>`.
pub struct Creator;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum CreatorState {
    #[default]
    Unregistered,
    Registered(Box<Profile>),
}

impl CreatorState {
    pub fn profile(&self) -> Option<&Profile> {
        match self {
            CreatorState::Registered(profile) => Some(profile),
            CreatorState::Unregistered => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CreatorCommand {
    /// Registers the creator under a handle already claimed for it.
    Register {
        creator_id: Uuid,
        handle: Handle,
        owner: Option<String>,
        profile: ProfileInput,
        at: DateTime<Utc>,
    },
    UpdateProfile {
        changes: ProfileChanges,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CreatorEvent {
    Registered(Profile),
    ProfileUpdated(ProfileUpdated),
}

impl Decider for Creator {
    type State = CreatorState;
    type Command = CreatorCommand;
    type Event = CreatorEvent;
    type Error = CreatorError;

    fn decide(
        state: &CreatorState,
        command: &CreatorCommand,
    ) -> Result<Vec<CreatorEvent>, CreatorError> {
        match (state, command) {
            (
                CreatorState::Unregistered,
                CreatorCommand::Register {
                    creator_id,
                    handle,
                    owner,
                    profile: input,
                    at,
                },
            ) => Ok(vec![CreatorEvent::Registered(Profile {
                creator_id: *creator_id,
                handle: handle.clone(),
                owner: owner.clone(),
                display_name: profile::display_name(&input.display_name)?,
                channels: profile::channels(&input.channels)?,
                categories: profile::categories(&input.categories)?,
                region: profile::region(&input.region)?,
                languages: profile::languages(&input.languages)?,
                registered_at: *at,
            })]),
            (CreatorState::Registered(_), CreatorCommand::Register { .. }) => {
                Err(CreatorError::AlreadyRegistered)
            }
            (CreatorState::Unregistered, CreatorCommand::UpdateProfile { .. }) => {
                Err(CreatorError::NotFound)
            }
            (CreatorState::Registered(current), CreatorCommand::UpdateProfile { changes, at }) => {
                update(current, changes, *at)
            }
        }
    }

    fn evolve(state: CreatorState, event: &CreatorEvent) -> CreatorState {
        match (state, event) {
            (_, CreatorEvent::Registered(profile)) => {
                CreatorState::Registered(Box::new(profile.clone()))
            }
            (CreatorState::Registered(mut profile), CreatorEvent::ProfileUpdated(update)) => {
                update.apply_to(&mut profile);
                CreatorState::Registered(profile)
            }
            (state, CreatorEvent::ProfileUpdated(_)) => state,
        }
    }
}

/// Validates every given field; only the ones that differ become the event.
fn update(
    current: &Profile,
    changes: &ProfileChanges,
    at: DateTime<Utc>,
) -> Result<Vec<CreatorEvent>, CreatorError> {
    if *changes == ProfileChanges::default() {
        return Err(CreatorError::NothingToChange);
    }
    fn changed<T: PartialEq>(new: Option<T>, old: &T) -> Option<T> {
        new.filter(|new| new != old)
    }
    let display_name = changes
        .display_name
        .as_deref()
        .map(profile::display_name)
        .transpose()?;
    let channels = changes
        .channels
        .as_deref()
        .map(profile::channels)
        .transpose()?;
    let categories = changes
        .categories
        .as_deref()
        .map(profile::categories)
        .transpose()?;
    let region = changes.region.as_deref().map(profile::region).transpose()?;
    let languages = changes
        .languages
        .as_deref()
        .map(profile::languages)
        .transpose()?;
    let update = ProfileUpdated {
        display_name: changed(display_name, &current.display_name),
        channels: changed(channels, &current.channels),
        categories: changed(categories, &current.categories),
        region: changed(region, &current.region),
        languages: changed(languages, &current.languages),
        at,
    };
    let unchanged = ProfileUpdated {
        display_name: None,
        channels: None,
        categories: None,
        region: None,
        languages: None,
        at,
    };
    Ok(if update == unchanged {
        Vec::new()
    } else {
        vec![CreatorEvent::ProfileUpdated(update)]
    })
}

impl ProfileUpdated {
    /// The profile with these changes made.
    pub fn apply_to(&self, profile: &mut Profile) {
        let ProfileUpdated {
            display_name,
            channels,
            categories,
            region,
            languages,
            at: _,
        } = self.clone();
        if let Some(value) = display_name {
            profile.display_name = value;
        }
        if let Some(value) = channels {
            profile.channels = value;
        }
        if let Some(value) = categories {
            profile.categories = value;
        }
        if let Some(value) = region {
            profile.region = value;
        }
        if let Some(value) = languages {
            profile.languages = value;
        }
    }
}
