//! The creator-media service's HTTP API (`docs/creator-media-http.md`), one
//! method per route; a command sends the contract's request body, so what
//! goes out is checked.

mod collaborations;
mod commissions;
mod lives;
pub(crate) mod model;
pub(crate) mod promotions;
mod training;
mod videos;

pub(crate) use collaborations::Answering;
mod webhooks;

use chrono::NaiveDate;
use golmok_contracts::creator_media::http as contract;
use http::Method;
use uuid::Uuid;

use self::model::{Booking, Creator, CreatorMatches, Studio};
use super::{CallError, Key, Routes, Upstream, segments};
use crate::relay::ListPage;

/// The creator-media service's name in [`Upstreams`](super::Upstreams).
pub(crate) const SERVICE: &str = "creator-media";

/// The creator-media service as seen by one caller.
#[derive(Clone, Copy)]
pub(crate) struct CreatorMedia<'a>(Upstream<'a>);

impl<'a> Routes<'a> for CreatorMedia<'a> {
    const SERVICE: &'static str = SERVICE;

    fn new(upstream: Upstream<'a>) -> Self {
        CreatorMedia(upstream)
    }
}

type Answer<T> = Result<T, CallError>;

impl CreatorMedia<'_> {
    // Creators

    pub(crate) async fn creator(&self, id: Uuid) -> Answer<Option<Creator>> {
        self.0.find(&segments!["creators", id]).await
    }

    pub(crate) async fn creators(
        &self,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Creator>> {
        self.0.list(&segments!["creators"], &[], first, after).await
    }

    pub(crate) async fn register_creator(
        &self,
        body: &contract::RegisterCreator,
        key: Key<'_>,
    ) -> Answer<Creator> {
        let path = segments!["creators"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn update_creator(
        &self,
        id: Uuid,
        body: &contract::UpdateCreator,
        key: Key<'_>,
    ) -> Answer<Creator> {
        let path = segments!["creators", id];
        self.0.command(Method::PATCH, &path, Some(body), key).await
    }

    // Studios and bookings

    pub(crate) async fn studio(&self, id: Uuid) -> Answer<Option<Studio>> {
        self.0.find(&segments!["studios", id]).await
    }

    pub(crate) async fn create_studio(
        &self,
        body: &contract::CreateStudio,
        key: Key<'_>,
    ) -> Answer<Studio> {
        let path = segments!["studios"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// A studio's bookings on one day (KST), by start; `None` for an unknown studio.
    pub(crate) async fn day_bookings(
        &self,
        studio: Uuid,
        day: NaiveDate,
    ) -> Answer<Option<Vec<Booking>>> {
        let path = segments!["studios", studio, "days", day, "bookings"];
        self.0.find(&path).await
    }

    pub(crate) async fn book_slot(
        &self,
        studio: Uuid,
        body: &contract::BookSlot,
        key: Key<'_>,
    ) -> Answer<Booking> {
        let path = segments!["studios", studio, "bookings"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    // Matching

    /// The creators recommended for a merchant; `None` when the merchant is
    /// unknown to creator media (or not the caller's).
    pub(crate) async fn creator_matches(
        &self,
        merchant: Uuid,
        first: usize,
    ) -> Answer<Option<CreatorMatches>> {
        let path = segments!["merchants", merchant, "creator-matches"];
        let first = first.to_string();
        self.0.find_with(&path, &[("first", &first)]).await
    }

    pub(crate) async fn cancel_booking(&self, id: Uuid, key: Key<'_>) -> Answer<Booking> {
        let path = segments!["bookings", id, "cancellation"];
        let body = contract::Empty {};
        self.0.command(Method::POST, &path, Some(&body), key).await
    }
}
