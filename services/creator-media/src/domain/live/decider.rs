use chrono::{DateTime, Duration, Utc};
use golmok_kernel::{Decider, Won};
use uuid::Uuid;

use crate::domain::{Refusal, TextRule};

/// A live session: stream `live-<id>`.
pub struct Live;

/// A product shown in a live, with the price that applies to orders placed
/// while the live runs (`None`: its usual price).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaggedProduct {
    pub product_id: Uuid,
    pub live_price: Option<Won>,
}

/// The scheduling of a live, as decided (and as entered: `decide` checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub live_id: Uuid,
    pub merchant_id: Uuid,
    /// The creator who hosts it, if not the merchant itself.
    pub host_creator_id: Option<Uuid>,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub products: Vec<TaggedProduct>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiveCommand {
    Schedule(Schedule),
    Start { at: DateTime<Utc> },
    Pin { product_id: Uuid, at: DateTime<Utc> },
    End { at: DateTime<Utc> },
    Cancel { at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    Scheduled(Schedule),
    Started {
        live_id: Uuid,
        at: DateTime<Utc>,
    },
    ProductPinned {
        live_id: Uuid,
        product_id: Uuid,
        at: DateTime<Utc>,
    },
    Ended {
        live_id: Uuid,
        at: DateTime<Utc>,
    },
    Cancelled {
        live_id: Uuid,
        at: DateTime<Utc>,
    },
}

/// Where a live is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Scheduled,
    Live,
    Ended,
    Cancelled,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum LiveState {
    #[default]
    Unknown,
    Known {
        schedule: Schedule,
        status: LiveStatus,
        pinned: Option<Uuid>,
        started_at: Option<DateTime<Utc>>,
        ended_at: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    #[error("{field} {problem}")]
    Text {
        field: &'static str,
        problem: Refusal,
    },
    #[error("a live shows 1 to {max} products", max = PRODUCTS_MAX)]
    ProductCount,
    #[error("a product is tagged twice")]
    DuplicateProduct,
    #[error("a live-only price is more than zero won")]
    LivePriceInvalid,
    #[error("a live starts in the future, within a year")]
    StartOutOfRange,
    #[error("no such live session")]
    NotFound,
    #[error("the live session exists already")]
    AlreadyScheduled,
    #[error("the live session is not scheduled (it is {0:?})")]
    NotScheduled(LiveStatus),
    #[error("the live session is not on air (it is {0:?})")]
    NotLive(LiveStatus),
    #[error("the product is not tagged in this live")]
    ProductNotTagged,
}

/// The most products one live shows.
pub const PRODUCTS_MAX: usize = 20;
const TITLE: TextRule = TextRule { max: 80 };

impl LiveError {
    pub fn code(&self) -> &'static str {
        match self {
            LiveError::Text { problem, .. } => problem.code(),
            LiveError::ProductCount => "LIVE_PRODUCTS_INVALID",
            LiveError::DuplicateProduct => "DUPLICATE_ENTRY",
            LiveError::LivePriceInvalid => "LIVE_PRICE_INVALID",
            LiveError::StartOutOfRange => "LIVE_START_OUT_OF_RANGE",
            LiveError::NotFound => "LIVE_NOT_FOUND",
            LiveError::AlreadyScheduled => "LIVE_EXISTS",
            LiveError::NotScheduled(_) => "LIVE_NOT_SCHEDULED",
            LiveError::NotLive(_) => "LIVE_NOT_ON_AIR",
            LiveError::ProductNotTagged => "PRODUCT_NOT_TAGGED",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            LiveError::Text { field, .. } => Some(field),
            LiveError::ProductCount | LiveError::DuplicateProduct => Some("products"),
            LiveError::LivePriceInvalid => Some("products"),
            LiveError::StartOutOfRange => Some("startsAt"),
            LiveError::ProductNotTagged => Some("productId"),
            LiveError::NotFound
            | LiveError::AlreadyScheduled
            | LiveError::NotScheduled(_)
            | LiveError::NotLive(_) => None,
        }
    }
}

impl LiveState {
    pub fn status(&self) -> Option<LiveStatus> {
        match self {
            LiveState::Unknown => None,
            LiveState::Known { status, .. } => Some(*status),
        }
    }

    pub fn schedule(&self) -> Option<&Schedule> {
        match self {
            LiveState::Unknown => None,
            LiveState::Known { schedule, .. } => Some(schedule),
        }
    }
}

/// The schedule as entered, checked: a title, 1 to 20 distinct products with
/// positive live prices, a start after `at` and within a year.
fn checked(schedule: &Schedule) -> Result<Schedule, LiveError> {
    let title = TITLE
        .check(&schedule.title)
        .map_err(|problem| LiveError::Text {
            field: "title",
            problem,
        })?;
    if schedule.products.is_empty() || schedule.products.len() > PRODUCTS_MAX {
        return Err(LiveError::ProductCount);
    }
    for (i, product) in schedule.products.iter().enumerate() {
        if schedule.products[..i]
            .iter()
            .any(|p| p.product_id == product.product_id)
        {
            return Err(LiveError::DuplicateProduct);
        }
        if product.live_price.is_some_and(|price| price.0 <= 0) {
            return Err(LiveError::LivePriceInvalid);
        }
    }
    if schedule.starts_at <= schedule.at || schedule.starts_at > schedule.at + Duration::days(366) {
        return Err(LiveError::StartOutOfRange);
    }
    Ok(Schedule {
        title,
        ..schedule.clone()
    })
}

impl Decider for Live {
    type State = LiveState;
    type Command = LiveCommand;
    type Event = LiveEvent;
    type Error = LiveError;

    fn decide(state: &LiveState, command: &LiveCommand) -> Result<Vec<LiveEvent>, LiveError> {
        let LiveState::Known {
            schedule,
            status,
            pinned,
            ..
        } = state
        else {
            return match command {
                LiveCommand::Schedule(schedule) => {
                    Ok(vec![LiveEvent::Scheduled(checked(schedule)?)])
                }
                _ => Err(LiveError::NotFound),
            };
        };
        let status = *status;
        let live_id = schedule.live_id;
        match command {
            LiveCommand::Schedule(_) => Err(LiveError::AlreadyScheduled),
            // A repeated start or end changes nothing.
            LiveCommand::Start { .. } if status == LiveStatus::Live => Ok(Vec::new()),
            LiveCommand::Start { at } if status == LiveStatus::Scheduled => {
                Ok(vec![LiveEvent::Started { live_id, at: *at }])
            }
            LiveCommand::Start { .. } => Err(LiveError::NotScheduled(status)),
            LiveCommand::Cancel { at } if status == LiveStatus::Scheduled => {
                Ok(vec![LiveEvent::Cancelled { live_id, at: *at }])
            }
            LiveCommand::Cancel { .. } if status == LiveStatus::Cancelled => Ok(Vec::new()),
            LiveCommand::Cancel { .. } => Err(LiveError::NotScheduled(status)),
            LiveCommand::End { .. } if status == LiveStatus::Ended => Ok(Vec::new()),
            LiveCommand::End { at } if status == LiveStatus::Live => {
                Ok(vec![LiveEvent::Ended { live_id, at: *at }])
            }
            LiveCommand::End { .. } => Err(LiveError::NotLive(status)),
            LiveCommand::Pin { .. } if status != LiveStatus::Live => {
                Err(LiveError::NotLive(status))
            }
            LiveCommand::Pin { product_id, .. }
                if !schedule
                    .products
                    .iter()
                    .any(|p| p.product_id == *product_id) =>
            {
                Err(LiveError::ProductNotTagged)
            }
            LiveCommand::Pin { product_id, .. } if *pinned == Some(*product_id) => Ok(Vec::new()),
            LiveCommand::Pin { product_id, at } => Ok(vec![LiveEvent::ProductPinned {
                live_id,
                product_id: *product_id,
                at: *at,
            }]),
        }
    }

    fn evolve(state: LiveState, event: &LiveEvent) -> LiveState {
        match (state, event) {
            (_, LiveEvent::Scheduled(schedule)) => LiveState::Known {
                schedule: schedule.clone(),
                status: LiveStatus::Scheduled,
                pinned: None,
                started_at: None,
                ended_at: None,
            },
            (LiveState::Unknown, _) => LiveState::Unknown,
            (
                LiveState::Known {
                    schedule,
                    status,
                    pinned,
                    started_at,
                    ended_at,
                },
                event,
            ) => {
                let (status, pinned, started_at, ended_at) = match event {
                    LiveEvent::Scheduled(_) => (status, pinned, started_at, ended_at),
                    LiveEvent::Started { at, .. } => {
                        (LiveStatus::Live, pinned, Some(*at), ended_at)
                    }
                    LiveEvent::ProductPinned { product_id, .. } => {
                        (status, Some(*product_id), started_at, ended_at)
                    }
                    LiveEvent::Ended { at, .. } => (LiveStatus::Ended, None, started_at, Some(*at)),
                    LiveEvent::Cancelled { at, .. } => {
                        (LiveStatus::Cancelled, None, started_at, Some(*at))
                    }
                };
                LiveState::Known {
                    schedule,
                    status,
                    pinned,
                    started_at,
                    ended_at,
                }
            }
        }
    }
}
