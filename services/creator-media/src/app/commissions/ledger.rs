use chrono::{DateTime, Utc};
use golmok_contracts::creator_media::http::{
    CommissionAccountView, CommissionLineView, CommissionStatus as StatusView, CommissionView,
    CreatorCommissionsView, PayoutView,
};
use golmok_kernel::{CommandMeta, Committed, ListPage, PageRequest, StreamName};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::due::{COMMISSIONS_DUE, Due};
use crate::app::projections::ALL;
use crate::app::{AppError, CreatorMedia};
use crate::domain::commission::{
    Attributed, CommissionCommand, CommissionError, CommissionStatus, CommissionsState,
    OrderCommission, Payout, ReturnedSale,
};

/// `commissions-<creator id>`: one creator's commissions.
pub const COMMISSIONS: StreamName = StreamName::new("commissions");

fn commission_view(order: &OrderCommission) -> CommissionView {
    let accrual = &order.accrual;
    let (status, payout_id) = match order.status {
        CommissionStatus::Held => (StatusView::Held, None),
        CommissionStatus::Payable => (StatusView::Payable, None),
        CommissionStatus::PaidOut(payout) => (StatusView::PaidOut, Some(payout)),
    };
    CommissionView {
        order_id: accrual.order_id,
        merchant_id: accrual.merchant_id,
        collaboration_id: accrual.collaboration_id,
        live_id: accrual.live_id,
        status,
        accrued: accrual.amount,
        reversed: order.reversed,
        clawed_back: order.clawed_back,
        accrued_at: accrual.at,
        payable_at: accrual.payable_at,
        payout_id,
        lines: accrual
            .lines
            .iter()
            .zip(&order.line_taken)
            .map(|(line, taken)| CommissionLineView {
                product_id: line.product_id,
                sales: line.sales,
                bps: line.bps,
                commission: line.commission,
                taken_back: *taken,
            })
            .collect(),
    }
}

fn account_view(creator_id: Uuid, state: &CommissionsState) -> CommissionAccountView {
    CommissionAccountView {
        creator_id,
        held: state.held(),
        payable: state.payable(),
        owed: state.owed,
        paid_out: state.paid_out,
    }
}

fn payout_view(payout: &Payout) -> PayoutView {
    PayoutView {
        id: payout.payout_id,
        creator_id: payout.creator_id,
        orders: payout.orders.clone(),
        payable: payout.payable,
        clawed_back: payout.clawed_back,
        net: payout.net,
        at: payout.at,
    }
}

/// One page of the orders in accrual order, after the order `after`.
fn page_of(state: &CommissionsState, page: &PageRequest) -> ListPage<CommissionView> {
    let start = match &page.after {
        Some(after) => state
            .accrued_order
            .iter()
            .position(|id| id.to_string() == *after)
            .map_or(state.accrued_order.len(), |at| at + 1),
        None => 0,
    };
    let ids: Vec<&Uuid> = state
        .accrued_order
        .iter()
        .skip(start)
        .take(page.first)
        .collect();
    let more = start + ids.len() < state.accrued_order.len();
    ListPage {
        next_cursor: more.then(|| ids.last().map(|id| id.to_string())).flatten(),
        items: ids
            .into_iter()
            .filter_map(|id| state.orders.get(id).map(commission_view))
            .collect(),
    }
}

impl CreatorMedia {
    /// Accrues a paid order's commission (a no-op for one accrued before).
    pub(crate) async fn accrue_commission(
        &self,
        order: Attributed,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let stream = COMMISSIONS.of(order.creator_id);
        let command = CommissionCommand::Accrue(Box::new(order));
        self.commissions.execute(&stream, &command, meta).await?;
        Ok(())
    }

    /// Takes back the returned lines' share of an order's commission (a
    /// no-op for a return taken before).
    pub(crate) async fn return_commission(
        &self,
        creator_id: Uuid,
        order_id: Uuid,
        return_id: Uuid,
        lines: Vec<ReturnedSale>,
        meta: &CommandMeta,
    ) -> Result<(), AppError> {
        let command = CommissionCommand::Return {
            order_id,
            return_id,
            lines,
            at: Utc::now(),
        };
        self.commissions
            .execute(&COMMISSIONS.of(creator_id), &command, meta)
            .await?;
        Ok(())
    }

    /// Makes up to `limit` held commissions whose return window ended by
    /// `now` payable; a failure is logged and tried again at the next look.
    pub async fn make_commissions_payable(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<(), AppError> {
        let due: ListPage<(String, Due)> =
            self.scan_rows(COMMISSIONS_DUE, ALL, None, limit).await?;
        for (_, due) in due.items.into_iter().take_while(|d| d.1.payable_at <= now) {
            let command = CommissionCommand::MakePayable {
                order_id: due.order_id,
                at: now,
            };
            let stream = COMMISSIONS.of(due.creator_id);
            let done = self
                .commissions
                .execute(&stream, &command, &CommandMeta::default())
                .await;
            if let Err(error) = done {
                tracing::warn!(order = %due.order_id, %error, "cannot make a commission payable");
            }
        }
        Ok(())
    }

    /// Refuses anyone but the creator's owner, officials and operators; an
    /// unknown creator is not found.
    async fn commission_reader(&self, creator_id: Uuid, actor: &Actor) -> Result<(), AppError> {
        let profile = self.registered_creator(creator_id).await?;
        let own = actor.role == Role::Creator && profile.owner.as_deref() == Some(&actor.subject);
        if own || matches!(actor.role, Role::Official | Role::Operator) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The creator's account and one page of its commissions, in accrual
    /// order: for its owner, officials and operators.
    pub async fn creator_commissions(
        &self,
        creator_id: Uuid,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<CreatorCommissionsView, AppError> {
        self.commission_reader(creator_id, actor).await?;
        let (state, _) = self.commissions.load(&COMMISSIONS.of(creator_id)).await?;
        let listed = page_of(&state, page);
        Ok(CreatorCommissionsView {
            account: account_view(creator_id, &state),
            items: listed.items,
            next_cursor: listed.next_cursor,
        })
    }

    /// Pays out the creator's payable commissions less what it owes: for
    /// officials and operators.
    pub async fn pay_out_commissions(
        &self,
        creator_id: Uuid,
        payout_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<PayoutView>, AppError> {
        if !matches!(actor.role, Role::Official | Role::Operator) {
            return Err(AppError::Forbidden);
        }
        self.registered_creator(creator_id).await?;
        let command = CommissionCommand::PayOut {
            payout_id,
            at: Utc::now(),
        };
        let executed = self
            .commissions
            .execute(&COMMISSIONS.of(creator_id), &command, meta)
            .await?;
        let payout = executed
            .state
            .payouts
            .get(&payout_id)
            .ok_or(CommissionError::NothingToPayOut)?;
        Ok(self
            .projections
            .committed(payout_view(payout), executed.position)
            .await)
    }
}
