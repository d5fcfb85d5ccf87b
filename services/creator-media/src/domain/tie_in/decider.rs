use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use crate::domain::{LabelsRefused, Refusal, TextRule, labels};

/// An event tie-in: stream `tie-in-<id>`.
pub struct TieIn;

/// The creation of a tie-in, as decided (and as entered: `decide` checks
/// and normalises it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieInCreated {
    pub tie_in_id: Uuid,
    pub name: String,
    /// The token subject of the partner allowed to read it.
    pub partner: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TieInCommand {
    Create(TieInCreated),
}

#[derive(Debug, Clone, PartialEq)]
pub enum TieInEvent {
    Created(TieInCreated),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum TieInState {
    #[default]
    Unknown,
    Created(TieInCreated),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TieInError {
    #[error("{field} {problem}")]
    Text { field: String, problem: Refusal },
    #[error("{field} holds more than {max} entries")]
    TooMany { field: &'static str, max: usize },
    #[error("a tie-in starts before it ends")]
    PeriodInvalid,
    #[error("the tie-in exists already")]
    AlreadyExists,
    #[error("no such tie-in")]
    NotFound,
}

impl TieInError {
    pub fn code(&self) -> &'static str {
        match self {
            TieInError::Text { problem, .. } => problem.code(),
            TieInError::TooMany { .. } => "LIST_TOO_LONG",
            TieInError::PeriodInvalid => "PERIOD_INVALID",
            TieInError::AlreadyExists => "TIE_IN_EXISTS",
            TieInError::NotFound => "TIE_IN_NOT_FOUND",
        }
    }

    /// The input field the error is about, in the API's camelCase.
    pub fn field(&self) -> Option<String> {
        match self {
            TieInError::Text { field, .. } => Some(field.clone()),
            TieInError::TooMany { field, .. } => Some((*field).to_owned()),
            TieInError::PeriodInvalid => Some("ends".to_owned()),
            TieInError::AlreadyExists | TieInError::NotFound => None,
        }
    }
}

impl From<LabelsRefused> for TieInError {
    fn from(refused: LabelsRefused) -> Self {
        match refused {
            LabelsRefused::Entry { field, problem } => TieInError::Text { field, problem },
            LabelsRefused::TooMany { field, max } => TieInError::TooMany { field, max },
        }
    }
}

const NAME: TextRule = TextRule { max: 80 };
const PARTNER: TextRule = TextRule { max: 100 };
/// The most entries of each filter list.
pub const MAX_FILTER: usize = 20;

impl TieInCreated {
    /// The tie-in as entered, checked: a name, a partner, a period that
    /// starts before it ends, filter lists of at most 20 labels each
    /// (normalised: lower case, each once).
    fn checked(&self) -> Result<TieInCreated, TieInError> {
        let text = |field: &str, rule: TextRule, value: &str| {
            rule.check(value).map_err(|problem| TieInError::Text {
                field: field.to_owned(),
                problem,
            })
        };
        let name = text("name", NAME, &self.name)?;
        let partner = text("partner", PARTNER, &self.partner)?;
        if self.starts >= self.ends {
            return Err(TieInError::PeriodInvalid);
        }
        Ok(TieInCreated {
            name,
            partner,
            tags: labels("tags", &self.tags, MAX_FILTER)?,
            categories: labels("categories", &self.categories, MAX_FILTER)?,
            regions: labels("regions", &self.regions, MAX_FILTER)?,
            ..self.clone()
        })
    }
}

impl Decider for TieIn {
    type State = TieInState;
    type Command = TieInCommand;
    type Event = TieInEvent;
    type Error = TieInError;

    fn decide(state: &TieInState, command: &TieInCommand) -> Result<Vec<TieInEvent>, TieInError> {
        let TieInCommand::Create(create) = command;
        let checked = create.checked()?;
        match state {
            TieInState::Created(existing) if *existing == checked => Ok(Vec::new()),
            TieInState::Created(_) => Err(TieInError::AlreadyExists),
            TieInState::Unknown => Ok(vec![TieInEvent::Created(checked)]),
        }
    }

    fn evolve(_: TieInState, event: &TieInEvent) -> TieInState {
        let TieInEvent::Created(created) = event;
        TieInState::Created(created.clone())
    }
}
