//! Live sessions' routes (`docs/creator-media-http.md`, "Live sessions").

use golmok_contracts::creator_media::http as contract;
use http::Method;
use uuid::Uuid;

use super::model::Live;
use super::{Answer, CreatorMedia};
use crate::relay::ListPage;
use crate::upstream::{Key, segments};

impl CreatorMedia<'_> {
    pub(crate) async fn live(&self, id: Uuid) -> Answer<Option<Live>> {
        self.0.find(&segments!["lives", id]).await
    }

    pub(crate) async fn lives_of(
        &self,
        merchant: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Live>> {
        let path = segments!["merchants", merchant, "lives"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn schedule_live(
        &self,
        body: &contract::ScheduleLive,
        key: Key<'_>,
    ) -> Answer<Live> {
        let path = segments!["lives"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// `start`, `end` or `cancellation` of a live.
    pub(crate) async fn live_step(&self, id: Uuid, step: &str, key: Key<'_>) -> Answer<Live> {
        let path = segments!["lives", id, step];
        let body = contract::Empty {};
        self.0.command(Method::POST, &path, Some(&body), key).await
    }

    pub(crate) async fn pin_live_product(
        &self,
        id: Uuid,
        body: &contract::PinProduct,
        key: Key<'_>,
    ) -> Answer<Live> {
        let path = segments!["lives", id, "pin"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }
}
