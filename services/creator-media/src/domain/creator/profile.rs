use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Handle;
use crate::domain::{Refusal, TextRule};

/// Where a creator publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Youtube,
    Instagram,
    Tiktok,
    NaverBlog,
    Chzzk,
    Other,
}

/// A validated channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub platform: Platform,
    pub url: String,
    pub audience: u64,
}

/// A channel as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInput {
    pub platform: Platform,
    pub url: String,
    pub audience: i64,
}

/// A profile as entered (registration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInput {
    pub display_name: String,
    pub channels: Vec<ChannelInput>,
    pub categories: Vec<String>,
    pub region: String,
    pub languages: Vec<String>,
}

/// Changes as entered: absent fields stay, a list replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub channels: Option<Vec<ChannelInput>>,
    pub categories: Option<Vec<String>>,
    pub region: Option<String>,
    pub languages: Option<Vec<String>>,
}

/// A registered creator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub creator_id: Uuid,
    pub handle: Handle,
    /// The subject of the creator who registered itself, if it did.
    pub owner: Option<String>,
    pub display_name: String,
    pub channels: Vec<Channel>,
    pub categories: Vec<String>,
    pub region: String,
    pub languages: Vec<String>,
    pub registered_at: DateTime<Utc>,
}

/// The event of a registration: the whole validated profile.
pub type Registered = Profile;

/// The fields a profile update changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileUpdated {
    pub display_name: Option<String>,
    pub channels: Option<Vec<Channel>>,
    pub categories: Option<Vec<String>>,
    pub region: Option<String>,
    pub languages: Option<Vec<String>>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreatorError {
    #[error("no such creator")]
    NotFound,
    #[error("the creator is already registered")]
    AlreadyRegistered,
    #[error("{field} {problem}")]
    Text { field: String, problem: Refusal },
    #[error("{field} needs at least one entry")]
    Empty { field: &'static str },
    #[error("{field} holds more than {max} entries")]
    TooMany { field: &'static str, max: usize },
    #[error("{field} lists the same entry twice")]
    Duplicate { field: String },
    #[error("{field} is not an http(s) URL without spaces")]
    UrlInvalid { field: String },
    #[error("{field} is between 0 and {AUDIENCE_MAX}")]
    AudienceOutOfRange { field: String },
    #[error("{field} is an ISO 639 code of 2 or 3 lower-case letters")]
    LanguageInvalid { field: String },
    #[error("the update changes nothing")]
    NothingToChange,
}

impl CreatorError {
    pub fn code(&self) -> &'static str {
        match self {
            CreatorError::NotFound => "CREATOR_NOT_FOUND",
            CreatorError::AlreadyRegistered => "CREATOR_ALREADY_REGISTERED",
            CreatorError::Text { problem, .. } => problem.code(),
            CreatorError::Empty { .. } => "LIST_EMPTY",
            CreatorError::TooMany { .. } => "LIST_TOO_LONG",
            CreatorError::Duplicate { .. } => "DUPLICATE_ENTRY",
            CreatorError::UrlInvalid { .. } => "CHANNEL_URL_INVALID",
            CreatorError::AudienceOutOfRange { .. } => "AUDIENCE_OUT_OF_RANGE",
            CreatorError::LanguageInvalid { .. } => "LANGUAGE_INVALID",
            CreatorError::NothingToChange => "NOTHING_TO_CHANGE",
        }
    }

    /// The input field the error is about, in the API's camelCase.
    pub fn field(&self) -> Option<String> {
        match self {
            CreatorError::Text { field, .. }
            | CreatorError::Duplicate { field }
            | CreatorError::UrlInvalid { field }
            | CreatorError::AudienceOutOfRange { field }
            | CreatorError::LanguageInvalid { field } => Some(field.clone()),
            CreatorError::Empty { field } | CreatorError::TooMany { field, .. } => {
                Some((*field).to_owned())
            }
            _ => None,
        }
    }
}

/// The largest audience a channel may state.
pub const AUDIENCE_MAX: i64 = 10_000_000_000;
const NAME: TextRule = TextRule { max: 60 };
const LABEL: TextRule = TextRule { max: 40 };
const URL: TextRule = TextRule { max: 300 };
const MAX_CHANNELS: usize = 10;
const MAX_TAGS: usize = 10;

fn text(field: &str, rule: TextRule, value: &str) -> Result<String, CreatorError> {
    rule.check(value).map_err(|problem| CreatorError::Text {
        field: field.to_owned(),
        problem,
    })
}

/// A list of 1 to `max` distinct entries, each checked by `entry`.
fn list<T: PartialEq, I>(
    field: &'static str,
    values: &[I],
    max: usize,
    entry: impl Fn(String, &I) -> Result<T, CreatorError>,
) -> Result<Vec<T>, CreatorError> {
    if values.is_empty() {
        return Err(CreatorError::Empty { field });
    }
    if values.len() > max {
        return Err(CreatorError::TooMany { field, max });
    }
    let mut checked: Vec<T> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let value = entry(at.clone(), value)?;
        if checked.contains(&value) {
            return Err(CreatorError::Duplicate { field: at });
        }
        checked.push(value);
    }
    Ok(checked)
}

fn channel(field: String, input: &ChannelInput) -> Result<Channel, CreatorError> {
    let url = text(&format!("{field}.url"), URL, &input.url)?;
    let scheme = url.starts_with("https://") || url.starts_with("http://");
    if !scheme || url.contains(char::is_whitespace) || url.ends_with("://") {
        return Err(CreatorError::UrlInvalid {
            field: format!("{field}.url"),
        });
    }
    let audience = u64::try_from(input.audience)
        .ok()
        .filter(|_| input.audience <= AUDIENCE_MAX)
        .ok_or(CreatorError::AudienceOutOfRange {
            field: format!("{field}.audience"),
        })?;
    Ok(Channel {
        platform: input.platform,
        url,
        audience,
    })
}

pub(super) fn channels(inputs: &[ChannelInput]) -> Result<Vec<Channel>, CreatorError> {
    // Two channels are the same when their URLs are.
    let checked = list("channels", inputs, MAX_CHANNELS, channel)?;
    for (i, c) in checked.iter().enumerate() {
        if checked[..i].iter().any(|other| other.url == c.url) {
            return Err(CreatorError::Duplicate {
                field: format!("channels[{i}].url"),
            });
        }
    }
    Ok(checked)
}

pub(super) fn categories(values: &[String]) -> Result<Vec<String>, CreatorError> {
    list("categories", values, MAX_TAGS, |field, value| {
        text(&field, LABEL, value)
    })
}

pub(super) fn languages(values: &[String]) -> Result<Vec<String>, CreatorError> {
    list("languages", values, MAX_TAGS, |field, value| {
        let code = value.trim();
        if (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase()) {
            Ok(code.to_owned())
        } else {
            Err(CreatorError::LanguageInvalid { field })
        }
    })
}

pub(super) fn display_name(value: &str) -> Result<String, CreatorError> {
    text("displayName", NAME, value)
}

pub(super) fn region(value: &str) -> Result<String, CreatorError> {
    text("region", LABEL, value)
}
