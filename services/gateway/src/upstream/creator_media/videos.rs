//! Published videos' routes (`docs/creator-media-http.md`, "Published videos").

use golmok_contracts::creator_media::http::{self as contract, VideoView};
use http::Method;
use uuid::Uuid;

use super::{Answer, CreatorMedia};
use crate::relay::ListPage;
use crate::upstream::{Key, segments};

impl CreatorMedia<'_> {
    pub(crate) async fn video(&self, id: Uuid) -> Answer<Option<VideoView>> {
        self.0.find(&segments!["videos", id]).await
    }

    /// The published videos listed under `owner` (`products` or `creators`)
    /// `id`, by publication time.
    pub(crate) async fn videos_of(
        &self,
        owner: &str,
        id: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<VideoView>> {
        let path = segments![owner, id, "videos"];
        self.0.list(&path, &[], first, after).await
    }

    pub(crate) async fn publish_video(
        &self,
        body: &contract::PublishVideo,
        key: Key<'_>,
    ) -> Answer<VideoView> {
        let path = segments!["videos"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn unpublish_video(&self, id: Uuid, key: Key<'_>) -> Answer<VideoView> {
        let path = segments!["videos", id, "unpublishing"];
        let body = contract::Empty {};
        self.0.command(Method::POST, &path, Some(&body), key).await
    }
}
