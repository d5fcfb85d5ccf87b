use chrono::{DateTime, Utc};
use golmok_kernel::{CommandMeta, Executed, ListPage, PageRequest};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::promotion_projection::{
    LIVE, LIVE_PROMOTIONS, MERCHANT_PROMOTIONS, PROMOTION_BY_ID, PromotionStatus, PromotionView,
    promotion_view,
};
use super::{AppError, Committed, CreatorMedia, PROMOTION, TIE_IN};
use crate::domain::promotion::{
    Offer, PromotionCommand, PromotionError, PromotionState, Published,
};
use crate::domain::tie_in::{TieInError, TieInState};

/// A promotion as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPromotion {
    pub merchant_id: Uuid,
    pub title: String,
    pub products: Vec<Uuid>,
    pub offer: Offer,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub region: String,
    pub tie_in: Option<Uuid>,
    /// Published by this collaboration (by either party) rather than the
    /// merchant alone.
    pub collaboration_id: Option<Uuid>,
}

/// The view of a promotion's state after a command.
fn state_view(state: &PromotionState, version: u64) -> Option<PromotionView> {
    let (published, status, ended_at) = match state {
        PromotionState::Unknown => return None,
        PromotionState::Live(published) => (published, PromotionStatus::Live, None),
        PromotionState::Withdrawn(published, at) => {
            (published, PromotionStatus::Withdrawn, Some(*at))
        }
        PromotionState::Expired(published, at) => (published, PromotionStatus::Expired, Some(*at)),
    };
    Some(PromotionView {
        status,
        ended_at,
        ..promotion_view(published, version)
    })
}

impl CreatorMedia {
    /// Publishes a promotion for its merchant (the caller acts for it). A
    /// promotion restricted to a tie-in needs that tie-in to exist; refused
    /// input writes nothing.
    pub async fn publish_promotion(
        &self,
        promotion_id: Uuid,
        input: NewPromotion,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<PromotionView>, AppError> {
        match input.collaboration_id {
            Some(collaboration) => {
                self.publishing_collaboration(collaboration, &input, actor)
                    .await?
            }
            None if actor.acts_for_merchant(input.merchant_id) => {}
            None => return Err(AppError::Forbidden),
        }
        if let Some(tie_in) = input.tie_in {
            let (state, _) = self.tie_ins.load(&TIE_IN.of(tie_in)).await?;
            if *state == TieInState::Unknown {
                return Err(TieInError::NotFound.into());
            }
        }
        let command = PromotionCommand::Publish(Box::new(Published {
            promotion_id,
            merchant_id: input.merchant_id,
            collaboration_id: input.collaboration_id,
            title: input.title,
            products: input.products,
            offer: input.offer,
            starts: input.starts,
            ends: input.ends,
            tags: input.tags,
            categories: input.categories,
            region: input.region,
            tie_in: input.tie_in,
            at: Utc::now(),
        }));
        self.promotion_command(promotion_id, command, meta).await
    }

    /// Withdraws a live promotion, for its merchant or an operator.
    pub async fn withdraw_promotion(
        &self,
        promotion_id: Uuid,
        actor: &Actor,
        meta: &CommandMeta,
    ) -> Result<Committed<PromotionView>, AppError> {
        let (state, _) = self.promotions.load(&PROMOTION.of(promotion_id)).await?;
        let published = state.published().ok_or(PromotionError::NotFound)?;
        let by_its_collaboration = match published.collaboration_id {
            Some(collaboration) => self.as_its_creator(collaboration, actor).await.is_ok(),
            None => false,
        };
        if !(actor.acts_for_merchant(published.merchant_id) || by_its_collaboration) {
            return Err(AppError::Forbidden);
        }
        let command = PromotionCommand::Withdraw { at: Utc::now() };
        self.promotion_command(promotion_id, command, meta).await
    }

    /// Expires a promotion that ended by `at`: a no-op for one withdrawn or
    /// expired already.
    pub async fn expire_promotion(
        &self,
        promotion_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let command = PromotionCommand::Expire { at };
        self.promotions
            .execute(
                &PROMOTION.of(promotion_id),
                &command,
                &CommandMeta::default(),
            )
            .await?;
        Ok(())
    }

    async fn promotion_command(
        &self,
        promotion_id: Uuid,
        command: PromotionCommand,
        meta: &CommandMeta,
    ) -> Result<Committed<PromotionView>, AppError> {
        let executed: Executed<PromotionState> = self
            .promotions
            .execute(&PROMOTION.of(promotion_id), &command, meta)
            .await?;
        let view =
            state_view(&executed.state, executed.stream_version).ok_or(PromotionError::NotFound)?;
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// The promotion, if `actor` may read it: a public one anybody (a
    /// partner only when one of its tie-ins includes it), a restricted one
    /// its merchant, officials, operators and the partner of its tie-in.
    pub async fn promotion(
        &self,
        id: Uuid,
        actor: Option<&Actor>,
    ) -> Result<Option<PromotionView>, AppError> {
        let Some(promotion) = self.by_id::<PromotionView>(PROMOTION_BY_ID, id).await? else {
            return Ok(None);
        };
        let visible = match actor {
            Some(actor) if actor.role == Role::Partner => {
                let published = promotion.as_published();
                self.partner_tie_ins(&actor.subject)
                    .await?
                    .iter()
                    .any(|tie_in| tie_in.as_created().includes(&published))
            }
            Some(actor)
                if actor.role == Role::Official
                    || actor.acts_for_merchant(promotion.merchant_id) =>
            {
                true
            }
            _ => promotion.tie_in.is_none(),
        };
        Ok(visible.then_some(promotion))
    }

    /// A merchant's promotions, in publication order.
    pub async fn merchant_promotions(
        &self,
        merchant_id: Uuid,
        page: &PageRequest,
    ) -> Result<ListPage<PromotionView>, AppError> {
        self.page_in(MERCHANT_PROMOTIONS, &merchant_id.to_string(), page)
            .await
    }

    /// Up to `limit` live promotions that ended by `now`, earliest end first.
    pub async fn ended_promotions(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Uuid>, AppError> {
        let live: ListPage<(String, PromotionView)> =
            self.scan_rows(LIVE_PROMOTIONS, LIVE, None, limit).await?;
        Ok(live
            .items
            .into_iter()
            .map(|(_, promotion)| promotion)
            .take_while(|promotion| promotion.ends <= now)
            .map(|promotion| promotion.id)
            .collect())
    }
}
