use chrono::{DateTime, Utc};
use golmok_kernel::{CommandMeta, ListPage, PageRequest};
use golmok_runtime::{Actor, Role};
use uuid::Uuid;

use super::projections::ALL;
use super::promotion_projection::{
    PARTNER_TIE_INS, PROMOTIONS, PromotionView, TIE_IN_BY_ID, TIE_INS, TieInView, tie_in_view,
};
use super::{AppError, Committed, CreatorMedia, TIE_IN};
use crate::domain::tie_in::{TieInCommand, TieInCreated, TieInError, TieInState};

/// A tie-in as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTieIn {
    pub name: String,
    pub partner: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub regions: Vec<String>,
}

/// How many promotions one scan of a tie-in's promotions reads at a time.
const SCAN_BATCH: usize = 200;

/// Whether `actor` may read tie-ins at all: officials, operators and
/// partners (a partner only its own).
fn reads_tie_ins(actor: &Actor) -> Result<(), AppError> {
    match actor.role {
        Role::Official | Role::Operator | Role::Partner => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Whether `actor` (allowed to read tie-ins) may read this one: a partner
/// only the tie-ins that name it.
fn sees(actor: &Actor, tie_in: &TieInView) -> bool {
    actor.role != Role::Partner || tie_in.partner == actor.subject
}

impl CreatorMedia {
    /// Creates a tie-in (the caller is an official or an operator).
    pub async fn create_tie_in(
        &self,
        tie_in_id: Uuid,
        input: NewTieIn,
        meta: &CommandMeta,
    ) -> Result<Committed<TieInView>, AppError> {
        let command = TieInCommand::Create(TieInCreated {
            tie_in_id,
            name: input.name,
            partner: input.partner,
            starts: input.starts,
            ends: input.ends,
            tags: input.tags,
            categories: input.categories,
            regions: input.regions,
            at: Utc::now(),
        });
        let executed = self
            .tie_ins
            .execute(&TIE_IN.of(tie_in_id), &command, meta)
            .await?;
        let TieInState::Created(created) = &*executed.state else {
            return Err(TieInError::NotFound.into());
        };
        let view = tie_in_view(created);
        Ok(self.projections.committed(view, executed.position).await)
    }

    /// The tie-in, if `actor` may read it; one of another partner reads as
    /// missing.
    pub async fn tie_in(&self, id: Uuid, actor: &Actor) -> Result<Option<TieInView>, AppError> {
        reads_tie_ins(actor)?;
        let tie_in: Option<TieInView> = self.by_id(TIE_IN_BY_ID, id).await?;
        Ok(tie_in.filter(|tie_in| sees(actor, tie_in)))
    }

    /// The tie-ins `actor` may read, in creation order.
    pub async fn tie_ins(
        &self,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<ListPage<TieInView>, AppError> {
        reads_tie_ins(actor)?;
        if actor.role == Role::Partner {
            self.page_in(PARTNER_TIE_INS, &actor.subject, page).await
        } else {
            self.page(TIE_INS, page).await
        }
    }

    /// The promotions a tie-in includes (`TieInCreatedV1::includes`), in
    /// publication order, withdrawn and expired ones too; `None` when the
    /// tie-in reads as missing for `actor`.
    pub async fn tie_in_promotions(
        &self,
        id: Uuid,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Option<ListPage<PromotionView>>, AppError> {
        let Some(tie_in) = self.tie_in(id, actor).await? else {
            return Ok(None);
        };
        let tie_in = tie_in.as_created();
        let mut items = Vec::new();
        let mut after = page.after.clone();
        loop {
            let batch: ListPage<(String, PromotionView)> = self
                .scan_rows(PROMOTIONS, ALL, after.as_deref(), SCAN_BATCH)
                .await?;
            for (position, promotion) in batch.items {
                if tie_in.includes(&promotion.as_published()) {
                    items.push(promotion);
                    if items.len() == page.first {
                        return Ok(Some(ListPage {
                            items,
                            next_cursor: Some(position),
                        }));
                    }
                }
            }
            match batch.next_cursor {
                Some(next) => after = Some(next),
                None => {
                    return Ok(Some(ListPage {
                        items,
                        next_cursor: None,
                    }));
                }
            }
        }
    }

    /// The tie-ins of `partner`, every one of them (a partner has few).
    pub(super) async fn partner_tie_ins(&self, partner: &str) -> Result<Vec<TieInView>, AppError> {
        let mut tie_ins = Vec::new();
        let mut after = None;
        loop {
            let batch: ListPage<(String, TieInView)> = self
                .scan_rows(PARTNER_TIE_INS, partner, after.as_deref(), SCAN_BATCH)
                .await?;
            tie_ins.extend(batch.items.into_iter().map(|(_, tie_in)| tie_in));
            match batch.next_cursor {
                Some(next) => after = Some(next),
                None => return Ok(tie_ins),
            }
        }
    }
}
