use async_graphql::{
    Context, ID, InputValueError, InputValueResult, Object, Result, ResultExt, Scalar, ScalarType,
    Value,
};
use chrono::{DateTime, Utc};

use crate::relay::{GlobalId, NodeType};
use crate::schema::context::ContextExt;
use crate::schema::scalars::Date;
use crate::upstream::CreatorMedia;
use crate::upstream::creator_media_model::{self as model, BookingStatus, CreatorTier, Platform};

/// An audience size (followers, subscribers), 0 to 10,000,000,000, as a
/// JSON integer (beyond a GraphQL `Int`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Audience(pub(crate) i64);

/// An audience size (followers, subscribers), 0 to 10,000,000,000, as a
/// JSON integer (beyond a GraphQL `Int`).
#[Scalar(name = "Audience")]
impl ScalarType for Audience {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(number) => number
                .as_i64()
                .map(Audience)
                .ok_or_else(|| InputValueError::custom("an audience is a whole number")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// A one-person creator: a unique handle and where it publishes.
pub(crate) struct Creator(pub(crate) model::Creator);

#[Object]
impl Creator {
    /// The creator's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Creator, self.0.id).to_id()
    }

    /// Unique across creators, case-insensitively, without the `@`.
    async fn handle(&self) -> &str {
        &self.0.handle
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    async fn channels(&self) -> Vec<CreatorChannel<'_>> {
        self.0.channels.iter().map(CreatorChannel).collect()
    }

    async fn categories(&self) -> Vec<&str> {
        self.0.categories.iter().map(String::as_str).collect()
    }

    async fn region(&self) -> &str {
        &self.0.region
    }

    /// ISO 639 language codes.
    async fn languages(&self) -> Vec<&str> {
        self.0.languages.iter().map(String::as_str).collect()
    }

    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }

    /// What the creator has earned in the programme's training; only
    /// certified creators are recommended to merchants.
    async fn tier(&self) -> CreatorTier {
        self.0.tier
    }

    /// The cohorts that certified the creator.
    async fn certifications(&self, ctx: &Context<'_>) -> Result<Vec<super::TrainingCohort>> {
        let mut cohorts = Vec::with_capacity(self.0.certifications.len());
        for id in &self.0.certifications {
            if let Some(cohort) = super::find_cohort(ctx, *id).await? {
                cohorts.push(cohort);
            }
        }
        Ok(cohorts)
    }

    /// What the creator is owed (held, payable, owed, paid out); its owner,
    /// officials and operators read it, anyone else reads null.
    async fn commission_account(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::commissions::CommissionAccount>> {
        super::commissions::commission_account(ctx, self.0.id).await
    }

    /// The commissions of the orders credited to the creator, in accrual
    /// order: for its owner, officials and operators.
    #[graphql(complexity = "crate::relay::PageRequest::complexity(first, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<Option<async_graphql::connection::Connection<String, super::commissions::Commission>>>
    {
        super::commissions::commissions(ctx, self.0.id, first, after).await
    }

    /// The creator's published videos by publication time.
    #[graphql(complexity = "crate::relay::PageRequest::complexity(first, child_complexity)")]
    async fn videos(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Continue after this cursor.")] after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::Video>> {
        super::videos::videos_of(ctx, "creators", self.0.id, first, after).await
    }
}

/// One channel a creator publishes on.
pub(crate) struct CreatorChannel<'a>(&'a model::Channel);

#[Object]
impl CreatorChannel<'_> {
    async fn platform(&self) -> Platform {
        self.0.platform
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    /// Followers or subscribers.
    async fn audience(&self) -> Audience {
        Audience(i64::try_from(self.0.audience).unwrap_or(i64::MAX))
    }
}

/// A shared studio of the programme, booked by slot.
pub(crate) struct Studio(pub(crate) model::Studio);

#[Object]
impl Studio {
    /// The studio's global id.
    pub(crate) async fn id(&self) -> ID {
        GlobalId::new(NodeType::Studio, self.0.id).to_id()
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn region(&self) -> &str {
        &self.0.region
    }

    /// The length of one slot.
    async fn slot_minutes(&self) -> i32 {
        self.0.slot_minutes.into()
    }

    /// The first bookable hour, Korea Standard Time.
    async fn open_hour(&self) -> i32 {
        self.0.open_hour.into()
    }

    /// The hour the last slot ends, Korea Standard Time.
    async fn close_hour(&self) -> i32 {
        self.0.close_hour.into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The studio's bookings on one day (Korea Standard Time), cancelled
    /// ones too, by start.
    async fn bookings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day, Korea Standard Time.")] day: Date,
    ) -> Result<Vec<StudioBooking>> {
        let bookings = ctx
            .request()
            .upstream::<CreatorMedia>()
            .day_bookings(self.0.id, day.0)
            .await
            .extend()?
            .unwrap_or_default();
        Ok(bookings.into_iter().map(StudioBooking).collect())
    }
}

/// One slot of a studio booked by a creator.
pub(crate) struct StudioBooking(pub(crate) model::Booking);

#[Object]
impl StudioBooking {
    /// The booking's global id (read from its studio's `bookings(day:)`).
    async fn id(&self) -> ID {
        GlobalId::new(NodeType::StudioBooking, self.0.id).to_id()
    }

    async fn studio(&self, ctx: &Context<'_>) -> Result<Option<Studio>> {
        super::find_studio(ctx, self.0.studio_id).await
    }

    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<Creator>> {
        super::find_creator(ctx, self.0.creator_id).await
    }

    async fn start(&self) -> DateTime<Utc> {
        self.0.start
    }

    async fn end(&self) -> DateTime<Utc> {
        self.0.end
    }

    async fn status(&self) -> BookingStatus {
        self.0.status
    }

    async fn booked_at(&self) -> DateTime<Utc> {
        self.0.booked_at
    }

    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }
}
