use chrono::{DateTime, Utc};
use golmok_kernel::Decider;
use uuid::Uuid;

use super::Offer;
use crate::domain::{LabelsRefused, Refusal, TextRule, label, labels};

/// A promotion: stream `promotion-<id>`.
pub struct Promotion;

/// A published promotion, as decided (and as entered: `decide` checks and
/// normalises it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub promotion_id: Uuid,
    pub merchant_id: Uuid,
    /// The collaboration that published it, if one did.
    pub collaboration_id: Option<Uuid>,
    pub title: String,
    /// Storefront product ids of the merchant: 1 to 50, distinct.
    pub products: Vec<Uuid>,
    pub offer: Offer,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub region: String,
    /// The tie-in it is restricted to; `None` for a public promotion.
    pub tie_in: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromotionCommand {
    /// Publish, at `published.at`.
    Publish(Box<Published>),
    /// The merchant takes it back, while it is live and has not ended.
    Withdraw { at: DateTime<Utc> },
    /// It has ended (`at` is at or after its end): a no-op once it is
    /// withdrawn or expired.
    Expire { at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "the codec table maps the publication's struct field by field; a promotion has three events at most"
)]
pub enum PromotionEvent {
    Published(Published),
    Withdrawn {
        promotion_id: Uuid,
        at: DateTime<Utc>,
    },
    Expired {
        promotion_id: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum PromotionState {
    #[default]
    Unknown,
    Live(Published),
    Withdrawn(Published, DateTime<Utc>),
    Expired(Published, DateTime<Utc>),
}

impl PromotionState {
    pub fn published(&self) -> Option<&Published> {
        match self {
            PromotionState::Unknown => None,
            PromotionState::Live(published)
            | PromotionState::Withdrawn(published, _)
            | PromotionState::Expired(published, _) => Some(published),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromotionError {
    #[error("{field} {problem}")]
    Text { field: String, problem: Refusal },
    #[error("{field} needs at least one entry")]
    Empty { field: &'static str },
    #[error("{field} holds more than {max} entries")]
    TooMany { field: &'static str, max: usize },
    #[error("{field} lists the same entry twice")]
    Duplicate { field: String },
    #[error(
        "an offer is a percentage of 1 to 10,000 basis points, an amount of more than 0 won, or a code of 4 to 20 of A-Z 0-9 -"
    )]
    OfferInvalid,
    #[error("a promotion starts before it ends")]
    PeriodInvalid,
    #[error("a promotion ends in the future")]
    EndsInPast,
    #[error("the promotion exists already")]
    AlreadyExists,
    #[error("no such promotion")]
    NotFound,
    #[error("the promotion is no longer live")]
    NotLive,
    #[error("the promotion has not ended yet")]
    NotEnded,
}

impl PromotionError {
    pub fn code(&self) -> &'static str {
        match self {
            PromotionError::Text { problem, .. } => problem.code(),
            PromotionError::Empty { .. } => "LIST_EMPTY",
            PromotionError::TooMany { .. } => "LIST_TOO_LONG",
            PromotionError::Duplicate { .. } => "DUPLICATE_ENTRY",
            PromotionError::OfferInvalid => "OFFER_INVALID",
            PromotionError::PeriodInvalid => "PERIOD_INVALID",
            PromotionError::EndsInPast => "PROMOTION_ENDS_IN_PAST",
            PromotionError::AlreadyExists => "PROMOTION_EXISTS",
            PromotionError::NotFound => "PROMOTION_NOT_FOUND",
            PromotionError::NotLive => "PROMOTION_NOT_LIVE",
            PromotionError::NotEnded => "PROMOTION_NOT_ENDED",
        }
    }

    /// The input field the error is about, in the API's camelCase.
    pub fn field(&self) -> Option<String> {
        match self {
            PromotionError::Text { field, .. } | PromotionError::Duplicate { field } => {
                Some(field.clone())
            }
            PromotionError::Empty { field } | PromotionError::TooMany { field, .. } => {
                Some((*field).to_owned())
            }
            PromotionError::OfferInvalid => Some("offer".to_owned()),
            PromotionError::PeriodInvalid | PromotionError::EndsInPast => Some("ends".to_owned()),
            PromotionError::AlreadyExists
            | PromotionError::NotFound
            | PromotionError::NotLive
            | PromotionError::NotEnded => None,
        }
    }
}

impl From<LabelsRefused> for PromotionError {
    fn from(refused: LabelsRefused) -> Self {
        match refused {
            LabelsRefused::Entry { field, problem } => PromotionError::Text { field, problem },
            LabelsRefused::TooMany { field, max } => PromotionError::TooMany { field, max },
        }
    }
}

const TITLE: TextRule = TextRule { max: 80 };
/// The most products of one promotion.
pub const MAX_PRODUCTS: usize = 50;
/// The most tags, and the most categories, of one promotion.
pub const MAX_LABELS: usize = 20;

impl Published {
    /// The promotion as entered, checked: a title, 1 to 50 distinct
    /// products, a valid offer, a period that starts before it ends and ends
    /// after `at`, at most 20 tags and 20 categories and a region (labels
    /// normalised: lower case, each once).
    fn checked(&self) -> Result<Published, PromotionError> {
        let title = TITLE
            .check(&self.title)
            .map_err(|problem| PromotionError::Text {
                field: "title".to_owned(),
                problem,
            })?;
        if self.products.is_empty() {
            return Err(PromotionError::Empty { field: "products" });
        }
        if self.products.len() > MAX_PRODUCTS {
            return Err(PromotionError::TooMany {
                field: "products",
                max: MAX_PRODUCTS,
            });
        }
        if let Some(i) =
            (1..self.products.len()).find(|&i| self.products[..i].contains(&self.products[i]))
        {
            return Err(PromotionError::Duplicate {
                field: format!("products[{i}]"),
            });
        }
        if !self.offer.is_valid() {
            return Err(PromotionError::OfferInvalid);
        }
        if self.starts >= self.ends {
            return Err(PromotionError::PeriodInvalid);
        }
        if self.ends <= self.at {
            return Err(PromotionError::EndsInPast);
        }
        Ok(Published {
            title,
            tags: labels("tags", &self.tags, MAX_LABELS)?,
            categories: labels("categories", &self.categories, MAX_LABELS)?,
            region: label("region", &self.region)?,
            ..self.clone()
        })
    }
}

impl Decider for Promotion {
    type State = PromotionState;
    type Command = PromotionCommand;
    type Event = PromotionEvent;
    type Error = PromotionError;

    fn decide(
        state: &PromotionState,
        command: &PromotionCommand,
    ) -> Result<Vec<PromotionEvent>, PromotionError> {
        match (command, state) {
            (PromotionCommand::Publish(publish), PromotionState::Unknown) => {
                Ok(vec![PromotionEvent::Published(publish.checked()?)])
            }
            (PromotionCommand::Publish(_), _) => Err(PromotionError::AlreadyExists),
            (_, PromotionState::Unknown) => Err(PromotionError::NotFound),
            (PromotionCommand::Withdraw { at }, PromotionState::Live(live)) if *at < live.ends => {
                Ok(vec![PromotionEvent::Withdrawn {
                    promotion_id: live.promotion_id,
                    at: *at,
                }])
            }
            (PromotionCommand::Withdraw { .. }, _) => Err(PromotionError::NotLive),
            (PromotionCommand::Expire { at }, PromotionState::Live(live)) => {
                if *at < live.ends {
                    return Err(PromotionError::NotEnded);
                }
                Ok(vec![PromotionEvent::Expired {
                    promotion_id: live.promotion_id,
                    at: *at,
                }])
            }
            (PromotionCommand::Expire { .. }, _) => Ok(Vec::new()),
        }
    }

    fn evolve(state: PromotionState, event: &PromotionEvent) -> PromotionState {
        match (event, state) {
            (PromotionEvent::Published(published), _) => PromotionState::Live(published.clone()),
            (PromotionEvent::Withdrawn { at, .. }, PromotionState::Live(live)) => {
                PromotionState::Withdrawn(live, *at)
            }
            (PromotionEvent::Expired { at, .. }, PromotionState::Live(live)) => {
                PromotionState::Expired(live, *at)
            }
            (_, state) => state,
        }
    }
}
