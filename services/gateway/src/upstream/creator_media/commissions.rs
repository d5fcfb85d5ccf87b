//! Commission routes of the creator-media service
//! (`docs/creator-media-http.md`, *Commissions*).

use golmok_contracts::creator_media::http::{
    CommissionView, CreatorCommissionsView, Empty, PayoutView,
};
use http::Method;
use uuid::Uuid;

use super::{Answer, CreatorMedia};
use crate::relay::ListPage;
use crate::upstream::{Key, segments};

impl CreatorMedia<'_> {
    /// The creator's commission account; `None` when the creator is unknown
    /// or the caller may not read it (its owner, officials and operators may).
    pub(crate) async fn commission_account(
        &self,
        creator: Uuid,
    ) -> Answer<Option<CreatorCommissionsView>> {
        let path = segments!["creators", creator, "commissions"];
        self.0.find_with(&path, &[("first", "1")]).await
    }

    /// One page of the creator's commissions, in accrual order.
    pub(crate) async fn commissions(
        &self,
        creator: Uuid,
        first: usize,
        after: Option<&str>,
    ) -> Answer<ListPage<CommissionView>> {
        let path = segments!["creators", creator, "commissions"];
        self.0.list(&path, &[], first, after).await
    }

    /// Pays out the creator's payable commissions (officials and operators).
    pub(crate) async fn pay_out_commissions(
        &self,
        creator: Uuid,
        key: Key<'_>,
    ) -> Answer<PayoutView> {
        let path = segments!["creators", creator, "payouts"];
        self.0
            .command(Method::POST, &path, Some(&Empty {}), key)
            .await
    }
}
