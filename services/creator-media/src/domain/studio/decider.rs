use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use crate::domain::{Refusal, TextRule};

/// A shared studio: stream `studio-<id>`.
pub struct Studio;

/// How a studio is booked: slots of `slot_minutes` from `open_hour` until
/// `close_hour`, Korea Standard Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub slot_minutes: u16,
    pub open_hour: u8,
    pub close_hour: u8,
}

/// The creation of a studio, as decided (and as entered: `decide` checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioCreated {
    pub studio_id: Uuid,
    pub name: String,
    pub region: String,
    pub slot_minutes: u16,
    pub open_hour: u8,
    pub close_hour: u8,
    pub at: DateTime<Utc>,
}

impl StudioCreated {
    pub fn terms(&self) -> Terms {
        Terms {
            slot_minutes: self.slot_minutes,
            open_hour: self.open_hour,
            close_hour: self.close_hour,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StudioCommand {
    Create(StudioCreated),
}

#[derive(Debug, Clone, PartialEq)]
pub enum StudioEvent {
    Created(StudioCreated),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum StudioState {
    #[default]
    Unknown,
    Open(StudioCreated),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StudioError {
    #[error("{field} {problem}")]
    Text {
        field: &'static str,
        problem: Refusal,
    },
    #[error("a slot is 15 to 480 minutes and divides the opening hours")]
    SlotLengthInvalid,
    #[error("opening hours run from 0 to 24, opening before closing")]
    HoursInvalid,
    #[error("the studio already exists")]
    AlreadyExists,
}

impl StudioError {
    pub fn code(&self) -> &'static str {
        match self {
            StudioError::Text { problem, .. } => problem.code(),
            StudioError::SlotLengthInvalid => "SLOT_LENGTH_INVALID",
            StudioError::HoursInvalid => "OPENING_HOURS_INVALID",
            StudioError::AlreadyExists => "STUDIO_EXISTS",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            StudioError::Text { field, .. } => Some(field),
            StudioError::SlotLengthInvalid => Some("slotMinutes"),
            StudioError::HoursInvalid => Some("closeHour"),
            StudioError::AlreadyExists => None,
        }
    }
}

const LABEL: TextRule = TextRule { max: 60 };

impl Terms {
    /// Terms from raw numbers: opening before closing within 0..=24, a
    /// slot of 15 to 480 minutes that fits the opening hours a whole number
    /// of times.
    pub fn new(slot_minutes: i64, open_hour: i64, close_hour: i64) -> Result<Terms, StudioError> {
        let (Ok(open), Ok(close)) = (u8::try_from(open_hour), u8::try_from(close_hour)) else {
            return Err(StudioError::HoursInvalid);
        };
        if open >= close || close > 24 {
            return Err(StudioError::HoursInvalid);
        }
        let open_minutes = i64::from(close - open) * 60;
        let slot = u16::try_from(slot_minutes)
            .ok()
            .filter(|s| (15..=480).contains(s) && open_minutes % i64::from(*s) == 0)
            .ok_or(StudioError::SlotLengthInvalid)?;
        Ok(Terms {
            slot_minutes: slot,
            open_hour: open,
            close_hour: close,
        })
    }
}

impl Decider for Studio {
    type State = StudioState;
    type Command = StudioCommand;
    type Event = StudioEvent;
    type Error = StudioError;

    fn decide(
        state: &StudioState,
        command: &StudioCommand,
    ) -> Result<Vec<StudioEvent>, StudioError> {
        let StudioCommand::Create(create) = command;
        match state {
            StudioState::Open(existing) if existing == create => Ok(Vec::new()),
            StudioState::Open(_) => Err(StudioError::AlreadyExists),
            StudioState::Unknown => {
                let text = |field, value: &str| {
                    LABEL
                        .check(value)
                        .map_err(|problem| StudioError::Text { field, problem })
                };
                Terms::new(
                    create.slot_minutes.into(),
                    create.open_hour.into(),
                    create.close_hour.into(),
                )?;
                Ok(vec![StudioEvent::Created(StudioCreated {
                    name: text("name", &create.name)?,
                    region: text("region", &create.region)?,
                    ..create.clone()
                })])
            }
        }
    }

    fn evolve(_: StudioState, event: &StudioEvent) -> StudioState {
        let StudioEvent::Created(created) = event;
        StudioState::Open(created.clone())
    }
}
