//! Training's routes (`docs/creator-media-http.md`, "Training").

use golmok_contracts::creator_media::http as contract;
use http::Method;
use serde::Serialize;
use uuid::Uuid;

use super::model::Cohort;
use super::{Answer, CreatorMedia};
use crate::relay::ListPage;
use crate::upstream::{Key, segments};

impl CreatorMedia<'_> {
    pub(crate) async fn cohort(&self, id: Uuid) -> Answer<Option<Cohort>> {
        self.0.find(&segments!["cohorts", id]).await
    }

    pub(crate) async fn cohorts(
        &self,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<Cohort>> {
        self.0.list(&segments!["cohorts"], &[], first, after).await
    }

    pub(crate) async fn open_cohort(
        &self,
        body: &contract::OpenCohort,
        key: Key<'_>,
    ) -> Answer<Cohort> {
        let path = segments!["cohorts"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// `enrollments`, `attendance` or `completion` of a cohort.
    pub(crate) async fn cohort_step<B: Serialize + Sync>(
        &self,
        id: Uuid,
        step: &str,
        body: &B,
        key: Key<'_>,
    ) -> Answer<Cohort> {
        let path = segments!["cohorts", id, step];
        self.0.command(Method::POST, &path, Some(body), key).await
    }
}
