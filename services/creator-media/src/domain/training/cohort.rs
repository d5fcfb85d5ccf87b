use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use crate::domain::{Refusal, TextRule};

/// A training cohort: stream `cohort-<id>`.
pub struct Cohort;

/// One session of a cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub title: String,
    pub at: DateTime<Utc>,
}

/// The opening of a cohort, as decided (and as entered: `decide` checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub cohort_id: Uuid,
    pub name: String,
    /// In time order.
    pub sessions: Vec<Session>,
    pub capacity: u16,
    /// How many sessions a creator attends to be certified.
    pub pass_mark: u8,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CohortCommand {
    Open(Opened),
    Enroll {
        creator_id: Uuid,
        at: DateTime<Utc>,
    },
    /// `creator_ids` attended session number `session` (0-based).
    RecordAttendance {
        session: u8,
        creator_ids: Vec<Uuid>,
        at: DateTime<Utc>,
    },
    Complete {
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CohortEvent {
    Opened(Opened),
    Enrolled {
        cohort_id: Uuid,
        creator_id: Uuid,
        at: DateTime<Utc>,
    },
    /// Only the creators not yet recorded for that session.
    AttendanceRecorded {
        cohort_id: Uuid,
        session: u8,
        creator_ids: Vec<Uuid>,
        at: DateTime<Utc>,
    },
    /// The cohort closed; `certified` attended at least the pass mark.
    Completed {
        cohort_id: Uuid,
        certified: Vec<Uuid>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CohortState {
    pub opened: Option<Opened>,
    /// In enrollment order.
    pub enrolled: Vec<Uuid>,
    /// The sessions each enrolled creator attended.
    pub attended: BTreeMap<Uuid, BTreeSet<u8>>,
    /// When the cohort was completed, and whom it certified.
    pub completed: Option<(DateTime<Utc>, Vec<Uuid>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CohortError {
    #[error("{field} {problem}")]
    Text {
        field: &'static str,
        problem: Refusal,
    },
    #[error("a cohort has 1 to {SESSIONS_MAX} sessions in time order")]
    SessionsInvalid,
    #[error("a cohort takes 1 to {CAPACITY_MAX} creators")]
    CapacityInvalid,
    #[error("the pass mark is 1 to the number of sessions")]
    PassMarkInvalid,
    #[error("no such cohort")]
    NotFound,
    #[error("the cohort exists already")]
    AlreadyOpened,
    #[error("the cohort is full")]
    Full,
    #[error("the cohort is completed")]
    Completed,
    #[error("the creator is not enrolled in the cohort")]
    NotEnrolled,
    #[error("the cohort has no such session")]
    SessionNotFound,
}

/// The most sessions in a cohort.
pub const SESSIONS_MAX: usize = 20;
/// The most creators in a cohort (the programme trains 500 a year).
pub const CAPACITY_MAX: u16 = 500;
const NAME: TextRule = TextRule { max: 80 };

impl CohortError {
    pub fn code(&self) -> &'static str {
        match self {
            CohortError::Text { problem, .. } => problem.code(),
            CohortError::SessionsInvalid => "COHORT_SESSIONS_INVALID",
            CohortError::CapacityInvalid => "COHORT_CAPACITY_INVALID",
            CohortError::PassMarkInvalid => "PASS_MARK_INVALID",
            CohortError::NotFound => "COHORT_NOT_FOUND",
            CohortError::AlreadyOpened => "COHORT_EXISTS",
            CohortError::Full => "COHORT_FULL",
            CohortError::Completed => "COHORT_COMPLETED",
            CohortError::NotEnrolled => "CREATOR_NOT_ENROLLED",
            CohortError::SessionNotFound => "SESSION_NOT_FOUND",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            CohortError::Text { field, .. } => Some(field),
            CohortError::SessionsInvalid => Some("sessions"),
            CohortError::CapacityInvalid => Some("capacity"),
            CohortError::PassMarkInvalid => Some("passMark"),
            CohortError::NotEnrolled => Some("creatorIds"),
            CohortError::SessionNotFound => Some("session"),
            CohortError::NotFound
            | CohortError::AlreadyOpened
            | CohortError::Full
            | CohortError::Completed => None,
        }
    }
}

fn checked(opened: &Opened) -> Result<Opened, CohortError> {
    let text = |field, value: &str| {
        NAME.check(value)
            .map_err(|problem| CohortError::Text { field, problem })
    };
    let name = text("name", &opened.name)?;
    let in_order = opened
        .sessions
        .windows(2)
        .all(|pair| pair[0].at < pair[1].at);
    if opened.sessions.is_empty() || opened.sessions.len() > SESSIONS_MAX || !in_order {
        return Err(CohortError::SessionsInvalid);
    }
    let sessions = opened
        .sessions
        .iter()
        .map(|session| {
            Ok(Session {
                title: text("sessions", &session.title)?,
                at: session.at,
            })
        })
        .collect::<Result<Vec<_>, CohortError>>()?;
    if opened.capacity == 0 || opened.capacity > CAPACITY_MAX {
        return Err(CohortError::CapacityInvalid);
    }
    if opened.pass_mark == 0 || usize::from(opened.pass_mark) > sessions.len() {
        return Err(CohortError::PassMarkInvalid);
    }
    Ok(Opened {
        name,
        sessions,
        ..opened.clone()
    })
}

impl Decider for Cohort {
    type State = CohortState;
    type Command = CohortCommand;
    type Event = CohortEvent;
    type Error = CohortError;

    fn decide(
        state: &CohortState,
        command: &CohortCommand,
    ) -> Result<Vec<CohortEvent>, CohortError> {
        let Some(opened) = &state.opened else {
            return match command {
                CohortCommand::Open(opened) => Ok(vec![CohortEvent::Opened(checked(opened)?)]),
                _ => Err(CohortError::NotFound),
            };
        };
        let cohort_id = opened.cohort_id;
        match command {
            CohortCommand::Open(_) => Err(CohortError::AlreadyOpened),
            _ if state.completed.is_some() => Err(CohortError::Completed),
            CohortCommand::Enroll { creator_id, .. } if state.enrolled.contains(creator_id) => {
                Ok(Vec::new())
            }
            CohortCommand::Enroll { .. }
                if state.enrolled.len() >= usize::from(opened.capacity) =>
            {
                Err(CohortError::Full)
            }
            CohortCommand::Enroll { creator_id, at } => Ok(vec![CohortEvent::Enrolled {
                cohort_id,
                creator_id: *creator_id,
                at: *at,
            }]),
            CohortCommand::RecordAttendance { session, .. }
                if usize::from(*session) >= opened.sessions.len() =>
            {
                Err(CohortError::SessionNotFound)
            }
            CohortCommand::RecordAttendance {
                session,
                creator_ids,
                at,
            } => {
                if creator_ids.iter().any(|id| !state.enrolled.contains(id)) {
                    return Err(CohortError::NotEnrolled);
                }
                let mut new: Vec<Uuid> = creator_ids
                    .iter()
                    .filter(|id| !state.attended.get(id).is_some_and(|s| s.contains(session)))
                    .copied()
                    .collect();
                new.sort();
                new.dedup();
                if new.is_empty() {
                    return Ok(Vec::new());
                }
                Ok(vec![CohortEvent::AttendanceRecorded {
                    cohort_id,
                    session: *session,
                    creator_ids: new,
                    at: *at,
                }])
            }
            CohortCommand::Complete { at } => {
                let certified = state
                    .enrolled
                    .iter()
                    .filter(|id| {
                        state
                            .attended
                            .get(id)
                            .is_some_and(|sessions| sessions.len() >= usize::from(opened.pass_mark))
                    })
                    .copied()
                    .collect();
                Ok(vec![CohortEvent::Completed {
                    cohort_id,
                    certified,
                    at: *at,
                }])
            }
        }
    }

    fn evolve(mut state: CohortState, event: &CohortEvent) -> CohortState {
        match event {
            CohortEvent::Opened(opened) => state.opened = Some(opened.clone()),
            CohortEvent::Enrolled { creator_id, .. } => state.enrolled.push(*creator_id),
            CohortEvent::AttendanceRecorded {
                session,
                creator_ids,
                ..
            } => {
                for id in creator_ids {
                    state.attended.entry(*id).or_default().insert(*session);
                }
            }
            CohortEvent::Completed { certified, at, .. } => {
                state.completed = Some((*at, certified.clone()));
            }
        }
        state
    }
}
