//! The creator-media routes of event tie-ins and promotions.

use golmok_contracts::creator_media::http as contract;
use http::Method;
use uuid::Uuid;

pub(crate) use golmok_contracts::creator_media::http::{
    PromotionStatus, PromotionView as Promotion, TieInView as TieIn,
};

use super::{Answer, CreatorMedia};
use crate::relay::ListPage;
use crate::upstream::{Key, segments};

impl CreatorMedia<'_> {
    pub(crate) async fn tie_in(&self, id: Uuid) -> Answer<Option<TieIn>> {
        self.0.find(&segments!["tie-ins", id]).await
    }

    /// The tie-ins the caller may read (a partner: its own).
    pub(crate) async fn tie_ins(
        &self,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<TieIn>> {
        self.0.list(&segments!["tie-ins"], &[], first, after).await
    }

    /// The promotions a tie-in includes, in publication order.
    pub(crate) async fn tie_in_promotions(
        &self,
        tie_in: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Promotion>> {
        let path = segments!["tie-ins", tie_in, "promotions"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn create_tie_in(
        &self,
        body: &contract::CreateTieIn,
        key: Key<'_>,
    ) -> Answer<TieIn> {
        let path = segments!["tie-ins"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn promotion(&self, id: Uuid) -> Answer<Option<Promotion>> {
        self.0.find(&segments!["promotions", id]).await
    }

    pub(crate) async fn publish_promotion(
        &self,
        body: &contract::PublishPromotion,
        key: Key<'_>,
    ) -> Answer<Promotion> {
        let path = segments!["promotions"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn withdraw_promotion(&self, id: Uuid, key: Key<'_>) -> Answer<Promotion> {
        let path = segments!["promotions", id, "withdrawal"];
        let body = contract::Empty {};
        self.0.command(Method::POST, &path, Some(&body), key).await
    }
}
