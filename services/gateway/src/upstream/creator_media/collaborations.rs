//! Collaboration routes of the creator-media service
//! (`docs/creator-media-http.md`, *Collaborations*).

use golmok_contracts::creator_media::http::{
    AuditEntryView, CollaborationView, CompleteDelegatedAction, Empty, ProposeCollaboration,
    RequestDelegatedAction,
};
use http::Method;
use uuid::Uuid;

use super::{Answer, CreatorMedia};
use crate::relay::ListPage;
use crate::upstream::{Key, segments};

/// The answers a party gives a collaboration, as their routes name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answering {
    Accept,
    Decline,
    End,
}

impl Answering {
    fn route(self) -> &'static str {
        match self {
            Answering::Accept => "acceptance",
            Answering::Decline => "declination",
            Answering::End => "end",
        }
    }
}

impl CreatorMedia<'_> {
    pub(crate) async fn collaboration(&self, id: Uuid) -> Answer<Option<CollaborationView>> {
        self.0.find(&segments!["collaborations", id]).await
    }

    /// The caller's collaborations (a merchant's, or its creators').
    pub(crate) async fn collaborations(
        &self,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<CollaborationView>> {
        self.0
            .list(&segments!["collaborations"], &[], first, after)
            .await
    }

    pub(crate) async fn propose_collaboration(
        &self,
        body: &ProposeCollaboration,
        key: Key<'_>,
    ) -> Answer<CollaborationView> {
        let path = segments!["collaborations"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    pub(crate) async fn answer_collaboration(
        &self,
        id: Uuid,
        answer: Answering,
        key: Key<'_>,
    ) -> Answer<CollaborationView> {
        let path = segments!["collaborations", id, answer.route()];
        self.0
            .command(Method::POST, &path, Some(&Empty {}), key)
            .await
    }

    /// A collaboration's audit trail, oldest first (its merchant, operators).
    pub(crate) async fn audit_trail(
        &self,
        id: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<AuditEntryView>> {
        let path = segments!["collaborations", id, "audit"];
        self.0.list(&path, &[], first, after).await
    }

    /// The calling creator's active delegated-selling collaborations.
    pub(crate) async fn delegations(&self) -> Answer<Vec<CollaborationView>> {
        let path = segments!["delegations"];
        self.0.command(Method::GET, &path, None::<&()>, None).await
    }

    /// Records an action before the gateway takes it for the creator.
    pub(crate) async fn request_action(
        &self,
        collaboration: Uuid,
        body: &RequestDelegatedAction,
        key: Key<'_>,
    ) -> Answer<AuditEntryView> {
        let path = segments!["collaborations", collaboration, "actions"];
        self.0.command(Method::POST, &path, Some(body), key).await
    }

    /// Records the outcome of a requested action.
    pub(crate) async fn complete_action(
        &self,
        collaboration: Uuid,
        entry: Uuid,
        body: &CompleteDelegatedAction,
    ) -> Answer<AuditEntryView> {
        let path = segments!["collaborations", collaboration, "actions", entry, "outcome"];
        self.0.command(Method::POST, &path, Some(body), None).await
    }
}
